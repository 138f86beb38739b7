"""One streamed request of an answer: llama-server's deltas into the generation and the page.

Each delta is folded into the generation (text, reasoning, tool-call fragments, token
probabilities, the completion's id) and, when it carries text or reasoning, told to the page as
a ``StreamChunkEvent`` (``_live``: with where its text starts); the chunk carries the delta's
token probabilities only when the conversation asked for them. Prompt progress goes as
``StreamProgressEvent``. A continued answer's echo of its prefill is cut first. The time
the model spends thinking is counted as the deltas arrive.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..config import EngineSettings
from ..llama import ChatMessage, LlamaCppAdapter
from ._generation import Generation
from ._live import chunk_event, progress_event
from ._prompt import cut_echo
from ._views import EventSink

__all__ = ["stream_request"]


async def stream_request(
    adapter: LlamaCppAdapter,
    generation: Generation,
    prompt: list[ChatMessage],
    params: dict[str, Any],
    *,
    slot_id: int | None,
    engine: EngineSettings,
    emit: EventSink,
) -> None:
    """Stream one request's answer into ``generation``, emitting a chunk event per delta."""
    echo = generation.existing
    async with adapter.chat_stream(
        prompt,
        params=params,
        slot_id=slot_id,
        read_timeout=engine.request_timeout_s,
        stall_timeout=engine.stall_timeout_s,
    ) as deltas:
        async for delta in deltas:
            content = delta.content
            if echo:
                content, echo = cut_echo(content, echo)
            generation.time_thinking(delta)
            generation.accumulator.add(replace(delta, content=content))
            if delta.progress is not None:
                emit(progress_event(generation, delta.progress))
            if content or delta.reasoning:
                generation.dirty = True
                probs = delta.probs if generation.keep_probs else ()
                emit(chunk_event(generation, content, delta.reasoning, probs))
