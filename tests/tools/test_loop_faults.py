"""The tool loop when things go wrong: Stop, timeouts, crashes, huge results, bad servers, and the
app dying while a call waits or runs. Each ends with a readable result, a consistent
conversation (nothing left ``streaming``), and a next message that works."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend.config import Settings
from backend.llama import FakeLlamaServer, FakeReply, tool_call

from .conftest import stdio_spec
from .loop import Loop, open_loop

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


def _calling(name: str, arguments: object) -> FakeReply:
    return FakeReply(content=(), tool_calls=tool_call(name, arguments))


async def _next_message_works(loop: Loop) -> None:
    loop.fake.script(FakeReply(content=("Fine.",)))
    started = await loop.send("And now?")
    end = await loop.ended(started)
    assert (end.type, end.message.status, end.message.content) == (
        "stream_end",
        "complete",
        "Fine.",
    )


async def _all_settled(loop: Loop, conversation_id: str) -> None:
    branch = await loop.branch(conversation_id)
    assert "streaming" not in {m.status for m in branch}
    final = ("done", "failed", "denied", "invalid", "cancelled")
    assert all(c.state in final for m in branch for c in m.tool_calls)


async def test_stop_while_waiting_for_approval_cancels_the_call(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling("add", {"a": 1, "b": 2}))
    async with open_loop(tmp_path, fake) as loop:
        await loop.add_server(stdio_spec())
        started = await loop.send()
        await loop.call_in("awaiting_approval")
        assert await loop.chat.stop(started.conversation_id) is True
        end = await loop.ended(started)
        assert end.message.status == "cancelled"
        (call,) = end.message.tool_calls
        assert (call.state, call.result) == ("cancelled", "Not run: the answer was stopped.")
        assert len(fake.requests) == 1
        await _all_settled(loop, started.conversation_id)
        await _next_message_works(loop)


async def test_stop_while_a_call_runs_cancels_it_at_once(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling("sleep", {"seconds": 60}))
    async with open_loop(tmp_path, fake) as loop:
        await loop.add_server(stdio_spec(), rule="allow")
        started = await loop.send()
        await loop.call_in("running")
        stopping = time.monotonic()
        await loop.chat.stop(started.conversation_id)
        assert time.monotonic() - stopping < 5
        end = await loop.ended(started)
        assert end.message.tool_calls[0].state == "cancelled"
        await _all_settled(loop, started.conversation_id)
        await _next_message_works(loop)


async def test_a_call_that_takes_too_long_fails_with_the_timeout(tmp_path: Path) -> None:
    settings = Settings()
    settings.tools.call_timeout_s = 1
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling("sleep", {"seconds": 30}), FakeReply(content=("Too slow.",)))
    async with open_loop(tmp_path, fake, settings) as loop:
        await loop.add_server(stdio_spec(), rule="allow")
        started = await loop.send()
        failed = await loop.call_in("failed")
        assert failed.result == (
            "Error: the tool could not run: sleep on test-stdio did not answer within 1 s."
        )
        assert failed.is_error
        end = await loop.ended(started)
        assert end.message.content == "Too slow."
        assert fake.requests[1]["messages"][-1]["content"] == failed.result


async def test_a_server_crashing_mid_call_fails_the_call_and_restarts_next_time(
    tmp_path: Path,
) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(
        _calling("crash", {}),
        FakeReply(content=("It crashed.",)),
        _calling("add", {"a": 2, "b": 2}),
        FakeReply(content=("Four.",)),
    )
    async with open_loop(tmp_path, fake) as loop:
        await loop.add_server(stdio_spec(), rule="allow")
        started = await loop.send()
        failed = await loop.call_in("failed")
        assert failed.result is not None
        assert "stopped during the call of crash" in failed.result
        assert "exited with code 7" in failed.result
        await loop.ended(started)
        again = await loop.send("Try add")
        end = await loop.ended(again)
        assert end.message.content == "Four."
        results = [m["content"] for m in fake.requests[3]["messages"] if m["role"] == "tool"]
        assert results == ["4"]


async def test_a_50_mb_result_is_cut_with_a_note(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling("big", {"megabytes": 50}), FakeReply(content=("Big.",)))
    async with open_loop(tmp_path, fake) as loop:
        await loop.add_server(stdio_spec(), rule="allow")
        started = await loop.send()
        done = await loop.call_in("done", timeout_s=120)
        limit = loop.settings.tools.result_max_chars
        assert done.truncated_from == 50 * 1024 * 1024
        assert done.result is not None
        assert done.result.startswith("x" * limit)
        assert done.result.endswith(
            f"[truncated: the result was {50 * 1024 * 1024:,} characters; "
            f"only the first {limit:,} are shown]"
        )
        await loop.ended(started)
        assert len(fake.requests[1]["messages"][-1]["content"]) < limit + 200


async def test_invalid_json_on_the_mcp_channel_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling("add", {"a": 20, "b": 22}), FakeReply(content=("42.",)))
    async with open_loop(tmp_path, fake) as loop:
        server_id = await loop.add_server(stdio_spec("banner"), rule="allow")
        started = await loop.send()
        done = await loop.call_in("done")
        assert done.result == "42"
        await loop.ended(started)
        warning = loop.tools.server(server_id).warning
        assert warning is not None
        assert "not MCP messages" in warning


async def test_a_tool_writing_junk_to_its_stdout_does_not_break_the_channel(
    tmp_path: Path,
) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(_calling("garbage", {}), FakeReply(content=("Odd.",)))
    async with open_loop(tmp_path, fake) as loop:
        server_id = await loop.add_server(stdio_spec(), rule="allow")
        started = await loop.send()
        done = await loop.call_in("done")
        assert done.result == "answered after garbage"
        await loop.ended(started)
        assert loop.tools.server(server_id).warning is None


@pytest.mark.parametrize(
    ("mode", "why"), [("fail", "cannot start: the database is missing"), ("hang", "within 2 s")]
)
async def test_a_server_that_cannot_start_offers_nothing_and_the_answer_goes_on(
    tmp_path: Path, mode: str, why: str
) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    async with open_loop(tmp_path, fake) as loop:
        # The hanging server meets a short limit; the failing one gets time to say why even on
        # a loaded machine (its Python start-up alone can take over 2 s there).
        loop.settings.tools.start_timeout_s = 2 if mode == "hang" else 60
        server_id = await loop.add_server(stdio_spec(mode))
        started = await loop.send()
        end = await loop.ended(started)
        assert end.type == "stream_end"
        assert "tools" not in fake.requests[0]
        info = loop.tools.server(server_id)
        assert info.state == "failed"
        assert info.error is not None
        assert why in info.error or why in info.stderr_tail
        (notice,) = loop.of("stream_notice")
        assert (notice.kind, notice.server_id, notice.server_name, notice.reason) == (
            "tool_server_unavailable",
            server_id,
            f"test-{mode}",
            info.error,
        )
        loop.fake.script(FakeReply(content=("Again.",)))
        again = await loop.send("Once more")
        assert (await loop.ended(again)).message.content == "Again."
        starts = [state for sid, state in loop.states if sid == server_id and state == "starting"]
        assert starts == ["starting"], "a server that failed to start is not waited for again"


_DYING = """
import sys, anyio
from pathlib import Path
from backend.llama import FakeLlamaServer, FakeReply, tool_call
from tests.tools.conftest import stdio_spec
from tests.tools.loop import open_loop

