"""Overhead of a tool round that does no work: from the model's last tool-call delta to the next
request reaching llama-server.

The model is the in-process fake llama-server (its chunks are llama-server's); the tool is
``noop`` on the test MCP server (``tests/tools/mcp_server.py``, the official SDK over stdio, a
real child process), allowed by a rule so nobody is asked. Each round streams one call of
``noop``, then the answer. A transport in front of the fake stamps the moment it hands out the
last chunk holding ``tool_calls`` and the moment the next chat request arrives; the difference
covers the end of the stream, the slot lease, the schema check, every stored state change and
event, the MCP call and its answer, the next message and the rebuilt prompt. Reported: median
and p90 over 40 rounds after 5 warm-ups; the goal is a median of at most 20 ms.

    python bench/bench_tool_round.py --json OUT
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
from _benchkit import report

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import BridgeEvent, ToolServerSpec
from backend.llama import FakeLlamaServer, FakeReply, LlamaCppAdapter, tool_call
from backend.secrets import SecretStore
from backend.tools import ServerStore, ToolManager

WARMUP = 5
ROUNDS = 40
GOAL_MS = 20.0
SERVER = Path(__file__).resolve().parents[1] / "tests" / "tools" / "mcp_server.py"


class _Stamped(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.Response, stamps: dict[str, list[float]]) -> None:
        self.inner, self.stamps = inner, stamps

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner.aiter_raw():
            if b'"tool_calls":[' in chunk:
                self.stamps["last_call_delta"].append(time.perf_counter())
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


class StampingTransport(httpx.AsyncBaseTransport):
    """The fake's transport, noting when chat requests arrive and tool-call chunks leave."""

    def __init__(self, fake: FakeLlamaServer) -> None:
        self.fake = fake
        self.stamps: dict[str, list[float]] = {"request": [], "last_call_delta": []}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/chat/completions":
            self.stamps["request"].append(time.perf_counter())
        response = await self.fake.transport.handle_async_request(request)
        if "text/event-stream" not in response.headers.get("content-type", ""):
            return response
        return httpx.Response(
            response.status_code, headers=response.headers, stream=_Stamped(response, self.stamps)
        )


async def one_round(
    chat: ChatOrchestrator, fake: FakeLlamaServer, transport: StampingTransport, ended: anyio.Event
) -> float:
    """One answer with one ``noop`` round; the overhead in milliseconds."""
    fake.script(
        FakeReply(content=(), tool_calls=tool_call("noop", {})), FakeReply(content=("Done.",))
    )
    before = len(transport.stamps["request"])
    conversation = await chat.conversations.create_conversation("bench")
    await chat.handle_user_message_stream(conversation.id, "Do nothing, please.")
    with anyio.fail_after(60):
        await ended.wait()
    requests = transport.stamps["request"][before:]
    assert len(requests) == 2, f"expected two requests, got {len(requests)}"
    last_delta = transport.stamps["last_call_delta"][-1]
    return (requests[1] - last_delta) * 1000


async def run(work: Path) -> dict[str, Any]:
    settings = Settings()
    settings.generation.system_prompt = ""
    settings.tools.start_timeout_s = 60
    fake = FakeLlamaServer(supports_tools=True)
    transport = StampingTransport(fake)
    secrets = SecretStore(work / "secrets.json", "bench", use_keyring=False)
    manager = ToolManager(
        ServerStore(work / "tools.json", secrets), lambda: settings.tools, lambda _: None
    )
    holder = [anyio.Event()]

    def sink(event: BridgeEvent) -> None:
        if event.type in ("stream_end", "stream_error"):
            holder[0].set()

    spec = ToolServerSpec(
        name="bench", transport="stdio", command=sys.executable, args=[str(SERVER), "stdio"]
    )
    with ConversationStore(work / "conversations.db") as store:
        async with manager, LlamaCppAdapter(fake, transport=transport) as adapter:
            info = await manager.add(spec)
            await manager.set_rule(info.id, None, "allow")
            slots = SlotManager(adapter, store, slot_dir=None)
            async with ChatOrchestrator(
                store, adapter, sink, lambda: settings, slots=slots, tools=manager
            ) as chat:
                samples = []
                for n in range(WARMUP + ROUNDS):
                    holder[0] = anyio.Event()
                    ms = await one_round(chat, fake, transport, holder[0])
                    if n >= WARMUP:
                        samples.append(ms)
    samples.sort()
    median = statistics.median(samples)
    return {
        "rounds": ROUNDS,
        "median_ms": round(median, 2),
        "p90_ms": round(samples[int(len(samples) * 0.9) - 1], 2),
        "min_ms": round(samples[0], 2),
        "max_ms": round(samples[-1], 2),
        "goal_ms": GOAL_MS,
        "pass": median <= GOAL_MS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the result here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        result = anyio.run(run, Path(work))
    report(result, args.json)
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
