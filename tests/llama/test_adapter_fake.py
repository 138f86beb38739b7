"""The adapter against the in-process fake server: failures a real server cannot stage."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import backend.llama as llama
from backend.config import EngineSettings
from backend.errors import (
    ContextOverflow,
    ServerError,
    ServerStalled,
    ServerTimeout,
    ServerUnavailable,
)
from backend.llama import (
    ChatAccumulator,
    ChatResult,
    Endpoint,
    FakeLlamaServer,
    FakeReply,
    LlamaCppAdapter,
    StaticEndpoint,
)

pytestmark = pytest.mark.anyio

HELLO = [{"role": "user", "content": "hello there"}]


async def _collect(adapter: LlamaCppAdapter, **kwargs: Any) -> ChatResult:
    acc = ChatAccumulator()
    async with adapter.chat_stream(HELLO, **kwargs) as deltas:
        async for delta in deltas:
            acc.add(delta)
    return acc.result()


def test_public_names_are_sorted_and_exported() -> None:
    assert llama.__all__ == sorted(llama.__all__)
    for name in llama.__all__:
        assert hasattr(llama, name), name


def test_capabilities_are_class_attributes() -> None:
    assert LlamaCppAdapter.can_stream
    assert LlamaCppAdapter.supports_slots
    assert LlamaCppAdapter.supports_reasoning
    assert LlamaCppAdapter.supports_tokenize


async def test_static_endpoint_returns_its_endpoint() -> None:
    endpoint = Endpoint("http://127.0.0.1:1/", "k", generation=3)
    assert await StaticEndpoint(endpoint).endpoint() is endpoint
    assert endpoint.url("/health") == "http://127.0.0.1:1/health"


async def test_chat_sends_key_slot_and_cache_prompt(
    fake: FakeLlamaServer, adapter: LlamaCppAdapter
) -> None:
    result = await adapter.chat(HELLO, params={"temperature": 0.1}, slot_id=1)
    assert result.content == "Hello from the fake."
    assert result.timings is not None
    assert result.timings.prompt_n == 3
    body = fake.requests[-1]
    assert (body["id_slot"], body["cache_prompt"], body["stream"], body["temperature"]) == (
        1,
        True,
        False,
        0.1,
    )


async def test_a_wrong_api_key_is_a_server_error(fake: FakeLlamaServer) -> None:
    wrong = StaticEndpoint(Endpoint("http://fake-llama.invalid", "nope"))
    async with LlamaCppAdapter(wrong, transport=fake.transport) as client:
        with pytest.raises(ServerError, match="API key"):
            await client.chat(HELLO)


async def test_stream_yields_content_reasoning_and_timings(
    fake: FakeLlamaServer, adapter: LlamaCppAdapter
) -> None:
    fake.script(FakeReply(content=["4", "2"], reasoning=["Let me ", "think."]))
    result = await _collect(adapter)
    assert fake.requests[-1]["stream_options"] == {"include_usage": True}
    assert (result.content, result.reasoning, result.finish_reason) == (
        "42",
        "Let me think.",
        "stop",
    )
    assert result.timings is not None
    assert result.timings.predicted_n == 2


async def test_stream_in_one_byte_chunks(fake: FakeLlamaServer, adapter: LlamaCppAdapter) -> None:
    fake.script(FakeReply(content=["é", "☃", " ok"], chunk_size=1))
    assert (await _collect(adapter)).content == "é☃ ok"


async def test_stream_tool_calls_are_merged(
    fake: FakeLlamaServer, adapter: LlamaCppAdapter
) -> None:
    fake.script(
        FakeReply(
            content=[],
            tool_calls=[
                {"index": 0, "id": "a", "function": {"name": "f", "arguments": '{"x"'}},
                {"index": 0, "function": {"arguments": ": 1}"}},
            ],
        )
    )
    result = await _collect(adapter)
    assert [(c.id, c.name, c.arguments) for c in result.tool_calls] == [("a", "f", '{"x": 1}')]


async def test_an_error_mid_stream_is_typed(
    fake: FakeLlamaServer, adapter: LlamaCppAdapter
) -> None:
    fake.script(FakeReply(fail_after=2, error={"message": "out of memory", "type": "server_error"}))
    with pytest.raises(ServerError, match="out of memory"):
        await _collect(adapter)


async def test_a_cut_connection_is_server_unavailable(
    fake: FakeLlamaServer, adapter: LlamaCppAdapter
) -> None:
    fake.script(FakeReply(cut_after=2))
    with pytest.raises(ServerUnavailable, match="Lost the connection"):
        await _collect(adapter)


async def test_a_stream_gone_silent_is_stalled_and_reported(fake: FakeLlamaServer) -> None:
    fake.script(FakeReply(content=["a", "b", "c"], stall_after=2))
    stalls: list[float] = []
    acc = ChatAccumulator()

    async def read(client: LlamaCppAdapter) -> None:
        async with client.chat_stream(HELLO, stall_timeout=0.2) as deltas:
            async for delta in deltas:
                acc.add(delta)

    async with LlamaCppAdapter(
        fake, transport=fake.transport, on_stall=lambda: stalls.append(time.monotonic())
    ) as client:
        started = time.monotonic()
        with anyio.fail_after(5), pytest.raises(ServerStalled, match=r"nothing for 0\.2 s"):
            await read(client)
    assert acc.result().content == "ab"
    assert len(stalls) == 1
    assert 0.2 <= stalls[0] - started < 2
    assert fake.closed_streams == 1


async def test_a_slow_but_steady_stream_is_not_stalled(fake: FakeLlamaServer) -> None:
    fake.script(FakeReply(content=["x"] * 8, rate=20))
    async with LlamaCppAdapter(fake, transport=fake.transport) as client:
        acc = ChatAccumulator()
        async with client.chat_stream(HELLO, stall_timeout=0.2) as deltas:
            async for delta in deltas:
                acc.add(delta)
    assert acc.result().content == "x" * 8


async def test_the_stall_guard_arms_one_timer_per_stream_not_one_per_chunk(
    fake: FakeLlamaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cheap path: a timer armed and cancelled per token is CPU the model waits for."""
    fake.script(FakeReply(content=["x"] * 200))
    loop = asyncio.get_running_loop()
    armed: list[float] = []
    call_at = loop.call_at

    def counting(when: float, callback: Any, *args: Any, **kwargs: Any) -> asyncio.TimerHandle:
        armed.append(when)
        return call_at(when, callback, *args, **kwargs)

    async with LlamaCppAdapter(fake, transport=fake.transport) as client:
        acc = ChatAccumulator()
        async with client.chat_stream(HELLO, stall_timeout=30) as deltas:
            monkeypatch.setattr(loop, "call_at", counting)
            async for delta in deltas:
                acc.add(delta)
            monkeypatch.undo()
    assert acc.result().content == "x" * 200
    assert len(armed) == 1


