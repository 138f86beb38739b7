"""The events of an answer on its way, and the view of it for a page that opens it mid-answer.

A page that reloads (or a second browser tab) while an answer streams must show the text so far
and go on live without a gap or a repeated word. Three things make that exact:

- every ``stream_chunk`` carries ``offset`` (and ``reasoning_offset``): where its text starts in
  the message, in UTF-16 code units as the page counts; the page appends only what lies past
  the text it has, and asks again for the conversation when a chunk starts past its end;
- ``get_conversation`` shows a streaming message with the generation's text *now* (not the last
  flush to the store, which lags by up to ``flush_interval_s``), and the stream itself in
  ``Conversation.stream``;
- both happen on the one event loop, so the text a view holds and the chunks emitted before it
  are the same characters: every later chunk starts at or before the end of that text.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..contract import (
    Conversation,
    LiveStream,
    PromptProgress,
    StreamChunkEvent,
    StreamProgressEvent,
    TokenProb,
)
from ._generation import Generation

__all__ = ["chunk_event", "live_view", "progress_event"]


def chunk_event(
    generation: Generation,
    content: str,
    reasoning: str,
    probs: Sequence[TokenProb] = (),
) -> StreamChunkEvent:
    """The event for new text of ``generation``, with where it starts (and its tokens'
    probabilities, when the conversation asked for them); clears the progress."""
    generation.progress = None
    offset, reasoning_offset = generation.advance(content, reasoning)
    return StreamChunkEvent(
        stream_id=generation.stream_id,
        conversation_id=generation.conversation_id,
        message_id=generation.message_id,
        content=content,
        reasoning=reasoning,
        offset=offset,
        reasoning_offset=reasoning_offset,
        probs=list(probs),
    )


def progress_event(generation: Generation, progress: PromptProgress) -> StreamProgressEvent:
    """The event for another batch of the prompt read; kept for a page that opens it later."""
    generation.progress = progress
    return StreamProgressEvent(
        stream_id=generation.stream_id,
        conversation_id=generation.conversation_id,
        message_id=generation.message_id,
        progress=progress,
    )


def live_view(conversation: Conversation, generation: Generation | None) -> Conversation:
    """``conversation`` with the streaming message's text as it is now, and the stream."""
    if generation is None or not generation.emit:
        return conversation
    probs = generation.probs()
    now = {"content": generation.content(), "reasoning": generation.reasoning()}
    messages = [
        message.model_copy(update={**now, "probs": None if probs is None else list(probs)})
        if message.id == generation.message_id
        else message
        for message in conversation.messages
    ]
    stream = LiveStream(
        stream_id=generation.stream_id,
        message_id=generation.message_id,
        progress=generation.progress,
        question=generation.question,
    )
    return conversation.model_copy(update={"messages": messages, "stream": stream})
