"""The loop over Streamable HTTP, in router mode, and on the real llama-server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from backend.config import Settings
from backend.contract import ToolServerSpec
from backend.engine import chat_templates_dir
from backend.llama import Endpoint, FakeLlamaServer, FakeReply, StaticEndpoint, tool_call
from backend.paths import AppPaths
from tests.conftest import RunningServer, ServerFactory

from .conftest import stdio_spec
from .loop import Loop, open_loop

pytestmark = pytest.mark.anyio


async def test_a_streamable_http_server_answers_the_call(
    tmp_path: Path, http_server: Callable[[str], str]
) -> None:
    url = http_server("s3cret")
    spec = ToolServerSpec(
        name="remote", transport="http", url=url, headers={"Authorization": "Bearer s3cret"}
    )
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(
        FakeReply(content=(), tool_calls=tool_call("add", {"a": 40, "b": 2})),
        FakeReply(content=("42.",)),
    )
    async with open_loop(tmp_path, fake) as loop:
        await loop.add_server(spec, rule="allow")
        started = await loop.send()
        done = await loop.call_in("done")
        assert (done.server_name, done.result) == ("remote", "42")
        end = await loop.ended(started)
        assert end.message.content == "42."


class _RouterEndpoint:
    """The fake behind a router: every request names the model, as in router mode."""

    def __init__(self, fake: FakeLlamaServer) -> None:
        self.fake = fake

    async def endpoint(self) -> Endpoint:
        base = await self.fake.endpoint()
        return Endpoint(base.base_url, base.api_key, base.model_path, base.generation, "qwen")


async def test_router_mode_sends_the_tools_with_the_model_name(tmp_path: Path) -> None:
    fake = FakeLlamaServer(supports_tools=True)
    fake.script(
        FakeReply(content=(), tool_calls=tool_call("add", {"a": 1, "b": 1})),
        FakeReply(content=("Two.",)),
    )
    async with open_loop(tmp_path, fake) as loop:
        loop.chat.adapter.endpoints = _RouterEndpoint(fake)
        await loop.add_server(stdio_spec(), rule="allow")
        started = await loop.send()
        end = await loop.ended(started)
        assert end.message.content == "Two."
        assert [(r["model"], "tools" in r) for r in fake.requests] == [("qwen", True)] * 2
        assert fake.requests[1]["messages"][-1]["content"] == "2"


def _real(server: RunningServer) -> StaticEndpoint:
    return StaticEndpoint(Endpoint(server.base_url, server.api_key, str(server.model_path)))


async def _first_prompt_tokens(loop: Loop) -> int:
    started = await loop.send()
    end = await loop.ended(started, timeout_s=300)
    assert end.type == "stream_end", end
    usage = loop.store.get_message(started.assistant_message.id).usage
    assert usage is not None
    return usage.prompt_tokens


@pytest.mark.real_server
async def test_on_the_real_server_the_tools_reach_the_prompt_with_a_tool_template(
    tmp_path: Path, llama_server_factory: ServerFactory
) -> None:
    template = (
        chat_templates_dir(AppPaths.from_env().engine_cache) / "Qwen-Qwen2.5-7B-Instruct.jinja"
    )
    assert template.exists(), "run `python -m backend engine --prepare` to get the chat templates"
    server = llama_server_factory(extra=("--chat-template-file", str(template)))
    settings = Settings()
    settings.generation.max_tokens = 4
    settings.generation.temperature = 0
    fake = FakeLlamaServer()
    async with open_loop(tmp_path, fake, settings, endpoints=_real(server)) as loop:
        server_id = await loop.add_server(stdio_spec(), rule="allow")
        with_tools = await _first_prompt_tokens(loop)
        assert loop.of("stream_notice") == []
        await loop.tools.set_enabled(server_id, False)
        without = await _first_prompt_tokens(loop)
    assert with_tools > without + 200, (with_tools, without)


@pytest.mark.real_server
async def test_on_the_real_server_smollm2s_template_gets_no_tools_and_the_page_is_told(
    tmp_path: Path, llama_server: RunningServer
) -> None:
    settings = Settings()
    settings.generation.max_tokens = 4
    settings.generation.temperature = 0
    async with open_loop(
        tmp_path, FakeLlamaServer(), settings, endpoints=_real(llama_server)
    ) as loop:
        await loop.add_server(stdio_spec(), rule="allow")
        await _first_prompt_tokens(loop)
        (notice,) = loop.of("stream_notice")
        assert notice.kind == "tools_unsupported"


def _tool_conversation() -> dict[str, object]:
    """An export with one tool round: the user, the call of add with its result, the answer."""
    at = "2026-01-02T03:04:05.000Z"
    call = {
        "id": "c1",
        "name": "add",
        "arguments": '{"a": 2, "b": 3}',
        "server_id": "s",
        "server_name": "s",
        "tool": "add",
        "state": "done",
        "result": "5",
    }
    return {
        "format": "llamadesk.conversations",
        "version": 1,
        "conversations": [
            {
                "id": "conv",
                "title": "Sums",
                "created_at": at,
                "updated_at": at,
                "messages": [
                    {"id": "u", "role": "user", "content": "What is 2 + 3?", "created_at": at},
                    {
                        "id": "a1",
                        "parent_id": "u",
                        "role": "assistant",
                        "content": "",
                        "created_at": at,
                        "tool_calls": [call],
                    },
                    {
                        "id": "a2",
                        "parent_id": "a1",
                        "role": "assistant",
                        "content": "5.",
                        "created_at": at,
                    },
                ],
            }
        ],
    }


@pytest.mark.real_server
async def test_on_the_real_server_a_template_without_tools_reads_earlier_calls_as_text(
    tmp_path: Path, llama_server: RunningServer
) -> None:
    settings = Settings()
    settings.generation.max_tokens = 4
    async with open_loop(
        tmp_path, FakeLlamaServer(), settings, endpoints=_real(llama_server)
    ) as loop:
        (conversation_id,) = (
            await loop.chat.conversations.import_(_tool_conversation())
        ).conversation_ids
        branch = await loop.branch(conversation_id)
        assert branch[1].tool_calls[0].result == "5"
        again = await loop.chat.regenerate(branch[2].id)
        end = await loop.ended(again, timeout_s=300)
        assert (end.type, end.message.status) == ("stream_end", "complete")
        assert end.message.parent_id == branch[1].id