async def test_a_long_prompt_read_with_keep_alives_is_not_stalled(fake: FakeLlamaServer) -> None:
    """llama-server sends its headers at once, then only a keep-alive comment every 30 s while it
    reads a long prompt (seen here: 207 s for 3,000 tokens on a loaded machine)."""
    fake.script(FakeReply(content=["ok"], reading_s=1.0, keepalive_s=0.1))
    stalls: list[float] = []
    async with LlamaCppAdapter(
        fake, transport=fake.transport, on_stall=lambda: stalls.append(time.monotonic())
    ) as client:
        acc = ChatAccumulator()
        with anyio.fail_after(10):
            async with client.chat_stream(HELLO, stall_timeout=0.3) as deltas:
                async for delta in deltas:
                    acc.add(delta)
    assert acc.result().content == "ok"
    assert stalls == []


async def test_a_prompt_read_without_keep_alives_is_stalled(fake: FakeLlamaServer) -> None:
    fake.script(FakeReply(content=["ok"], reading_s=2.0, keepalive_s=5.0))

    async def read(client: LlamaCppAdapter) -> None:
        async with client.chat_stream(HELLO, stall_timeout=0.3) as deltas:
            async for _ in deltas:
                pass

    async with LlamaCppAdapter(fake, transport=fake.transport) as client:
        with anyio.fail_after(10), pytest.raises(ServerStalled):
            await read(client)


def test_the_default_stall_timeout_outlasts_llama_servers_keep_alive() -> None:
    assert EngineSettings().stall_timeout_s > 30 * 2


async def test_http_errors_are_typed(fake: FakeLlamaServer, adapter: LlamaCppAdapter) -> None:
    fake.script(
        FakeReply(status=503, error={"message": "Loading model", "type": "unavailable_error"})
    )
    with pytest.raises(ServerUnavailable, match="not ready"):
        await _collect(adapter)
    fake.script(FakeReply(status=500, error={"message": "boom", "type": "server_error"}))
    with pytest.raises(ServerError, match="boom"):
        await adapter.chat(HELLO)


async def test_context_overflow_names_both_sizes(adapter: LlamaCppAdapter) -> None:
    long = [{"role": "user", "content": "word " * 3000}]
    with pytest.raises(ContextOverflow) as caught:
        async with adapter.chat_stream(long):
            pass
    assert (caught.value.n_prompt_tokens, caught.value.n_ctx) == (3001, 2048)
    assert re.search(r"3,001 tokens .* 2,048-token context", caught.value.message)
    assert "drop oldest turns" in caught.value.message


