"""What is sent for an answer: the prompt and the sampling parameters. Pure functions.

- The prompt is the active branch up to the answer, after the conversation's system prompt
  (falling back to the global one; an empty one sends none). Empty messages are left out, except
  the answer being continued, which is sent as the assistant prefill.
- Sampling parameters are the conversation's ``params`` over the global ``GenerationSettings``;
  a value set in neither is left out, so llama-server's own default applies.
- A conversation's answer options (:func:`answer_options`) go as llama-server's own request
  fields: ``stop``, ``n_probs`` (only when asked for: nothing extra is requested otherwise),
  ``reasoning_effort`` and ``reasoning_budget_tokens``; a streamed answer also asks for
  ``reasoning_control``, which lets "stop thinking now" end a model's thinking mid-answer.
- When the prompt does not fit a slot, :func:`drop_oldest_turn` gives a shorter one.
- llama-server echoes the prefill at the start of a continued answer; :func:`cut_echo` cuts it.
- A user message with attachments is sent as its documents, each labelled by name (and the
  pages sent), then its text, then its images: :func:`user_content`. Given the images made
  ready for a model that sees (``images``, by attachment id), the turn is the OpenAI content
  array with an ``image_url`` data URI per image; without them (the model cannot see) each image
  is named in the text with a note saying it was not sent.
- An answer that called tools is sent as the OpenAI format has it: the assistant message with its
  ``tool_calls``, then one ``tool`` message per call with its result. For a chat template that
  cannot take tools, :func:`tools_as_text` writes them into the assistant's text instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..config import SAMPLING_KEYS, GenerationSettings
from ..contract import ConversationOptions, ToolCallInfo
from ..images import NamedImage, PreparedImage, blind_note
from ..images import user_content as seen_content
from ..llama import ChatMessage
from ._parts import StoredPart
from ._records import ConversationRecord, MessageRecord

__all__ = [
    "answer_options",
    "assistant_turn",
    "build_prompt",
    "drop_oldest_turn",
    "history_prompt",
    "sampling_params",
    "tools_as_text",
    "user_content",
]


def build_prompt(
    conversation: ConversationRecord,
    branch: Sequence[MessageRecord],
    defaults: GenerationSettings,
    *,
    continuing: bool = False,
    parts: Mapping[str, Sequence[StoredPart]] | None = None,
    images: Mapping[str, PreparedImage] | None = None,
) -> list[ChatMessage]:
    """The messages for the answer at the end of ``branch`` (which ends with that answer).

    ``parts`` holds the attachments of the branch's messages that have any, by message id;
    ``images`` the branch's images ready to send, by attachment id, when the model sees (None:
    it cannot, so they are named with a note)."""
    prompt = history_prompt(conversation, branch[:-1], defaults, parts=parts, images=images)
    last = branch[-1]
    if continuing and last.tool_calls:
        prompt += assistant_turn(last.content, last.tool_calls)
    elif continuing:
        prompt.append({"role": last.role, "content": last.content})
    return prompt


def history_prompt(
    conversation: ConversationRecord,
    history: Sequence[MessageRecord],
    defaults: GenerationSettings,
    *,
    parts: Mapping[str, Sequence[StoredPart]] | None = None,
    images: Mapping[str, PreparedImage] | None = None,
) -> list[ChatMessage]:
    """The system prompt and ``history`` as sent: how the prompt of a message after it begins."""
    system = (
        conversation.system_prompt
        if conversation.system_prompt is not None
        else defaults.system_prompt
    )
    prompt: list[ChatMessage] = [{"role": "system", "content": system}] if system else []
    for m in history:
        if m.tool_calls:
            prompt += assistant_turn(m.content, m.tool_calls)
        elif m.id in (parts or {}):
            content = user_content(m.content, (parts or {})[m.id], images)
            prompt.append({"role": m.role, "content": content})
        elif m.content:
            prompt.append({"role": m.role, "content": m.content})
    return prompt


def user_content(
    text: str,
    parts: Sequence[StoredPart],
    images: Mapping[str, PreparedImage] | None = None,
) -> str | list[dict[str, Any]]:
    """A user message as the model reads it: each document labelled by name, then its text,
    then its images (``image_url`` parts from ``images``, or their names with a note)."""
    blocks = [_labelled(part) for part in parts if part.attachment.kind != "image"]
    if text.strip():
        blocks.append(text)
    body = "\n\n".join(blocks)
    pictures = [part for part in parts if part.attachment.kind == "image"]
    if not pictures:
        return body
    if images is None:
        note = blind_note([part.name for part in pictures])
        return f"{body}\n\n{note}" if body else note
    named = [NamedImage(part.name, images[part.attachment.id]) for part in pictures]
    return seen_content(body, named, vision=True)


def _labelled(part: StoredPart) -> str:
    name = part.name.replace('"', "'")
    pages = ""
    count = part.attachment.page_count
    if count is not None and (part.first_page is not None or part.last_page is not None):
        pages = f' pages="{part.first_page or 1}-{part.last_page or count} of {count}"'
    return f'<document name="{name}"{pages}>\n{part.text()}\n</document>'


def assistant_turn(content: str, calls: Sequence[ToolCallInfo]) -> list[ChatMessage]:
    """An assistant message that called tools, and one ``tool`` message per call's result."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": content,
        "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in calls
        ],
    }
    results: list[ChatMessage] = [
        {"role": "tool", "tool_call_id": c.id, "content": c.result or "(no result)"} for c in calls
    ]
    return [message, *results]


def tools_as_text(prompt: Sequence[ChatMessage]) -> list[ChatMessage]:
    """``prompt`` with tool calls and results written into the assistant's text."""
    out: list[ChatMessage] = []
    for message in prompt:
        if message["role"] == "tool":
            out[-1] = {
                **out[-1],
                "content": f"{out[-1]['content']}\n[result: {message['content']}]",
            }
        elif message.get("tool_calls"):
            called = "".join(
                f"\n[called {c['function']['name']}({c['function']['arguments']})]"
                for c in message["tool_calls"]
            )
            out.append({"role": "assistant", "content": f"{message['content']}{called}".strip()})
        else:
            out.append(message)
    return out


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


def answer_options(options: ConversationOptions, *, streamed: bool) -> dict[str, Any]:
    """The request fields for a conversation's answer options; unset ones are left out."""
    fields: dict[str, Any] = {}
    if options.stop:
        fields["stop"] = list(options.stop)
    if options.token_probs:
        fields["n_probs"] = options.token_probs
    if options.reasoning_effort is not None:
        fields["reasoning_effort"] = options.reasoning_effort
    if options.reasoning_budget is not None:
        fields["reasoning_budget_tokens"] = options.reasoning_budget
    if streamed:
        fields["reasoning_control"] = True
    return fields


def drop_oldest_turn(prompt: Sequence[ChatMessage]) -> list[ChatMessage] | None:
    """The prompt without its oldest user turn (and the answers to it); None if nothing is left."""
    start = 1 if prompt and prompt[0]["role"] == "system" else 0
    users = [i for i in range(start, len(prompt)) if prompt[i]["role"] == "user"]
    if len(users) < 2:
        return None
    return [*prompt[:start], *prompt[users[1] :]]
