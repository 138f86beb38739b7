"""What is sent for an answer: the prompt and the sampling parameters. Pure functions.

- The prompt is the active branch up to the answer, after the conversation's system prompt
  (falling back to the global one; an empty one sends none). Empty messages are left out, except
  the answer being continued, which is sent as the assistant prefill.
- Sampling parameters are the conversation's ``params`` over the global ``GenerationSettings``;
  a value set in neither is left out, so llama-server's own default applies.
- When the prompt does not fit a slot, :func:`drop_oldest_turn` gives a shorter one.
- llama-server echoes the prefill at the start of a continued answer; :func:`cut_echo` cuts it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..config import SAMPLING_KEYS, GenerationSettings
from ..llama import ChatMessage
from ._records import ConversationRecord, MessageRecord

__all__ = ["build_prompt", "cut_echo", "drop_oldest_turn", "sampling_params"]


def build_prompt(
    conversation: ConversationRecord,
    branch: Sequence[MessageRecord],
    defaults: GenerationSettings,
    *,
    continuing: bool = False,
) -> list[ChatMessage]:
    """The messages for the answer at the end of ``branch`` (which ends with that answer)."""
    system = (
        conversation.system_prompt
        if conversation.system_prompt is not None
        else defaults.system_prompt
    )
    prompt: list[ChatMessage] = [{"role": "system", "content": system}] if system else []
    history = branch if continuing else branch[:-1]
    prompt += [
        {"role": m.role, "content": m.content} for m in history if m.content or m is branch[-1]
    ]
    return prompt


def sampling_params(
    overrides: Mapping[str, float | int | None], defaults: GenerationSettings
) -> dict[str, float | int]:
    """The sampling values to send: the conversation's, else the settings'; unset ones left out."""
    params: dict[str, float | int] = {}
    for key in SAMPLING_KEYS:
        value = overrides.get(key)
        value = getattr(defaults, key) if value is None else value
        if value is not None:
            params[key] = value
    return params


def drop_oldest_turn(prompt: Sequence[ChatMessage]) -> list[ChatMessage] | None:
    """The prompt without its oldest user turn (and the answers to it); None if nothing is left."""
    start = 1 if prompt and prompt[0]["role"] == "system" else 0
    users = [i for i in range(start, len(prompt)) if prompt[i]["role"] == "user"]
    if len(users) < 2:
        return None
    return [*prompt[:start], *prompt[users[1] :]]


def cut_echo(content: str, echo: str) -> tuple[str, str]:
    """Remove the server's echo of a continued answer; returns (new content, echo still due)."""
    if content.startswith(echo):
        return content[len(echo) :], ""
    if echo.startswith(content):
        return "", echo[len(content) :]
    return content, ""
