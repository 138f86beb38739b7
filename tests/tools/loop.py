"""A chat orchestrator wired to a real tool manager (real MCP servers) and the fake llama-server.

The model's side of a tool conversation is the fake's (a 135M model cannot call tools on
demand); everything else is real: the SDK's MCP servers in ``mcp_server.py``, SQLite, the loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import (
    BridgeEvent,
    Message,
    StreamStarted,
    ToolCallInfo,
    ToolServers,
    ToolServerSpec,
)
from backend.llama import EndpointProvider, FakeLlamaServer, LlamaCppAdapter
from backend.secrets import SecretStore
from backend.tools import ServerStore, ToolManager

from .conftest import START_TIMEOUT_S

__all__ = ["Loop", "open_loop"]


@dataclass
class Loop:
    """The orchestrator, the fake, the manager, and every event, with waits on them."""

    chat: ChatOrchestrator
    fake: FakeLlamaServer
    tools: ToolManager
    store: ConversationStore
    settings: Settings
    events: list[BridgeEvent] = field(default_factory=list)
    states: list[tuple[str, str]] = field(default_factory=list)
    """(server id, state) at every change the manager reported, deduplicated in a row."""
    _changed: anyio.Event = field(default_factory=anyio.Event)

    def sink(self, event: BridgeEvent) -> None:
        self.events.append(event)
        self._changed.set()
        self._changed = anyio.Event()

    async def until(
        self, predicate: Callable[[BridgeEvent], bool], timeout_s: float = START_TIMEOUT_S
    ) -> Any:
        """The first event (old or new) for which ``predicate`` holds."""
        with anyio.fail_after(timeout_s):
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                await self._changed.wait()

    async def call_in(self, state: str, timeout_s: float = START_TIMEOUT_S) -> ToolCallInfo:
        """The first call to reach ``state``."""
        event = await self.until(
            lambda e: e.type == "tool_call" and e.call.state == state, timeout_s
        )
        call: ToolCallInfo = event.call
        return call

    async def ended(self, stream: StreamStarted, timeout_s: float = START_TIMEOUT_S) -> Any:
        """The stream's ``stream_end`` or ``stream_error`` event."""
        return await self.until(
            lambda e: e.type in ("stream_end", "stream_error") and e.stream_id == stream.stream_id,
            timeout_s,
        )

    def of(self, kind: str) -> list[Any]:
        return [e for e in self.events if e.type == kind]

    async def branch(self, conversation_id: str) -> list[Message]:
        return (await self.chat.conversations.get_conversation(conversation_id)).messages

    async def add_server(self, spec: ToolServerSpec, rule: str = "ask") -> str:
        info = await self.tools.add(spec)
        if rule != "ask":
            await self.tools.set_rule(info.id, None, rule)  # type: ignore[arg-type]
        return info.id

    async def send(self, text: str = "What is 2 + 3?") -> StreamStarted:
        conversation = await self.chat.conversations.create_conversation("t")
        return await self.chat.handle_user_message_stream(conversation.id, text)


@asynccontextmanager
async def open_loop(
    tmp_path: Path,
    fake: FakeLlamaServer,
    settings: Settings | None = None,
    *,
    endpoints: EndpointProvider | None = None,
) -> AsyncIterator[Loop]:
    """A loop over ``fake`` (or a real server at ``endpoints``; ``fake`` then stays unused),
    with tool servers stored in ``tmp_path``."""
    settings = settings or Settings()
    settings.generation.system_prompt = ""
    settings.tools.start_timeout_s = START_TIMEOUT_S
    secrets = SecretStore(tmp_path / "tool-secrets.json", "llamadesk-test", use_keyring=False)
    holder: list[Loop] = []

    def sink(event: BridgeEvent) -> None:
        holder[0].sink(event)

    def servers_changed(servers: ToolServers) -> None:
        for server in servers.servers if holder else ():
            if (server.id, server.state) not in holder[0].states[-1:]:
                holder[0].states.append((server.id, server.state))

    manager = ToolManager(
        ServerStore(tmp_path / "tools.json", secrets), lambda: settings.tools, servers_changed
    )
    with ConversationStore(tmp_path / "conversations.db") as store:
        adapter = (
            LlamaCppAdapter(endpoints, timeout=120.0)
            if endpoints is not None
            else LlamaCppAdapter(fake, transport=fake.transport)
        )
        async with manager, adapter:
            slots = SlotManager(adapter, store, slot_dir=None)
            async with ChatOrchestrator(
                store,
                adapter,
                sink,
                lambda: settings,
                slots=slots,
                flush_interval_s=0.05,
                tools=manager,
            ) as chat:
                holder.append(Loop(chat, fake, manager, store, settings))
                yield holder[0]
