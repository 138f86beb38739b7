"""Whatever an import lets in works: it opens, gets answered, exports and imports again.

Documents are generated from the export format's own JSON schema, as message trees (parents
before children), with a hostile value (NaN, a huge number, a wrong type, deep nesting, a lone
surrogate) put in place of a fitting one now and then. An import either refuses a document
with ``ImportFormatError`` and creates nothing, or every conversation it creates survives the
app's whole round: open, answer (through the fake llama-server), export, import again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
from hypothesis import HealthCheck, event, given, settings

from backend.chat import (
    ChatOrchestrator,
    ConversationStore,
    SlotManager,
    import_json,
)
from backend.config import Settings
from backend.contract import CommandSuccess
from backend.errors import ImportFormatError
from backend.llama import FakeLlamaServer, LlamaCppAdapter

from ..strategies import export_documents, to_json


def success(result: Any) -> None:
    """Fail unless ``result`` could reach the page: strict JSON (no NaN) in a success envelope."""
    CommandSuccess(result=json.loads(json.dumps(result, allow_nan=False)))


def _settings() -> Settings:
    settings = Settings()
    settings.generation.system_prompt = ""
    return settings


async def _round_trip(text: str, home: Path) -> None:
    fake = FakeLlamaServer(slot_dir=home)
    settings = _settings()
    with (
        ConversationStore(":memory:") as store,
        ConversationStore(":memory:") as again,
    ):
        async with LlamaCppAdapter(fake, transport=fake.transport) as adapter:
            slots = SlotManager(adapter, store, slot_dir=home)
            async with ChatOrchestrator(
                store, adapter, lambda _e: None, lambda: settings, slots=slots
            ) as chat:
                try:
                    created = (await chat.conversations.import_(text)).conversation_ids
                except ImportFormatError:
                    event("refused")
                    assert await chat.conversations.list_conversations() == []
                    return
                event("imported")
                for conversation_id in created:
                    opened = await chat.conversations.get_conversation(conversation_id)
                    success(opened.model_dump(mode="json"))
                    answer = await chat.handle_user_message(conversation_id, "Hi")
                    assert answer.status == "complete", answer.error
                    answered = await chat.conversations.get_conversation(conversation_id)
                    success(answered.model_dump(mode="json"))
                exported = await chat.conversations.export(created, "json")
                success(exported.model_dump(mode="json"))
                assert len(import_json(again, exported.content)) == len(created)
                assert len(json.loads(exported.content)["conversations"]) == len(created)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=export_documents())
def test_every_imported_conversation_opens_answers_and_round_trips(
    document: dict[str, Any], tmp_path: Path
) -> None:
    anyio.run(_round_trip, to_json(document), tmp_path)
