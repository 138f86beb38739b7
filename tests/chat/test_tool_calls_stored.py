"""Tool calls as stored data: kept with their message, exported, imported, shown in Markdown,
and left consistent by a crash."""

from __future__ import annotations

import json
from pathlib import Path

from backend.chat import ConversationStore, export_json, export_markdown, import_json
from backend.contract import MessageStatus, ToolCallInfo

DONE = ToolCallInfo(
    id="c1",
    name="add",
    arguments='{"a": 2, "b": 3}',
    server_id="s",
    server_name="Sums",
    tool="add",
    state="done",
    result="5",
    duration_ms=3.5,
)


def _round(
    store: ConversationStore, *calls: ToolCallInfo, status: MessageStatus = "complete"
) -> list[str]:
    conversation = store.create_conversation("Sums")
    user = store.add_message(conversation.id, None, "user", "What is 2 + 3?")
    called = store.add_message(conversation.id, user.id, "assistant", status=status)
    store.update_message(called.id, tool_calls=calls)
    answer = store.add_message(conversation.id, called.id, "assistant", "It is 5.")
    return [conversation.id, called.id, answer.id]


def test_calls_are_kept_with_their_message(tmp_path: Path) -> None:
    with ConversationStore(tmp_path / "c.db") as store:
        _, called, _ = _round(store, DONE)
    with ConversationStore(tmp_path / "c.db") as store:
        assert store.get_message(called).tool_calls == (DONE,)
        assert store.get_message(called).to_contract([called]).tool_calls == [DONE]


def test_export_and_import_keep_the_calls(tmp_path: Path) -> None:
    with ConversationStore(tmp_path / "c.db") as store:
        conversation_id, _, _ = _round(store, DONE)
        document = export_json(store, [conversation_id])
        exported = json.loads(document)["conversations"][0]["messages"][1]["tool_calls"]
        assert exported == [DONE.model_dump()]
        (copy,) = import_json(store, document)
        messages = store.messages(copy)
        assert [m.tool_calls for m in messages] == [(), (DONE,), ()]


def test_an_imported_streaming_message_has_its_unfinished_calls_cancelled(tmp_path: Path) -> None:
    waiting = DONE.model_copy(update={"state": "awaiting_approval", "result": None})
    with ConversationStore(tmp_path / "c.db") as store:
        conversation_id, _, _ = _round(store, waiting, DONE.model_copy(update={"id": "c2"}))
        document = json.loads(export_json(store, [conversation_id]))
        document["conversations"][0]["messages"][1]["status"] = "streaming"
        (copy,) = import_json(store, document)
        calls = store.messages(copy)[1].tool_calls
        assert [(c.state, c.result) for c in calls] == [
            ("cancelled", "Not run: the answer was cut short before it ran."),
            ("done", "5"),
        ]


def test_markdown_shows_each_call_with_its_arguments_and_result(tmp_path: Path) -> None:
    with ConversationStore(tmp_path / "c.db") as store:
        conversation_id, _, _ = _round(store, DONE)
        branch = store.messages(conversation_id)
        text = export_markdown(store, {conversation_id: branch})
    assert "<details><summary>Tool call: add on Sums (done)</summary>" in text
    assert '```json\n{"a": 2, "b": 3}\n```\n\n5\n' in text
    assert text.index("Tool call: add") < text.index("It is 5.")


def test_opening_after_a_crash_cancels_calls_left_unfinished(tmp_path: Path) -> None:
    running = DONE.model_copy(update={"state": "running", "result": None})
    pending = DONE.model_copy(update={"id": "c2", "state": "pending", "result": None})
    with ConversationStore(tmp_path / "c.db") as store:
        _, called, _ = _round(
            store, DONE.model_copy(update={"id": "c0"}), running, pending, status="streaming"
        )
    with ConversationStore(tmp_path / "c.db") as store:
        assert store.recovered == 1
        message = store.get_message(called)
        assert message.status == "cancelled"
        assert [(c.id, c.state) for c in message.tool_calls] == [
            ("c0", "done"),
            ("c1", "cancelled"),
            ("c2", "cancelled"),
        ]
        assert all(c.is_error for c in message.tool_calls[1:])
