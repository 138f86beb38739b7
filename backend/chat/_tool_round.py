"""One round of tool calls: each call decided, run and stored, with the page told at every step.

The calls of a round are settled one after the other, in the model's order:

1. An ``invalid`` call (see ``_tool_offer``) is answered at once and never asked about.
2. The call's rule (per tool, else per server, changeable in Settings → Tools) decides: ``deny``
   answers "denied" without asking; ``allow`` runs it; ``ask`` sets ``awaiting_approval`` and
   waits in :class:`Approvals` until ``answer_tool_call`` brings the user's choice.
3. It runs through the ``ToolManager`` (its per-call timeout and result cap apply); a tool that
   fails, times out or whose server dies is ``failed``, with a result saying so.

Every state change is stored (the message's ``tool_calls``) before the page hears of it (a
``tool_call`` event), so an app killed mid-round leaves the truth on disk, which the store's
start-up recovery turns into ``cancelled``. Stop (the generation's cancel scope) interrupts a
wait or a running call: the unfinished calls become ``cancelled`` and the cancellation goes on.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

from ..contract import ApprovalDecision, ToolCallEvent, ToolCallInfo
from ..errors import LlamaDeskError, NotFound
from ..llama import ToolCall
from ._generation import Generation
from ._records import stopped_calls
from ._store import ConversationStore
from ._tool_offer import ToolOffer
from ._views import EventSink

if TYPE_CHECKING:
    from ..tools import ToolManager

__all__ = ["Approvals", "ToolRound"]

_NOT_OFFERED = "Error: no tools were offered for this request. The call was not run."
_RULE_DENIES = "Not run: a rule in Settings → Tools denies this tool."
_STOPPED = "Not run: the answer was stopped."


@dataclass
class _Waiting:
    call: ToolCallInfo
    answered: anyio.Event = field(default_factory=anyio.Event)
    decision: ApprovalDecision = "deny"
    reason: str | None = None


class Approvals:
    """The calls waiting for the user's choice, by message and call id."""

    def __init__(self) -> None:
        self._waiting: dict[tuple[str, str], _Waiting] = {}

    async def ask(self, message_id: str, call: ToolCallInfo) -> tuple[ApprovalDecision, str | None]:
        """Wait for the user's choice on ``call`` (and its reason when denied)."""
        key = (message_id, call.id)
        waiting = self._waiting[key] = _Waiting(call)
        try:
            await waiting.answered.wait()
        finally:
            self._waiting.pop(key, None)
        return waiting.decision, waiting.reason

    def waiting(self, message_id: str, call_id: str) -> ToolCallInfo:
        """The call waiting for approval; ``NotFound`` when none does."""
        waiting = self._waiting.get((message_id, call_id))
        if waiting is None:
            raise NotFound(
                f"No tool call {call_id!r} of message {message_id!r} is waiting for approval "
                "(it was answered or stopped, or its answer has ended)."
            )
        return waiting.call

    def answer(
        self, message_id: str, call_id: str, decision: ApprovalDecision, reason: str | None
    ) -> ToolCallInfo:
        """Give the user's choice to the waiting call; the call in the state it goes to."""
        call = self.waiting(message_id, call_id)
        waiting = self._waiting.pop((message_id, call_id))
        waiting.decision, waiting.reason = decision, reason
        waiting.answered.set()
        if decision == "deny":
            return call.model_copy(update=_denied(reason))
        return call.model_copy(update={"state": "running"})


def _denied(reason: str | None) -> dict[str, Any]:
    text = "Not run: the user denied this call."
    if reason and reason.strip():
        text += f" Their reason: {reason.strip()}"
    return {"state": "denied", "result": text, "is_error": True}


class _Calls:
    """A round's calls as stored and told: every change written, then sent."""

    def __init__(
        self,
        store: ConversationStore,
        emit: EventSink,
        generation: Generation,
        calls: list[ToolCallInfo],
    ) -> None:
        self.store, self.emit, self.generation, self.calls = store, emit, generation, calls
        self.store.update_message(generation.message_id, tool_calls=tuple(calls))
        for call in calls:
            self._tell(call)

    def set(self, index: int, **changes: Any) -> ToolCallInfo:
        call = self.calls[index] = self.calls[index].model_copy(update=changes)
        self.store.update_message(self.generation.message_id, tool_calls=tuple(self.calls))
        self._tell(call)
        return call

    def stop(self, why: str) -> None:
        stopped = stopped_calls(tuple(self.calls), why)
        changed = [new for old, new in zip(self.calls, stopped, strict=True) if old is not new]
        if not changed:
            return
        self.calls = list(stopped)
        self.store.update_message(self.generation.message_id, tool_calls=stopped)
        for call in changed:
            self._tell(call)

    def _tell(self, call: ToolCallInfo) -> None:
        if not self.generation.emit:
            return
        self.emit(
            ToolCallEvent(
                stream_id=self.generation.stream_id,
                conversation_id=self.generation.conversation_id,
                message_id=self.generation.message_id,
                call=call,
            )
        )


class ToolRound:
    """Settles the tool calls of one message (see the module docstring)."""

    def __init__(
        self,
        store: ConversationStore,
        tools: ToolManager,
        approvals: Approvals,
        emit: EventSink,
    ) -> None:
        self.store, self.tools, self.approvals, self.emit = store, tools, approvals, emit

    async def run(
        self, generation: Generation, calls: Sequence[ToolCall], offer: ToolOffer | None
    ) -> None:
        """Settle ``calls`` (made by the model in ``generation``'s current message)."""
        resolved = [
            offer.resolve(call, n) if offer else (_not_offered(call, n), None)
            for n, call in enumerate(calls)
        ]
        state = _Calls(self.store, self.emit, generation, [info for info, _ in resolved])
        try:
            for index, (_, arguments) in enumerate(resolved):
                if arguments is not None:
                    await self._settle(state, index, arguments)
        except anyio.get_cancelled_exc_class():
            state.stop(_STOPPED)
            raise

    async def _settle(self, state: _Calls, index: int, arguments: dict[str, Any]) -> None:
        call = state.calls[index]
        server_id, tool = call.server_id, call.tool
        assert server_id is not None
        assert tool is not None
        try:
            server = self.tools.server(server_id)
        except LlamaDeskError as exc:  # its server was removed during the answer
            state.set(index, state="failed", result=f"Error: {exc.message}", is_error=True)
            return
        rule = server.tool_rules.get(tool, server.rule)
        if rule == "deny":
            state.set(index, state="denied", result=_RULE_DENIES, is_error=True)
            return
        if rule == "ask":
            call = state.set(index, state="awaiting_approval")
            decision, reason = await self.approvals.ask(state.generation.message_id, call)
            if decision == "deny":
                state.set(index, **_denied(reason))
                return
        state.set(index, state="running")
        started = time.perf_counter()
        try:
            outcome = await self.tools.call(server_id, tool, arguments)
        except LlamaDeskError as exc:
            state.set(
                index,
                state="failed",
                result=f"Error: the tool could not run: {exc.message}",
                is_error=True,
                duration_ms=_ms_since(started),
            )
            return
        state.set(
            index,
            state="done",
            result=outcome.text,
            is_error=outcome.is_error,
            truncated_from=outcome.full_chars,
            duration_ms=_ms_since(started),
        )


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _not_offered(call: ToolCall, index: int) -> ToolCallInfo:
    return ToolCallInfo(
        id=call.id or f"call_{index}",
        name=call.name,
        arguments=call.arguments,
        state="invalid",
        result=_NOT_OFFERED,
        is_error=True,
    )
