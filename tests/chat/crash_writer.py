"""A process that streams an answer into a store until it is killed (for test_crash.py).

Usage: ``python crash_writer.py DB``. Prints ``message <id>`` once the answer row exists, then
one line per streamed piece, flushed, so the test knows what the page had seen and when.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio

from backend.chat import ChatOrchestrator, ConversationStore
from backend.config import Settings
from backend.contract import BridgeEvent, StreamChunkEvent
from backend.llama import FakeLlamaServer, FakeReply, LlamaCppAdapter


def _print_chunk(event: BridgeEvent) -> None:
    if isinstance(event, StreamChunkEvent):
        sys.stdout.write(event.content.strip() + "\n")
        sys.stdout.flush()


async def main(db: Path) -> None:
    fake = FakeLlamaServer()
    fake.script(FakeReply(content=[f"w{i} " for i in range(100_000)], rate=200))
    with ConversationStore(db) as store:
        async with (
            LlamaCppAdapter(fake, transport=fake.transport) as adapter,
            ChatOrchestrator(store, adapter, _print_chunk, Settings) as chat,
        ):
            conversation = await chat.conversations.create_conversation("crash")
            started = await chat.handle_user_message_stream(conversation.id, "never stop")
            sys.stdout.write(f"message {started.assistant_message.id}\n")
            sys.stdout.flush()
            await anyio.sleep_forever()


if __name__ == "__main__":
    anyio.run(main, Path(sys.argv[1]))