async def test_a_dead_server_is_server_unavailable(
    fake: FakeLlamaServer, adapter: LlamaCppAdapter
) -> None:
    fake.kill()
    with pytest.raises(ServerUnavailable):
        await adapter.health()
    with pytest.raises(ServerUnavailable):
        await _collect(adapter)


async def test_a_server_dying_mid_stream_is_server_unavailable(
    fake: FakeLlamaServer, adapter: LlamaCppAdapter
) -> None:
    fake.script(FakeReply(content=["a"] * 100, rate=1000))

    async def read_until_killed() -> None:
        async with adapter.chat_stream(HELLO) as deltas:
            async for _ in deltas:
                fake.kill()

    with pytest.raises(ServerUnavailable):
        await read_until_killed()


async def test_leaving_the_stream_early_closes_the_response(
    fake: FakeLlamaServer, adapter: LlamaCppAdapter
) -> None:
    fake.script(FakeReply(content=["tok "] * 1000, rate=2000))
    async with adapter.chat_stream(HELLO, slot_id=0) as deltas:
        async for delta in deltas:
            if delta.content:
                assert fake.slots[0].is_processing
                break
    assert fake.closed_streams == 1
    assert not fake.slots[0].is_processing


async def test_cancelling_the_stream_closes_the_response(
    fake: FakeLlamaServer, adapter: LlamaCppAdapter
) -> None:
    fake.script(FakeReply(content=["tok "] * 1000, rate=200))
    with anyio.move_on_after(0.1):
        await _collect(adapter, slot_id=1)
    assert fake.closed_streams == 1
    assert not fake.slots[1].is_processing


async def test_the_rate_is_kept(fake: FakeLlamaServer, adapter: LlamaCppAdapter) -> None:
    fake.script(FakeReply(content=["t"] * 400, rate=2000))
    started = anyio.current_time()
    assert len((await _collect(adapter)).content) == 400
    assert 0.18 < anyio.current_time() - started < 3.0  # paced, not instant (upper bound: slow CI)


async def test_native_endpoints(
    fake: FakeLlamaServer, adapter: LlamaCppAdapter, tmp_path: Path
) -> None:
    assert await adapter.health()
    assert (await adapter.models())[0]["id"] == fake.model_path
    assert (await adapter.props())["total_slots"] == 2
    assert [s["id"] for s in await adapter.slots()] == [0, 1]
    assert await adapter.tokenize("one two three") == [0, 1, 2]
    fake.slot_dir = None  # as started without --slot-save-path
    with pytest.raises(ServerError, match="does not support"):
        await adapter.slot_action(0, "save", "x.bin")
    fake.slot_dir = tmp_path
    await adapter.chat(HELLO, slot_id=0)
    await adapter.slot_action(0, "save", "x.bin")
    await adapter.slot_action(0, "erase")
    assert fake.slots[0].tokens == []
    await adapter.slot_action(0, "restore", "x.bin")
    assert fake.slots[0].tokens[:3] == ["<user>", "hello", "there"]


async def test_the_endpoint_is_resolved_per_request(fake: FakeLlamaServer) -> None:
    seen: list[str] = []

    class Moving:
        port = 1000

        async def endpoint(self) -> Endpoint:
            self.port += 1
            return Endpoint(f"http://127.0.0.1:{self.port}", fake.api_key)

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"status": "ok"})

    async with LlamaCppAdapter(Moving(), transport=httpx.MockTransport(record)) as client:
        await client.health()
        await client.health()
    assert seen == ["http://127.0.0.1:1001/health", "http://127.0.0.1:1002/health"]


async def test_a_silent_server_times_out() -> None:
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    accepted: list[anyio.abc.SocketStream] = []

    async def hold(stream: anyio.abc.SocketStream) -> None:
        accepted.append(stream)
        await anyio.sleep_forever()

    async with anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, hold)
        endpoint = StaticEndpoint(Endpoint(f"http://127.0.0.1:{port}", None))
        async with LlamaCppAdapter(endpoint, timeout=5.0) as client:
            with pytest.raises(ServerTimeout, match="did not answer in time"):
                await client.chat(HELLO, read_timeout=0.2)
            with pytest.raises(ServerTimeout):
                async with client.chat_stream(HELLO, read_timeout=0.2):
                    pass
        tg.cancel_scope.cancel()
    for stream in accepted:
        await stream.aclose()
    await listener.aclose()


async def test_a_dropped_kept_alive_connection_is_retried_once() -> None:
    calls: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) in (1, 3, 4):
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(200, json={"tokens": [1, 2]})

    endpoint = StaticEndpoint(Endpoint("http://127.0.0.1:9", None))
    async with LlamaCppAdapter(endpoint, transport=httpx.MockTransport(flaky)) as client:
        assert await client.tokenize("hi") == [1, 2]  # dropped once, answered on the retry
        with pytest.raises(ServerUnavailable, match="Lost the connection"):
            await client.tokenize("hi")  # dropped twice: a real failure
    assert calls == ["/tokenize"] * 4


