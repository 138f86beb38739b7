"""Tool calls in answers: what a call looks like, how the page hears of it, how the user answers.

An answer that calls tools is a chain of assistant messages: the model's message with its
``tool_calls`` (each carrying its state and, once it has one, the result the model got back),
then the next assistant message, which the model wrote after reading the results, and so on
until one has no tool calls. A round streams like this:

1. ``stream_chunk`` events for the message's text, as always;
2. one ``tool_call`` event per call each time it changes state: ``pending`` (the model made it),
   ``awaiting_approval`` (the page shows the approval card and answers with
   ``answer_tool_call``), ``running``, then one of the final states;
3. ``stream_round``: the message is complete (with every result) and the answer goes on in
   ``next_message``, a new, empty ``streaming`` assistant message; later chunks name it.

The stream ends with ``stream_end`` or ``stream_error`` for the last message, as before. Stop
cancels a call waiting for approval or running (``cancelled``) and ends the stream.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import ID, Params, Wire

__all__ = [
    "AnswerToolCallParams",
    "ApprovalDecision",
    "StreamNoticeKind",
    "ToolCallInfo",
    "ToolCallState",
]

ToolCallState = Literal[
    "pending", "awaiting_approval", "running", "done", "failed", "denied", "invalid", "cancelled"
]
"""pending: made by the model, not decided yet; awaiting_approval: waiting for the user;
running: the tool runs; done: it answered (``is_error`` when the tool itself reported an error);
failed: it could not run or did not answer (server down, crash, timeout); denied: by the user or
a rule; invalid: an unknown tool or arguments that do not match its schema (never asked);
cancelled: stopped by Stop, or the app ended while it waited or ran. Every state but the first
three is final and has a ``result``."""

ApprovalDecision = Literal["once", "always_tool", "always_server", "deny"]
"""once: run this call; always_tool / always_server: run it and allow that tool's (that server's)
calls from now on (stored as a rule, changeable in Settings → Tools); deny: do not run it."""

StreamNoticeKind = Literal[
    "tools_unsupported", "tool_round_limit", "tool_server_unavailable", "provider_failover"
]
"""tools_unsupported: tools are enabled but the model's chat template cannot take them, so none
were sent; tool_round_limit: the answer reached ``tools.max_rounds``, so the last request went
without tools; tool_server_unavailable: an enabled server could not be reached (it failed to
start, hung at the handshake, or its URL did not answer), so the answer goes on with the other
servers' tools (one notice per such server, naming it and why); provider_failover: the provider
answering could not go on and another one took over (``text`` says which and why)."""


class ToolCallInfo(Wire):
    """One call a model made, its state, and the result the model got back."""

    id: str = Field(description="The call's id, unique within its message.")
    name: str = Field(description="The function name the model called.")
    arguments: str = Field(description="The arguments as the JSON text the model wrote.")
    server_id: str | None = Field(None, description="The server offering it; null if unknown.")
    server_name: str | None = None
    tool: str | None = Field(None, description="The tool's own name on its server.")
    state: ToolCallState = "pending"
    result: str | None = Field(
        None, description="The text sent back to the model (in every final state)."
    )
    is_error: bool = Field(False, description="The result reports an error.")
    truncated_from: int | None = Field(
        None, description="The result's full length in characters when it was cut."
    )
    duration_ms: float | None = Field(None, description="How long the tool ran.")


class AnswerToolCallParams(Params):
    """The user's choice for a call waiting for approval; ``reason`` goes to the model on deny."""

    message_id: str = ID
    call_id: str = Field(min_length=1, max_length=128)
    decision: ApprovalDecision
    reason: str | None = Field(None, max_length=2000)
