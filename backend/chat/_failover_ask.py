"""The ``ask`` failover policy in the app: the answer pauses, the page asks, the user decides.

When the router (``backend.providers``) meets a failover trigger under a rule set to ``ask``, it
calls the generation's ``Ask``. Here that makes a ``FailoverQuestion`` ("The local model is not
answering (why). Continue with Desktop/model?"), keeps it on the generation (a page that opens
the conversation meanwhile finds it in ``Conversation.stream.question``), sends it to the page
(``failover_question``) and waits for ``answer_failover``:

- ``continue``: the router goes on exactly as ``automatic`` would (a cut answer is continued
  from its text by the next provider, the fall-back begins, the banner shows);
- ``wait``: asked before the answer began, the local server is tried as ``off`` would (a
  restarting one is waited for within the engine's patience); mid-answer it ends as ``off`` does;
- ``cancel``: the answer ends now with the error, its text kept, as ``off`` does.

Every page hears the choice (``failover_answered``), so a second window closes its question
too. Stop ends the wait with the answer; a question whose answer ended (stopped, or answered in
another window) is expired, and answering it is a ``Conflict`` that says so. The wait has no
time limit, like a tool call's approval: the answer stays paused until someone decides.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field

import anyio

from ..contract import (
    LOCAL_PROVIDER_ID,
    FailoverAnswer,
    FailoverAnsweredEvent,
    FailoverChoice,
    FailoverQuestion,
    FailoverQuestionEvent,
)
from ..errors import Conflict, NotFound
from ..providers import Ask, Question
from ._generation import Generation
from ._views import EventSink

__all__ = ["FailoverQuestions", "question_text"]

_REMEMBERED = 256
"""Ended questions remembered, so a late answer is told it expired rather than unknown."""


def question_text(question: Question) -> str:
    """The question as the page shows it."""
    who = (
        "The local model"
        if question.route.provider_id == LOCAL_PROVIDER_ID
        else question.route.provider_name
    )
    reason = question.reason.rstrip(".")
    to = f"{question.following.provider_name}/{question.following.model}"
    return f"{who} is not answering ({reason}). Continue with {to}?"


@dataclass
class _Waiting:
    question: FailoverQuestion
    answered: anyio.Event = field(default_factory=anyio.Event)
    choice: FailoverChoice = "cancel"


class FailoverQuestions:
    """The answers paused on a failover question, by question id."""

    def __init__(self, emit: EventSink) -> None:
        self._emit = emit
        self._waiting: dict[str, _Waiting] = {}
        self._ended: OrderedDict[str, str] = OrderedDict()

    def asker(self, generation: Generation) -> Ask:
        """The ``Ask`` the router calls for ``generation``'s answer."""

        async def ask(question: Question) -> FailoverChoice:
            return await self._ask(generation, question)

        return ask

    async def _ask(self, generation: Generation, question: Question) -> FailoverChoice:
        asked = FailoverQuestion(
            id=f"q-{secrets.token_hex(6)}",
            stream_id=generation.stream_id,
            conversation_id=generation.conversation_id,
            message_id=generation.message_id,
            from_provider_id=question.route.provider_id,
            from_provider_name=question.route.provider_name,
            to_provider_id=question.following.provider_id,
            to_provider_name=question.following.provider_name,
            to_model=question.following.model,
            reason=question.reason,
            cut=question.cut,
            text=question_text(question),
        )
        waiting = self._waiting[asked.id] = _Waiting(asked)
        generation.question = asked
        try:
            self._emit(FailoverQuestionEvent(question=asked))
            await waiting.answered.wait()
        finally:
            generation.question = None
            if self._waiting.pop(asked.id, None) is not None:
                self._end(asked.id, "its answer has ended")
        return waiting.choice

    def answer(self, question_id: str, choice: FailoverChoice) -> FailoverAnswer:
        """Give the user's choice to the paused answer; every page hears of it."""
        waiting = self._waiting.pop(question_id, None)
        if waiting is None:
            why = self._ended.get(question_id)
            if why is None:
                raise NotFound(f"There is no failover question {question_id!r}.")
            raise Conflict(f"This question has expired: {why}.")
        waiting.choice = choice
        waiting.answered.set()
        self._end(question_id, f"it was answered ({choice})")
        asked = waiting.question
        self._emit(
            FailoverAnsweredEvent(
                stream_id=asked.stream_id,
                conversation_id=asked.conversation_id,
                message_id=asked.message_id,
                question_id=question_id,
                choice=choice,
            )
        )
        return FailoverAnswer(question_id=question_id, choice=choice)

    def _end(self, question_id: str, why: str) -> None:
        self._ended[question_id] = why
        while len(self._ended) > _REMEMBERED:
            self._ended.popitem(last=False)