async def test_a_stream_start_dropped_on_a_kept_alive_connection_is_retried_once() -> None:
    bodies: list[bytes] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        if len(bodies) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        chunk = {"choices": [{"index": 0, "delta": {"content": "Hi"}}]}
        sse = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"
        return httpx.Response(
            200, content=sse.encode(), headers={"content-type": "text/event-stream"}
        )

    endpoint = StaticEndpoint(Endpoint("http://127.0.0.1:9", None, model="m1"))
    async with (
        LlamaCppAdapter(endpoint, transport=httpx.MockTransport(flaky)) as client,
        client.chat_stream(HELLO) as deltas,
    ):
        text = "".join([delta.content async for delta in deltas])
    assert text == "Hi"
    assert len(bodies) == 2
    assert bodies[0] == bodies[1], "the same request, model named, is sent again"
    assert b'"model":"m1"' in bodies[1].replace(b" ", b"")


async def test_router_mode_names_the_model_on_every_request() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"tokens": [], "model_path": "x"})

    endpoint = StaticEndpoint(Endpoint("http://127.0.0.1:9", None, model="m1"))
    async with LlamaCppAdapter(endpoint, transport=httpx.MockTransport(record)) as client:
        await client.props()
        await client.tokenize("hi")
        await client.slot_action(0, "erase")
    assert seen[0].url.params["model"] == "m1"
    assert b'"model":"m1"' in seen[1].content.replace(b" ", b"")
    assert b'"model":"m1"' in seen[2].content.replace(b" ", b"")


async def _raw_stream(fake: FakeLlamaServer, body: dict[str, Any]) -> bytes:
    request = httpx.Request(
        "POST",
        "http://fake-llama.invalid/v1/chat/completions",
        json=body,
        headers={"authorization": f"Bearer {fake.api_key}"},
    )
    response = await fake.handle(request)
    return b"".join([chunk async for chunk in response.aiter_bytes()])


_ENVELOPE = re.compile(rb'"created":\d+,"id":"chatcmpl-[A-Za-z0-9_-]+"')
_CALL_ID = re.compile(rb'"id":"[A-Za-z0-9_-]{32}"')


def _comparable(stream: bytes) -> list[bytes]:
    """The stream's events up to the finish chunk, with the ids and times that differ masked."""
    events = stream.split(b"\n\n")
    finish = next(n for n, e in enumerate(events) if b'"finish_reason":"tool_calls"' in e)
    masked = [_ENVELOPE.sub(b'"created":0,"id":"chatcmpl-X"', e) for e in events[: finish + 1]]
    return [_CALL_ID.sub(b'"id":"CALL"', e) for e in masked]


async def test_tool_call_chunks_match_a_recorded_llama_server_stream() -> None:
    """Recorded from the pinned llama-server (SmolLM2 with the Qwen2.5 template; the calls
    prefilled, as a 135M model does not make them on its own): two parallel calls of ``add``."""
    recorded = (Path(__file__).parent / "data" / "qwen_tool_calls_stream.sse").read_bytes()
    model = json.loads(recorded.split(b"\n\n")[0][len(b"data: ") :])["model"]
    fake = FakeLlamaServer(model_path=model)
    calls = [
        *llama.tool_call("add", {"a": 2, "b": 3}, index=0, pieces=1),
        *llama.tool_call("add", {"a": 10, "b": 1}, index=1, pieces=1),
    ]
    fake.script(FakeReply(content=[], tool_calls=calls))
    produced = await _raw_stream(fake, {"messages": [], "stream": True})
    assert _comparable(produced) == _comparable(recorded)
    assert produced.endswith(b"data: [DONE]\n\n")
    assert recorded.endswith(b"data: [DONE]\n\n")
    usage_chunk = produced.split(b"\n\n")[-3]
    assert usage_chunk.startswith(b'data: {"choices":[],"created":')
    assert b'"usage":' in usage_chunk
    assert b'"timings":' in usage_chunk


async def test_a_split_tool_call_streams_its_arguments_in_pieces() -> None:
    fragments = llama.tool_call("add", {"a": 2, "b": 3}, call_id="c" * 32, pieces=3)
    assert fragments[0] == {
        "index": 0,
        "id": "c" * 32,
        "type": "function",
        "function": {"name": "add", "arguments": fragments[0]["function"]["arguments"]},
    }
    assert all(set(f) == {"index", "function"} for f in fragments[1:])
    assert "".join(f["function"]["arguments"] for f in fragments) == '{"a": 2, "b": 3}'
    assert len(fragments) == 3
