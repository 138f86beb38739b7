"""A tool-capable chat template from the pinned source, on the real llama-server with SmolLM2.

SmolLM2's own template takes no tools: ``/props`` says so and tools never reach the prompt. With
``--chat-template-file`` naming the pinned source's Qwen2.5 template (the flag ``build_argv``
writes for ``engine.chat_template_file``), ``/props`` says it takes tools and they reach the
prompt: the prompt grows by the tools' description.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.config import EngineSettings
from backend.engine import chat_templates_dir
from backend.llama import Endpoint, LlamaCppAdapter, StaticEndpoint, parse_server_defaults
from backend.paths import AppPaths
from backend.server import build_argv
from tests.conftest import RunningServer, ServerFactory

pytestmark = [pytest.mark.real_server, pytest.mark.anyio]

QUESTION = [{"role": "user", "content": "What is the weather in Lyon?"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The current weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "The city's name"}},
                "required": ["city"],
            },
        },
    }
]


@pytest.fixture(scope="module")
def qwen_template() -> Path:
    path = chat_templates_dir(AppPaths.from_env().engine_cache) / "Qwen-Qwen2.5-7B-Instruct.jinja"
    if not path.exists():
        pytest.fail(
            f"No chat templates at {path.parent}: run `python -m backend engine --prepare` "
            "(python build.py test does) to copy them out of the pinned source."
        )
    return path


def _template_flag(template: Path) -> tuple[str, ...]:
    argv = build_argv(
        EngineSettings(chat_template_file=template),
        binary=Path("llama-server"),
        model=Path("m.gguf"),
        port=1,
        slot_dir=Path("slots"),
    )
    at = argv.index("--chat-template-file")
    return tuple(argv[at : at + 2])


async def _adapter(server: RunningServer) -> AsyncIterator[LlamaCppAdapter]:
    endpoint = Endpoint(server.base_url, server.api_key, str(server.model_path))
    async with LlamaCppAdapter(StaticEndpoint(endpoint), timeout=60.0) as adapter:
        yield adapter


async def _prompt_tokens(adapter: LlamaCppAdapter, **extra: object) -> int:
    result = await adapter.chat(QUESTION, params={"max_tokens": 1, "temperature": 0, **extra})
    assert result.usage is not None
    return result.usage.prompt_tokens


async def test_the_default_template_takes_no_tools_and_leaves_them_out(
    llama_server: RunningServer,
) -> None:
    async for adapter in _adapter(llama_server):
        assert parse_server_defaults(await adapter.props()).supports_tools is False
        assert await _prompt_tokens(adapter, tools=TOOLS) == await _prompt_tokens(adapter)


async def test_a_tool_capable_template_file_takes_tools_into_the_prompt(
    llama_server_factory: ServerFactory, qwen_template: Path
) -> None:
    flag = _template_flag(qwen_template)
    assert flag == ("--chat-template-file", str(qwen_template))
    server = llama_server_factory(extra=flag)
    async for adapter in _adapter(server):
        assert parse_server_defaults(await adapter.props()).supports_tools is True
        without = await _prompt_tokens(adapter)
        with_tools = await _prompt_tokens(adapter, tools=TOOLS)
        assert with_tools > without + 50, (without, with_tools)
