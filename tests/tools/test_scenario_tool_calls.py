"""The shared scenario's fake llama-server makes tool calls on demand, from prompt markers."""

from __future__ import annotations

from typing import Any

from tests.scenario.fake_llama_server import tool_reply

TOOLS = [{"type": "function", "function": {"name": "add", "parameters": {}}}]


def _body(*messages: dict[str, Any], tools: bool = True) -> dict[str, Any]:
    return {"messages": list(messages), **({"tools": TOOLS} if tools else {})}


def _calls(body: dict[str, Any]) -> list[tuple[int, str, str]]:
    reply = tool_reply(body)
    assert reply is not None
    merged: dict[int, list[str]] = {}
    for fragment in reply.tool_calls:
        entry = merged.setdefault(fragment["index"], [fragment["function"].get("name", ""), ""])
        entry[1] += fragment["function"]["arguments"]
    return [(index, name, arguments) for index, (name, arguments) in sorted(merged.items())]


def test_markers_become_parallel_calls_with_their_arguments_as_written() -> None:
    user = {"role": "user", "content": 'Go [[tool:add {"a": 1, "b": 2}]] and [[tool:noop]]'}
    assert _calls(_body(user)) == [(0, "add", '{"a": 1, "b": 2}'), (1, "noop", "{}")]
    bad = {"role": "user", "content": '[[tool:add {"a": 1,]]'}
    assert _calls(_body(bad)) == [(0, "add", '{"a": 1,')]


def test_rounds_follow_then_and_the_last_round_is_answered_in_text() -> None:
    user = {"role": "user", "content": "[[tool:add {}]] [[then]] [[tool:noop]]"}
    called = {"role": "assistant", "content": "", "tool_calls": [{"id": "x"}]}
    result = {"role": "tool", "tool_call_id": "x", "content": "3"}
    assert _calls(_body(user))[0][1] == "add"
    assert _calls(_body(user, called, result))[0][1] == "noop"
    assert tool_reply(_body(user, called, result, called, result)) is None


def test_no_call_without_tools_or_markers() -> None:
    assert tool_reply(_body({"role": "user", "content": "[[tool:add {}]]"}, tools=False)) is None
    assert tool_reply(_body({"role": "user", "content": "just text"})) is None
    assert tool_reply(_body()) is None
