"""The llama-server client: an async adapter, its SSE parser, endpoints, and a fake server.

``LlamaCppAdapter`` speaks llama-server's HTTP API and turns every failure into a
``backend.errors`` type; ``EndpointProvider`` tells it where the server is now; ``FakeLlamaServer``
is an in-process stand-in (an httpx transport) for tests and benchmarks.
"""

from ._adapter import ChatMessage, LlamaCppAdapter, SlotAction
from ._echo import cut_echo
from ._endpoint import Endpoint, EndpointProvider, StaticEndpoint
from ._fake import FakeLlamaServer, FakeReply, FakeSlot
from ._fake_stream import tool_call
from ._sse import DONE, ServerSentEvent, aiter_chat_deltas, aiter_sse
from ._types import (
    ChatAccumulator,
    ChatDelta,
    ChatResult,
    ToolCall,
    ToolCallDelta,
    Usage,
    parse_server_defaults,
    parse_timings,
    parse_usage,
)

__all__ = [
    "ChatAccumulator",
    "ChatDelta",
    "ChatMessage",
    "ChatResult",
    "DONE",
    "Endpoint",
    "EndpointProvider",
    "FakeLlamaServer",
    "FakeReply",
    "FakeSlot",
    "LlamaCppAdapter",
    "ServerSentEvent",
    "SlotAction",
    "StaticEndpoint",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "aiter_chat_deltas",
    "aiter_sse",
    "cut_echo",
    "parse_server_defaults",
    "parse_timings",
    "parse_usage",
    "tool_call",
]
