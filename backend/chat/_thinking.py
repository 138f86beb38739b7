"""Stop thinking now: end a running answer's reasoning and let it go on with its answer.

llama-server arms a reasoning-budget sampler for a request that asks for ``reasoning_control``
(every streamed answer does, see ``answer_options``); ``POST /v1/chat/completions/control`` with
the completion's id and ``reasoning_end`` makes it close the thinking at once. The completion's
id comes with every streamed chunk.
"""

from __future__ import annotations

from ..errors import Conflict
from ..llama import LlamaCppAdapter
from ._generation import Generations

__all__ = ["Thinking"]


class Thinking:
    """Ends the thinking of the answers under way."""

    def __init__(self, generations: Generations, adapter: LlamaCppAdapter) -> None:
        self._generations = generations
        self._adapter = adapter

    async def stop(self, conversation_id: str) -> bool:
        """End the running answer's reasoning now; False when it is not thinking any more."""
        generation = self._generations.running(conversation_id)
        if generation is None:
            raise Conflict("This conversation has no answer under way.")
        completion_id = generation.accumulator.completion_id
        if completion_id is None or not generation.thinking():
            return False
        await self._adapter.end_reasoning(completion_id)
        return True
