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
from hypothesis import strategies as st

from backend.chat import (
    ChatOrchestrator,
    ConversationStore,
    ExportDocument,
    SlotManager,
    import_json,
)
from backend.config import Settings
from backend.contract import CommandSuccess
from backend.errors import ImportFormatError
from backend.llama import FakeLlamaServer, LlamaCppAdapter

from ..strategies import from_schema, hostile_values, to_json

_SCHEMA = ExportDocument.model_json_schema()
_DEFS = _SCHEMA["$defs"]
_NO_STRUCTURE = {"id", "parent_id", "messages", "active_leaf_id"}


def success(result: Any) -> None:
    """Fail unless ``result`` could reach the page: strict JSON (no NaN) in a success envelope."""
    CommandSuccess(result=json.loads(json.dumps(result, allow_nan=False)))


def _fields(model: str, hostile: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A model's non-structural fields from its schema, some of them hostile if asked."""
    schema = dict(_DEFS[model])
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in _NO_STRUCTURE}
    schema["required"] = [k for k in schema["required"] if k not in _NO_STRUCTURE]
    return from_schema(schema, _DEFS, hostile=hostile_values() if hostile else None)


@st.composite
def _conversation(draw: st.DrawFn, index: int, hostile: bool) -> dict[str, Any]:
    conversation = draw(_fields("ExportedConversation", hostile))
    messages: list[dict[str, Any]] = []
    for m_index in range(draw(st.integers(0, 5))):
        parent = draw(st.none() | st.integers(0, m_index - 1)) if m_index else None
        message = draw(_fields("ExportedMessage", hostile))
        message["id"] = f"m{index}x{m_index}"
        message["parent_id"] = messages[parent]["id"] if parent is not None else None
        messages.append(message)
    leaf = draw(st.none() | st.sampled_from([m["id"] for m in messages])) if messages else None
    return {**conversation, "id": f"c{index}", "messages": messages, "active_leaf_id": leaf}


@st.composite
def _documents(draw: st.DrawFn) -> dict[str, Any]:
    """Half of them fit the schema everywhere, half have hostile values here and there."""
    count, hostile = draw(st.integers(1, 2)), draw(st.booleans())
    return {
        "format": "llamadesk.conversations",
        "version": 1,
        "conversations": [draw(_conversation(i, hostile)) for i in range(count)],
    }


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
@given(document=_documents())
def test_every_imported_conversation_opens_answers_and_round_trips(
    document: dict[str, Any], tmp_path: Path
) -> None:
    anyio.run(_round_trip, to_json(document), tmp_path)
