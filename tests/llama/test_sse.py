"""The SSE parser: recorded real streams in every chunking, and the odd cases."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.errors import ContextOverflow, ServerError, ServerUnavailable
from backend.llama import (
    ChatAccumulator,
    ChatDelta,
    ChatResult,
    aiter_chat_deltas,
    aiter_sse,
)

DATA = Path(__file__).parent / "data"
RECORDED = {
    # file: the answer text, finish reason, (prompt_n + cache_n), predicted_n
    "capital_stream.sse": ("L'Étoile, la Marseillaise,", "length", 37, 12),
    "hi_stream.sse": ("I'm glad you're enjoying", "length", 32, 6),
}


async def _chunks(parts: Sequence[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def _split(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def _parse(parts: Sequence[bytes]) -> ChatResult:
    async def run() -> ChatResult:
        acc = ChatAccumulator()
        async for delta in aiter_chat_deltas(aiter_sse(_chunks(parts))):
            acc.add(delta)
        return acc.result()

    return anyio.run(run)


def _recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _check_recorded(name: str, result: ChatResult) -> None:
    text, finish, prompt_tokens, predicted = RECORDED[name]
    assert result.content == text
    assert result.finish_reason == finish
    assert result.timings is not None
    assert result.timings.prompt_n + result.timings.cache_n == prompt_tokens
    assert result.timings.predicted_n == predicted


@pytest.mark.parametrize("name", sorted(RECORDED))
@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 10_000])
def test_recorded_stream_in_fixed_chunk_sizes(name: str, size: int) -> None:
    data = _recorded(name)
    _check_recorded(name, _parse([data[i : i + size] for i in range(0, len(data), size)]))


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_stream_with_crlf_and_cr_line_endings(name: str) -> None:
    data = _recorded(name)
    _check_recorded(
        name, _parse([data.replace(b"\n", b"\r\n")[i : i + 5] for i in range(0, 99999, 5)])
    )
    _check_recorded(name, _parse([data.replace(b"\n", b"\r")]))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=60))
def test_recorded_stream_in_random_chunkings(cuts: list[int]) -> None:
    data = _recorded("capital_stream.sse")
    _check_recorded("capital_stream.sse", _parse(_split(data, cuts)))


def test_usage_of_the_final_chunk_is_kept() -> None:
    result = _parse([_recorded("capital_stream.sse")])
    assert result.usage is not None
    assert result.usage.completion_tokens == 12
    assert result.model is not None
    assert result.model.endswith(".gguf")


def _event(payload: object) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def _delta(**delta: object) -> bytes:
    return _event({"choices": [{"index": 0, "delta": delta}]})


def test_several_events_in_one_chunk_blank_and_comment_lines() -> None:
    stream = b"".join(
        [b": keep-alive\n\n", b"\n\n", _delta(content="a"), b":ping\n", _delta(content="b")]
    )
    result = _parse(
        [stream + b"event: message\nid: 3\nretry: 10\n" + _delta(content="c") + b"data: [DONE]\n\n"]
    )
    assert result.content == "abc"


def test_multi_line_data_is_joined_with_newlines() -> None:
    async def run() -> list[str]:
        return [
            e.data async for e in aiter_sse(_chunks([b"data: one\ndata: two\n\n", b"data:three"]))
        ]

    assert anyio.run(run) == ["one\ntwo", "three"]


def test_done_ends_the_stream_and_later_data_is_ignored() -> None:
    result = _parse([_delta(content="x") + b"data: [DONE]\n\n" + _delta(content="late")])
    assert result.content == "x"


def test_a_cut_without_done_raises_server_unavailable() -> None:
    with pytest.raises(ServerUnavailable, match="ended before the answer was complete"):
        _parse([_delta(content="partial")])


def test_an_error_event_mid_stream_raises_the_typed_error() -> None:
    error = {"code": 500, "message": "kv cache full", "type": "server_error"}
    with pytest.raises(ServerError, match="kv cache full"):
        _parse([_delta(content="a"), b"error: " + json.dumps(error).encode() + b"\n\n"])
    with pytest.raises(ServerError, match="kv cache full"):
        _parse([_delta(content="a"), _event({"error": error})])


def test_a_context_error_keeps_both_sizes() -> None:
    error = {
        "code": 400,
        "message": "request (3030 tokens) exceeds the available context size (2048 tokens)",
        "type": "exceed_context_size_error",
        "n_prompt_tokens": 3030,
        "n_ctx": 2048,
    }
    with pytest.raises(ContextOverflow) as caught:
        _parse([_event({"error": error})])
    assert (caught.value.n_prompt_tokens, caught.value.n_ctx) == (3030, 2048)
    assert "3,030 tokens" in caught.value.message
    assert "2,048-token" in caught.value.message


def test_malformed_json_is_a_server_error() -> None:
    with pytest.raises(ServerError, match="malformed"):
        _parse([b"data: {not json\n\n"])
    with pytest.raises(ServerError, match="malformed"):
        _parse([b"data: [1, 2]\n\n"])


def test_reasoning_deltas_are_kept_apart_from_content() -> None:
    stream = (
        _delta(reasoning_content="think ") + _delta(reasoning_content="more") + _delta(content="42")
    )
    result = _parse([stream + b"data: [DONE]\n\n"])
    assert (result.reasoning, result.content) == ("think more", "42")


def test_tool_call_fragments_are_merged_by_index() -> None:
    calls = [
        _delta(
            tool_calls=[{"index": 0, "id": "c0", "function": {"name": "weather", "arguments": ""}}]
        ),
        _delta(
            tool_calls=[{"index": 1, "id": "c1", "function": {"name": "time", "arguments": "{}"}}]
        ),
        _delta(tool_calls=[{"index": 0, "function": {"arguments": '{"city":'}}]),
        _delta(tool_calls=[{"index": 0, "function": {"arguments": ' "Lyon"}'}}]),
    ]
    result = _parse([b"".join(calls) + b"data: [DONE]\n\n"])
    assert [(c.id, c.name, c.arguments) for c in result.tool_calls] == [
        ("c0", "weather", '{"city": "Lyon"}'),
        ("c1", "time", "{}"),
    ]


def test_utf8_split_inside_a_character_survives() -> None:
    data = _delta(content="héllo ☃") + b"data: [DONE]\n\n"
    assert _parse([data[i : i + 1] for i in range(len(data))]).content == "héllo ☃"


def test_accumulator_of_no_deltas_is_empty() -> None:
    acc = ChatAccumulator()
    acc.add(ChatDelta())
    assert acc.result() == ChatResult(content="")
