"""Enabled tool servers an answer cannot reach are named in the conversation, not left silent.

A stdio server whose command fails before the handshake and a Streamable HTTP URL where nothing
listens, next to a working stdio server: the answer offers the working server's tools, runs its
call and completes, and the page gets one ``tool_server_unavailable`` notice per unreachable
server with its name and the reason (never a secret value), for this answer and the next one,
which does not wait for them again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.contract import StreamNoticeEvent, ToolServerSpec
from backend.llama import FakeLlamaServer, FakeReply, tool_call

from .conftest import free_port, stdio_spec
from .loop import Loop, open_loop

pytestmark = pytest.mark.anyio

ENV_SECRET = "env-s3cret-value"
HEADER_SECRET = "Bearer header-s3cret-value"


def _notices(loop: Loop, stream_id: str) -> dict[str | None, StreamNoticeEvent]:
    """The stream's unavailable-server notices by server name."""
    return {
        e.server_name: e
        for e in loop.of("stream_notice")
        if e.stream_id == stream_id and e.kind == "tool_server_unavailable"
    }


async def _add_unreachable(loop: Loop) -> tuple[str, str]:
    broken = await loop.add_server(stdio_spec("fail", name="broken", env={"API_KEY": ENV_SECRET}))
    remote = await loop.add_server(
        ToolServerSpec(
            name="remote",
            transport="http",
            url=f"http://127.0.0.1:{free_port()}/mcp",
            headers={"Authorization": HEADER_SECRET},
        )
    )
    return broken, remote


async def test_unreachable_servers_are_named_and_the_answer_goes_on_with_the_others(
    tmp_path: Path,
) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(
        FakeReply(content=(), tool_calls=tool_call("add", {"a": 2, "b": 3})),
        FakeReply(content=("It is 5.",)),
    )
    async with open_loop(tmp_path, fake) as loop:
        working = await loop.add_server(stdio_spec(), rule="allow")
        broken, remote = await _add_unreachable(loop)
        started = await loop.send()
        end = await loop.ended(started)
        assert (end.type, end.message.status, end.message.content) == (
            "stream_end",
            "complete",
            "It is 5.",
        )
        offered = {t["function"]["name"] for t in fake.requests[0]["tools"]}
        assert "add" in offered
        (call,) = (await loop.branch(started.conversation_id))[1].tool_calls
        assert (call.server_id, call.state, call.result) == (working, "done", "5")

        notices = _notices(loop, started.stream_id)
        assert set(notices) == {"broken", "remote"}
        for server_id, name in ((broken, "broken"), (remote, "remote")):
            notice = notices[name]
            info = loop.tools.server(server_id)
            assert info.state == "failed"
            assert notice.server_id == server_id
            assert notice.message_id == started.assistant_message.id
            assert notice.reason == info.error
            assert notice.text.startswith(f"The tool server {name} is not available: {info.error}")
            assert notice.text.endswith(
                "This answer goes on without its tools; Settings → Tools can restart it."
            )
        assert notices["broken"].reason == "it exited with code 3 before it was ready"
        assert '(its last stderr line: "cannot start: the database is missing")' in (
            notices["broken"].text
        )
        assert notices["remote"].reason == (
            "it could not be reached (ConnectError: All connection attempts failed)"
        )
        shown = "".join(e.model_dump_json() for e in loop.of("stream_notice"))
        assert ENV_SECRET not in shown
        assert "header-s3cret-value" not in shown


async def test_the_next_answer_names_them_again_without_waiting_for_them(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    async with open_loop(tmp_path, fake) as loop:
        broken, remote = await _add_unreachable(loop)
        first = await loop.send()
        assert (await loop.ended(first)).message.status == "complete"
        assert "tools" not in fake.requests[0]
        fake.script(FakeReply(content=("Again.",)))
        again = await loop.send("Once more")
        assert (await loop.ended(again)).message.content == "Again."
        assert set(_notices(loop, again.stream_id)) == {"broken", "remote"}
        for server_id in (broken, remote):
            seen = [state for sid, state in loop.states if sid == server_id]
            changes = [state for n, state in enumerate(seen) if n == 0 or seen[n - 1] != state]
            assert changes == ["starting", "failed"], "not started again"
