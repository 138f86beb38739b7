"""Reading the next turn's opening ahead, while the user types.

Once a conversation's saved cache is restored (it was opened, ``SlotManager.prepare``), its next
answer reads only what the slot does not hold: the last answer's final token (sampled, never
read), the chat template's close of that answer and opening of the user's turn
(``<|im_end|>\\n<|im_start|>user\\n`` for ChatML), the message, and the opening of the answer.
On a CPU each of those tokens attends to the whole history, and ggml's flash attention takes a
batch of 2-63 new tokens one query row at a time (one token has its own path, 64 and more a tiled
one): on 2 cores ~13.5 ms a token after 3,000 tokens of SmolLM2, so the 16 tokens of a short
question took 219 ms where the 10 that depend on the message take ~135 ms. (Turning flash
attention off reads 13 such tokens in 59% of the time but a 2,934-token history in 153%: a worse
trade for everyone, so it stays on.)

So the tokens before the message are read as soon as the cache is back: the conversation is
rendered by llama-server's own template (``/apply-template``, with the template fields the
answer will send) with a stand-in user message, cut where the stand-in begins, and read into
the slot with ``/completion`` and ``n_predict: 0``. The cut renders the history exactly as the
next request will, so it can only extend what the slot holds, never replace it; if the text
at the cut tokenizes differently inside the real prompt, the answer re-reads just those
tokens. The answer is the same token for token (tested, greedy).

**The message as it is typed.** While the user types in such a conversation (idle, nothing
streaming on the server) the page sends the draft (``read_ahead_draft``, debounced, when it grew
by whole words); the same rendering with the draft cut before its last word (still being typed)
is read into the slot, so the send reads only the draft's last words and the answer's opening.
``DraftReader`` runs one such read at a time: a draft that comes while one is read replaces any
waiting one and is read after it (the latest wins; none queues behind itself), and none is read
once an answer streams.

Not read ahead when the answer's prompt is more than the rendered messages: tools (enabled, or
calls in the history; their definitions and format enter the prompt) and images (embedded by
the multimodal path). The slot then keeps just the restored cache, as before.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from ..contract import ConversationOptions
from ..errors import ServerError
from ..llama import ChatMessage, LlamaCppAdapter
from ._prompt import answer_options

__all__ = ["DraftReader", "before_last_word", "opening_fields", "read_opening_ahead"]

log = logging.getLogger(__name__)

_STAND_IN = "LLAMADESK-NEXT-MESSAGE-f3c1"
"""The next message's place in the rendered prompt: text no template adds or changes."""

_LAST_WORD = re.compile(r"\s*\S+\s*$")


def before_last_word(text: str) -> str:
    """``text`` without its last word and the whitespace around it (that word may still grow;
    the words before it tokenize the same inside the sent message)."""
    return _LAST_WORD.sub("", text)


def opening_fields(
    options: ConversationOptions, messages: Sequence[ChatMessage], *, tools: bool, images: bool
) -> dict[str, Any] | None:
    """The template fields of the next streamed answer after ``messages``, or None when its
    prompt is more than the rendered messages (``tools`` enabled or called, ``images``)."""
    if tools or images or any(m.get("tool_calls") for m in messages):
        return None
    return answer_options(options, streamed=True)


async def read_opening_ahead(
    adapter: LlamaCppAdapter,
    slot_id: int,
    messages: Sequence[ChatMessage],
    fields: Mapping[str, Any],
    typed: str = "",
) -> int:
    """Read the opening of the user turn after ``messages`` into slot ``slot_id``, with the
    message's beginning ``typed`` when given.

    ``fields`` are the next request's fields that reach the template. Returns the tokens read
    (0 when the template did not show the stand-in); a server error is logged, not raised: the
    restored cache stays, and the answer reads these tokens itself.
    """
    try:
        rendered = await adapter.render(
            [*messages, {"role": "user", "content": typed + _STAND_IN}], fields
        )
        opening, found, _ = rendered.partition(_STAND_IN)
        if not found:
            return 0
        return (await adapter.prefill(slot_id, opening)).prompt_n
    except ServerError as exc:
        log.warning("Could not read the next turn's opening ahead: %s", exc.message)
        return 0


class DraftReader:
    """Reads drafts ahead one at a time, the latest first; nothing while an answer streams."""

    def __init__(
        self, read: Callable[[str, str], Awaitable[int]], idle: Callable[[], bool]
    ) -> None:
        self._read = read
        self._idle = idle
        self._reading = False
        self._latest: tuple[str, str] | None = None

    async def offer(self, conversation_id: str, text: str) -> int:
        """Read ``text`` ahead in ``conversation_id``; the tokens read (0 when it was left to
        the read under way, which reads the latest draft after its own, or when not idle)."""
        self._latest = (conversation_id, text)
        if self._reading:
            return 0
        self._reading = True
        read = 0
        try:
            while self._latest is not None and self._idle():
                conversation_id, text = self._latest
                self._latest = None
                read = await self._read(conversation_id, text)
        finally:
            self._reading = False
            self._latest = None
        return read
