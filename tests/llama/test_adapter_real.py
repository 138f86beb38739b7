"""The adapter against the real llama-server with SmolLM2."""

from __future__ import annotations

import pytest

from backend.contract import ServerDefaults
from backend.errors import ContextOverflow, ServerError
from backend.llama import (
    ChatAccumulator,
    Endpoint,
    LlamaCppAdapter,
    StaticEndpoint,
    parse_server_defaults,
)
from tests.conftest import RunningServer
from tests.waiting import wait_until_async

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]

QUESTION = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is the capital of France?"},
]


async def test_native_endpoints(real_adapter: LlamaCppAdapter, llama_server: RunningServer) -> None:
    assert await real_adapter.health()
    assert (await real_adapter.models())[0]["id"]
    assert (await real_adapter.props())["model_path"] == str(llama_server.model_path)
    slots = await real_adapter.slots()
    assert [s["id"] for s in slots] == [0, 1]
    assert slots[0]["n_ctx"] == 2048
    assert len(await real_adapter.tokenize("Hello world")) >= 2


async def test_sampling_defaults_are_read_and_apply_to_what_a_request_leaves_out(
    real_adapter: LlamaCppAdapter,
) -> None:
    defaults = parse_server_defaults(await real_adapter.props())
    assert defaults == ServerDefaults(
        temperature=0.8,
        top_k=40,
        top_p=0.95,
        min_p=0.05,
        max_tokens=-1,
        repeat_penalty=1.0,
        seed=-1,
        supports_tools=False,  # SmolLM2's own template
        vision=False,  # launched without a projector: /props says modalities.vision false
        supports_reasoning_effort=False,  # SmolLM2 does not think
    )

    async def slot_temperature(params: dict[str, float]) -> float:
        await real_adapter.chat(QUESTION, params={"max_tokens": 2, **params}, slot_id=1)
        temperature: float = (await real_adapter.slots())[1]["params"]["temperature"]
        return round(temperature, 4)

    assert await slot_temperature({"temperature": 0.25}) == 0.25
    assert await slot_temperature({}) == defaults.temperature


async def test_chat_answers(real_adapter: LlamaCppAdapter) -> None:
    result = await real_adapter.chat(QUESTION, params={"max_tokens": 16, "temperature": 0})
    assert result.content.strip()
    assert result.timings is not None
    assert result.timings.predicted_n > 0
    assert result.usage is not None
    assert result.usage.prompt_tokens > 0


async def test_chat_stream_deltas_add_up(real_adapter: LlamaCppAdapter) -> None:
    acc = ChatAccumulator()
    pieces = 0
    async with real_adapter.chat_stream(
        QUESTION, params={"max_tokens": 32, "temperature": 0}, slot_id=0
    ) as deltas:
        async for delta in deltas:
            acc.add(delta)
            pieces += bool(delta.content)
    result = acc.result()
    assert "paris" in result.content.lower(), result.content
    assert pieces > 3
    assert result.timings is not None
    # one text delta per generated token; a natural stop also counts the end-of-turn token
    assert result.finish_reason == "stop"
    assert result.timings.predicted_n == pieces + 1
    assert result.usage is not None
    assert result.usage.completion_tokens == pieces + 1


async def test_a_wrong_key_is_rejected(llama_server: RunningServer) -> None:
    endpoint = StaticEndpoint(Endpoint(llama_server.base_url, "wrong-key"))
    async with LlamaCppAdapter(endpoint) as client:
        with pytest.raises(ServerError, match="API key"):
            await client.chat(QUESTION, params={"max_tokens": 1})


async def test_context_overflow_names_both_sizes(real_adapter: LlamaCppAdapter) -> None:
    long = [{"role": "user", "content": "word " * 3000}]
    with pytest.raises(ContextOverflow) as caught:
        async with real_adapter.chat_stream(long, params={"max_tokens": 1}):
            pass
    assert caught.value.n_ctx == 2048
    assert caught.value.n_prompt_tokens is not None
    assert caught.value.n_prompt_tokens > 2048


async def test_leaving_a_stream_stops_the_server_generating(real_adapter: LlamaCppAdapter) -> None:
    params = {"max_tokens": 3000, "ignore_eos": True}
    async with real_adapter.chat_stream(QUESTION, params=params, slot_id=1) as deltas:
        seen = 0
        async for delta in deltas:
            seen += bool(delta.content)
            if seen == 3:
                busy = (await real_adapter.slots())[1]["is_processing"]
                break
    assert busy

    async def idle() -> bool:
        return not (await real_adapter.slots())[1]["is_processing"]

    await wait_until_async(  # generating the 3,000 tokens would take ~30 s
        idle, timeout_s=5.0, message="the server kept generating after the stream closed"
    )


async def test_slot_save_erase_restore(
    real_adapter: LlamaCppAdapter, llama_server: RunningServer
) -> None:
    await real_adapter.chat(QUESTION, params={"max_tokens": 4}, slot_id=0)
    await real_adapter.slot_action(0, "save", "adapter-test.bin")
    assert (llama_server.slot_dir / "adapter-test.bin").stat().st_size > 0
    await real_adapter.slot_action(0, "erase")
    assert (await real_adapter.slots())[0]["n_prompt_tokens_cache"] == 0
    await real_adapter.slot_action(0, "restore", "adapter-test.bin")
    result = await real_adapter.chat(QUESTION, params={"max_tokens": 4}, slot_id=0)
    assert result.timings is not None
    assert result.timings.cache_n > 10
    with pytest.raises(ServerError, match="restore"):
        await real_adapter.slot_action(0, "restore", "missing.bin")
