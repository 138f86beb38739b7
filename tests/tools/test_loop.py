"""The tool loop: tools offered, calls checked, approved or denied, run, and the answer going on.

The model is the fake llama-server (its tool-call chunks are llama-server's); the tools are a real
MCP server (``mcp_server.py`` over stdio); the conversation is real SQLite.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.config import Settings
from backend.errors import InvalidArgument, NotFound
from backend.llama import FakeLlamaServer, FakeReply, tool_call

from .conftest import stdio_spec
from .loop import open_loop

pytestmark = pytest.mark.anyio


def _calling(*calls: tuple[str, object]) -> FakeReply:
    fragments = [f for n, (name, args) in enumerate(calls) for f in tool_call(name, args, index=n)]
    return FakeReply(content=(), tool_calls=fragments)


def _said(text: str) -> FakeReply:
    return FakeReply(content=(text,))


async def test_an_allowed_call_runs_and_the_answer_goes_on(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling(("add", {"a": 2, "b": 3})), _said("It is 5."))
    async with open_loop(tmp_path, fake) as loop:
        server_id = await loop.add_server(stdio_spec(), rule="allow")
        started = await loop.send()
        end = await loop.ended(started)
        assert end.type == "stream_end"
        assert [c.state for c in (e.call for e in loop.of("tool_call"))] == [
            "pending",
            "running",
            "done",
        ]
        (round_event,) = loop.of("stream_round")
        first, second = round_event.message, round_event.next_message
        assert first.id == started.assistant_message.id
        assert first.status == "complete"
        (call,) = first.tool_calls
        assert (call.server_id, call.tool, call.result, call.is_error) == (
            server_id,
            "add",
            "5",
            False,
        )
        assert second.parent_id == first.id
        assert end.message.id == second.id
        assert end.message.content == "It is 5."
        offered = fake.requests[0]["tools"]
        assert {t["function"]["name"] for t in offered} == {
            "add",
            "echo_env",
            "big",
            "crash",
            "sleep",
            "log",
            "noop",
            "garbage",
        }
        add = next(t for t in offered if t["function"]["name"] == "add")
        assert add["function"]["parameters"]["required"] == ["a", "b"]
        assert "parallel_tool_calls" not in fake.requests[0]
        sent = fake.requests[1]["messages"]
        assert sent[-2]["tool_calls"][0]["function"] == {
            "name": "add",
            "arguments": json.dumps({"a": 2, "b": 3}),
        }
        assert sent[-1] == {"role": "tool", "tool_call_id": call.id, "content": "5"}
        branch = await loop.branch(started.conversation_id)
        assert [m.id for m in branch] == [started.user_message.id, first.id, second.id]  # type: ignore[union-attr]
        assert branch[1].tool_calls[0].state == "done"
        assert all(m.status == "complete" for m in branch)


async def test_asking_waits_for_the_user_and_once_runs_it(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling(("add", {"a": 1, "b": 1})), _said("Two."))
    async with open_loop(tmp_path, fake) as loop:
        server_id = await loop.add_server(stdio_spec())
        started = await loop.send()
        asked = await loop.call_in("awaiting_approval")
        assert (asked.server_id, asked.tool, asked.arguments) == (
            server_id,
            "add",
            '{"a": 1, "b": 1}',
        )
        assert len(fake.requests) == 1
        message_id = started.assistant_message.id
        answered = await loop.chat.answer_tool_call(message_id, asked.id, "once", None)
        assert answered.state == "running"
        end = await loop.ended(started)
        assert end.message.content == "Two."
        assert loop.tools.server(server_id).rule == "ask"
        with pytest.raises(NotFound, match="waiting for approval"):
            await loop.chat.answer_tool_call(message_id, asked.id, "once", None)


async def test_a_denied_call_tells_the_model_why(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling(("add", {"a": 1, "b": 1})), _said("Fine."))
    async with open_loop(tmp_path, fake) as loop:
        await loop.add_server(stdio_spec())
        started = await loop.send()
        asked = await loop.call_in("awaiting_approval")
        denied = await loop.chat.answer_tool_call(
            started.assistant_message.id, asked.id, "deny", "not now"
        )
        assert denied.state == "denied"
        await loop.ended(started)
        result = fake.requests[1]["messages"][-1]
        assert result["role"] == "tool"
        assert result["content"] == "Not run: the user denied this call. Their reason: not now"
        assert [e.call.state for e in loop.of("tool_call")][-1] == "denied"


@pytest.mark.parametrize(
    ("decision", "server_rule", "tool_rules"),
    [("always_tool", "ask", {"add": "allow"}), ("always_server", "allow", {})],
)
async def test_always_stores_a_rule_and_the_next_call_is_not_asked(
    tmp_path: Path, decision: str, server_rule: str, tool_rules: dict[str, str]
) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling(("add", {"a": 1, "b": 2}), ("add", {"a": 3, "b": 4})), _said("Done."))
    async with open_loop(tmp_path, fake) as loop:
        server_id = await loop.add_server(stdio_spec())
        started = await loop.send()
        asked = await loop.call_in("awaiting_approval")
        await loop.chat.answer_tool_call(started.assistant_message.id, asked.id, decision, None)  # type: ignore[arg-type]
        await loop.ended(started)
        info = loop.tools.server(server_id)
        assert (info.rule, info.tool_rules) == (server_rule, tool_rules)
        asked_for = [e.call.id for e in loop.of("tool_call") if e.call.state == "awaiting_approval"]
        assert asked_for == [asked.id]
        results = [m["content"] for m in fake.requests[1]["messages"] if m["role"] == "tool"]
        assert results == ["3", "7"]


@pytest.mark.parametrize(
    ("name", "arguments", "problem"),
    [
        ("subtract", {"a": 1}, "there is no tool named 'subtract'"),
        ("add", '{"a": 1,', "the arguments are not valid JSON"),
        ("add", {"a": "one", "b": 2}, "do not match the tool's schema: 'one' is not of type"),
        ("add", {"a": 1}, "'b' is a required property"),
        ("add", "[1, 2]", "the arguments must be a JSON object"),
    ],
)
async def test_a_bad_call_is_refused_before_anyone_is_asked(
    tmp_path: Path, name: str, arguments: object, problem: str
) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling((name, arguments)), _said("Sorry."))
    async with open_loop(tmp_path, fake) as loop:
        await loop.add_server(stdio_spec())
        started = await loop.send()
        end = await loop.ended(started)
        assert end.type == "stream_end"
        states = [e.call.state for e in loop.of("tool_call")]
        assert states == ["invalid"]
        result = fake.requests[1]["messages"][-1]
        assert problem in result["content"]
        assert result["content"].endswith("The call was not run.")


async def test_parallel_calls_are_offered_when_the_template_can(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True, supports_parallel_tool_calls=True)
    fake.script(_calling(("add", {"a": 1, "b": 2}), ("noop", {})), _said("Both."))
    async with open_loop(tmp_path, fake) as loop:
        await loop.add_server(stdio_spec(), rule="allow")
        started = await loop.send()
        await loop.ended(started)
        assert fake.requests[0]["parallel_tool_calls"] is True
        (round_event,) = loop.of("stream_round")
        assert [(c.tool, c.result) for c in round_event.message.tool_calls] == [
            ("add", "3"),
            ("noop", "ok"),
        ]


async def test_rounds_stop_at_the_limit(tmp_path: Path) -> None:
    settings = Settings()
    settings.tools.max_rounds = 2
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(*[_calling(("noop", {})) for _ in range(3)])
    async with open_loop(tmp_path, fake, settings) as loop:
        await loop.add_server(stdio_spec(), rule="allow")
        started = await loop.send()
        end = await loop.ended(started)
        assert ["tools" in r for r in fake.requests] == [True, True, False]
        (notice,) = loop.of("stream_notice")
        assert notice.kind == "tool_round_limit"
        assert "limit of 2 tool rounds" in notice.text
        assert len(loop.of("stream_round")) == 2
        (late,) = end.message.tool_calls
        assert late.state == "invalid"
        branch = await loop.branch(started.conversation_id)
        assert len(branch) == 4
        assert {m.status for m in branch} == {"complete"}


async def test_no_tools_are_sent_when_the_template_cannot_take_them(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=False)
    async with open_loop(tmp_path, fake) as loop:
        server_id = await loop.add_server(stdio_spec())
        started = await loop.send()
        await loop.ended(started)
        assert "tools" not in fake.requests[0]
        (notice,) = loop.of("stream_notice")
        assert notice.kind == "tools_unsupported"
        assert "cannot take them" in notice.text
        assert loop.tools.server(server_id).state in ("starting", "ready", "stopped")


async def test_no_tools_without_an_enabled_server(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    async with open_loop(tmp_path, fake) as loop:
        await loop.add_server(stdio_spec(enabled=False))
        started = await loop.send()
        await loop.ended(started)
        assert "tools" not in fake.requests[0]
        assert loop.of("stream_notice") == []


async def test_regenerating_after_a_round_sends_the_same_results(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling(("add", {"a": 2, "b": 2})), _said("Four."), _said("Still four."))
    async with open_loop(tmp_path, fake) as loop:
        await loop.add_server(stdio_spec(), rule="allow")
        started = await loop.send()
        end = await loop.ended(started)
        again = await loop.chat.regenerate(end.message.id)
        second = await loop.ended(again)
        assert second.message.content == "Still four."
        assert second.message.parent_id == end.message.parent_id
        assert fake.requests[2]["messages"] == fake.requests[1]["messages"]
        assert sorted(second.message.sibling_ids) == sorted([end.message.id, second.message.id])


async def test_an_answer_that_called_tools_cannot_be_continued(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling(("noop", {})), _said("Done."))
    async with open_loop(tmp_path, fake) as loop:
        await loop.add_server(stdio_spec(), rule="allow")
        started = await loop.send()
        await loop.ended(started)
        with pytest.raises(InvalidArgument, match="cannot be continued; regenerate it"):
            await loop.chat.continue_(started.assistant_message.id)


async def test_earlier_calls_are_written_as_text_for_a_template_without_tools(
    tmp_path: Path,
) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling(("add", {"a": 2, "b": 3})), _said("Five."), _said("Again five."))
    async with open_loop(tmp_path, fake) as loop:
        server_id = await loop.add_server(stdio_spec(), rule="allow")
        started = await loop.send()
        end = await loop.ended(started)
        fake.supports_tools = False
        await loop.tools.set_enabled(server_id, False)
        again = await loop.chat.regenerate(end.message.id)
        await loop.ended(again)
        sent = fake.requests[2]["messages"]
        assert [m["role"] for m in sent] == ["user", "assistant"]
        assert sent[1] == {
            "role": "assistant",
            "content": '[called add({"a": 2, "b": 3})]\n[result: 5]',
        }
        assert loop.of("stream_notice") == []


async def test_an_answer_nobody_watches_offers_no_tools_and_runs_none(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling(("add", {"a": 1, "b": 1})))
    async with open_loop(tmp_path, fake) as loop:
        await loop.add_server(stdio_spec(), rule="allow")
        conversation = await loop.chat.conversations.create_conversation("whole")
        answer = await loop.chat.handle_user_message(conversation.id, "1 + 1?")
        assert "tools" not in fake.requests[0]
        (call,) = answer.tool_calls
        assert (call.state, call.result) == (
            "invalid",
            "Error: no tools were offered for this request. The call was not run.",
        )
        assert loop.events == []