async def main() -> None:
    home, state, tool, arguments = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(FakeReply(content=(), tool_calls=tool_call(tool, arguments)))
    async with open_loop(home, fake) as loop:
        await loop.add_server(stdio_spec(), rule="ask" if state == "awaiting_approval" else "allow")
        started = await loop.send()
        await loop.call_in(state)
        print(started.conversation_id, started.assistant_message.id, flush=True)
        await anyio.sleep_forever()

anyio.run(main)
"""


def _killed_while(home: Path, state: str, tool: str, arguments: str) -> list[str]:
    """Run the app until its call is in ``state``, SIGKILL it; its conversation and message."""
    app = subprocess.Popen(
        [sys.executable, "-c", _DYING, str(home), state, tool, arguments],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert app.stdout is not None
    try:
        return app.stdout.readline().decode().split()
    finally:
        app.kill()
        app.wait(30)
        app.stdout.close()


@pytest.mark.parametrize(
    ("state", "tool", "arguments"),
    [("awaiting_approval", "add", '{"a": 1, "b": 2}'), ("running", "sleep", '{"seconds": 60}')],
)
async def test_the_app_killed_while_a_call_waits_or_runs_leaves_a_consistent_conversation(
    tmp_path: Path, state: str, tool: str, arguments: str
) -> None:
    conversation_id, message_id = _killed_while(tmp_path, state, tool, arguments)
    fake = FakeLlamaServer(supports_tools=True)
    async with open_loop(tmp_path, fake) as loop:
        assert loop.store.recovered == 1
        message = loop.store.get_message(message_id)
        assert message.status == "cancelled"
        (call,) = message.tool_calls
        assert call.state == "cancelled"
        assert call.result == "Not run: the app ended while this call waited or ran."
        await _all_settled(loop, conversation_id)
        await _next_message_works(loop)
