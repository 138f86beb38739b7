"""Attachments as message parts: stored once by hash, sent labelled, kept, released, exported.

Against the fake server (its requests show the prompt sent) and a real SQLite file with a real
attachments folder beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.attachments import BlobStore
from backend.chat import ChatOrchestrator, ConversationStore, export_json, import_json
from backend.chat._parts import PartStore
from backend.contract import AttachmentChoice, AttachmentRef, BridgeEvent, StreamEndEvent
from backend.errors import AttachmentRefused, ImportFormatError, InvalidArgument, NotFound
from backend.llama import FakeLlamaServer
from tests.attachments.pdfs import text_pdf
from tests.waiting import wait_until_async

pytestmark = pytest.mark.anyio

NOTES = b"Hekla is a volcano in the south of Iceland.\n"


def _choice(
    attachment_id: str, name: str, first: int | None = None, last: int | None = None
) -> AttachmentChoice:
    return AttachmentChoice(id=attachment_id, name=name, first_page=first, last_page=last)


async def _answered(events: list[BridgeEvent], count: int) -> None:
    await wait_until_async(lambda: sum(isinstance(e, StreamEndEvent) for e in events) >= count)


def _files(store: ConversationStore) -> list[Path]:
    assert store.attachment_dir is not None
    return sorted(p for p in store.attachment_dir.rglob("*") if p.is_file())


async def test_a_document_is_sent_labelled_by_name_before_the_text(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    conversation = await chat.conversations.create_conversation()
    notes = await chat.attachments.add("notes.txt", NOTES)
    assert (notes.kind, notes.mime_type, notes.size) == ("document", "text/plain", len(NOTES))
    started = await chat.handle_user_message_stream(
        conversation.id, "Where is Hekla?", [_choice(notes.id, "notes.txt")]
    )
    assert started.user_message is not None
    assert started.user_message.content == "Where is Hekla?"
    assert [a.name for a in started.user_message.attachments] == ["notes.txt"]
    await _answered(events, 1)
    sent = fake.requests[-1]["messages"][-1]
    assert sent["role"] == "user"
    assert sent["content"] == (
        '<document name="notes.txt">\n' + NOTES.decode() + "\n</document>\n\nWhere is Hekla?"
    )


async def test_a_message_may_be_only_attachments_but_not_nothing(
    chat: ChatOrchestrator, events: list[BridgeEvent]
) -> None:
    conversation = await chat.conversations.create_conversation()
    notes = await chat.attachments.add("notes.txt", NOTES)
    await chat.handle_user_message_stream(conversation.id, "", [_choice(notes.id, "notes.txt")])
    await _answered(events, 1)
    with pytest.raises(InvalidArgument, match="cannot be empty"):
        await chat.handle_user_message_stream(conversation.id, "  ")


async def test_the_same_file_in_two_messages_is_stored_once(
    chat: ChatOrchestrator, store: ConversationStore, events: list[BridgeEvent]
) -> None:
    conversation = await chat.conversations.create_conversation()
    first = await chat.attachments.add("notes.txt", NOTES)
    await chat.handle_user_message_stream(conversation.id, "one", [_choice(first.id, "notes.txt")])
    await _answered(events, 1)
    again = await chat.attachments.add("copy of notes.txt", NOTES)
    assert again.id == first.id
    await chat.handle_user_message_stream(
        conversation.id, "two", [_choice(again.id, "copy of notes.txt")]
    )
    await _answered(events, 2)
    assert [p.name for p in _files(store)] == [first.id]
    shown = await chat.conversations.get_conversation(conversation.id)
    users = [m for m in shown.messages if m.role == "user"]
    assert [[a.name for a in m.attachments] for m in users] == [
        ["notes.txt"],
        ["copy of notes.txt"],
    ]


async def test_a_file_goes_with_the_last_message_that_uses_it(
    chat: ChatOrchestrator, store: ConversationStore, events: list[BridgeEvent]
) -> None:
    first_chat = await chat.conversations.create_conversation()
    second_chat = await chat.conversations.create_conversation()
    notes = await chat.attachments.add("notes.txt", NOTES)
    for conversation in (first_chat, second_chat):
        await chat.handle_user_message_stream(
            conversation.id, "read", [_choice(notes.id, "notes.txt")]
        )
        await _answered(events, 1 if conversation is first_chat else 2)
    await chat.conversations.delete_conversation(first_chat.id)
    assert len(_files(store)) == 1
    user = (await chat.conversations.get_conversation(second_chat.id)).messages[0]
    await chat.conversations.delete_message(user.id)
    assert _files(store) == []
    with pytest.raises(NotFound, match="attach the file again"):
        chat.attachments.text(AttachmentRef(id=notes.id))
    assert store.query("SELECT count(*) AS n FROM attachment_orphans")[0]["n"] == 0


async def test_a_file_attached_but_not_sent_yet_outlives_a_delete_of_its_twin(
    chat: ChatOrchestrator, store: ConversationStore, events: list[BridgeEvent]
) -> None:
    conversation = await chat.conversations.create_conversation()
    notes = await chat.attachments.add("notes.txt", NOTES)
    await chat.handle_user_message_stream(conversation.id, "x", [_choice(notes.id, "notes.txt")])
    await _answered(events, 1)
    await chat.attachments.add("notes.txt", NOTES)  # in the form again, not sent
    await chat.conversations.clear_conversation(conversation.id)
    assert len(_files(store)) == 1
    assert chat.attachments.text(AttachmentRef(id=notes.id)).text == NOTES.decode()


async def test_a_crash_between_the_commit_and_the_file_removal_is_finished_at_start(
    chat: ChatOrchestrator, store: ConversationStore, events: list[BridgeEvent]
) -> None:
    conversation = await chat.conversations.create_conversation()
    notes = await chat.attachments.add("notes.txt", NOTES)
    await chat.handle_user_message_stream(conversation.id, "x", [_choice(notes.id, "notes.txt")])
    await _answered(events, 1)
    # The delete commits (the trigger queues the file) and the app dies before removing it:
    await chat.slots.forget(conversation.id)
    store.delete_conversation(conversation.id)
    assert len(_files(store)) == 1
    assert PartStore(store).orphans() == [notes.id]
    # A file written by an upload whose row never came (killed in between):
    assert store.attachment_dir is not None
    stray = store.attachment_dir / "ab" / ("ab" + "0" * 62)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left behind")
    chat.attachments.sweep()
    assert _files(store) == []
    assert PartStore(store).orphans() == []


async def test_unsent_files_are_released_at_start_once_their_hold_has_passed(
    chat: ChatOrchestrator, store: ConversationStore
) -> None:
    notes = await chat.attachments.add("notes.txt", NOTES)
    chat.attachments.sweep()
    assert len(_files(store)) == 1, "a file just attached is kept for the message being written"
    with store.transaction() as db:
        db.execute("UPDATE attachments SET held_until = '2000-01-01T00:00:00.000Z'")
    chat.attachments.sweep()
    assert _files(store) == []
    with pytest.raises(NotFound):
        chat.attachments.text(AttachmentRef(id=notes.id))


async def test_edit_keeps_the_attachments_unless_told_otherwise_and_regenerate_keeps_them(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    conversation = await chat.conversations.create_conversation()
    notes = await chat.attachments.add("notes.txt", NOTES)
    started = await chat.handle_user_message_stream(
        conversation.id, "first", [_choice(notes.id, "notes.txt")]
    )
    await _answered(events, 1)
    assert started.user_message is not None
    regenerated = await chat.regenerate(started.assistant_message.id)
    await _answered(events, 2)
    assert "notes.txt" in fake.requests[-1]["messages"][-1]["content"]
    edited = await chat.edit(started.user_message.id, "second")
    await _answered(events, 3)
    assert edited.user_message is not None
    assert [a.name for a in edited.user_message.attachments] == ["notes.txt"]
    assert fake.requests[-1]["messages"][-1]["content"].endswith("</document>\n\nsecond")
    dropped = await chat.edit(started.user_message.id, "third", [])
    await _answered(events, 4)
    assert dropped.user_message is not None
    assert dropped.user_message.attachments == []
    assert fake.requests[-1]["messages"][-1]["content"] == "third"
    assert regenerated.user_message is None


async def test_a_page_range_sends_only_those_pages_and_says_which(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    conversation = await chat.conversations.create_conversation()
    pages = [f"Page {n} is about topic{n}." for n in range(1, 6)]
    pdf = await chat.attachments.add("topics.pdf", text_pdf(pages))
    assert (pdf.page_count, pdf.mime_type) == (5, "application/pdf")
    started = await chat.handle_user_message_stream(
        conversation.id, "Summarise", [_choice(pdf.id, "topics.pdf", 2, 3)]
    )
    await _answered(events, 1)
    assert started.user_message is not None
    (shown,) = started.user_message.attachments
    assert (shown.first_page, shown.last_page, shown.page_count) == (2, 3, 5)
    sent = fake.requests[-1]["messages"][-1]["content"]
    assert sent.startswith('<document name="topics.pdf" pages="2-3 of 5">\n')
    assert "topic2" in sent
    assert "topic3" in sent
    assert "topic1" not in sent
    assert "topic4" not in sent
    text = chat.attachments.text(AttachmentRef(id=pdf.id, first_page=4, last_page=4))
    assert "topic4" in text.text
    assert "topic5" not in text.text
    with pytest.raises(InvalidArgument, match="has 5 pages; there is no page 9"):
        await chat.handle_user_message_stream(
            conversation.id, "x", [_choice(pdf.id, "topics.pdf", 9, 9)]
        )


async def test_files_over_the_size_limit_or_of_other_types_are_refused(
    chat: ChatOrchestrator,
) -> None:
    chat.settings().attachments.max_file_mb = 0.1
    with pytest.raises(AttachmentRefused, match=r"big\.txt is 0\.2 MB, larger than the 0\.1 MB"):
        await chat.attachments.add("big.txt", b"a" * 200_000)
    with pytest.raises(AttachmentRefused, match=r"tool\.exe cannot be attached: only text"):
        await chat.attachments.add("tool.exe", b"MZ\x90\0\x03\0")
    with pytest.raises(AttachmentRefused, match=r"bad\.txt did not arrive as valid base64"):
        await chat.attachments.add_upload("bad.txt", "not base64!")
    uploaded = await chat.attachments.add_upload("ok.txt", "aGVsbG8=")
    assert uploaded.char_count == 5


async def test_export_carries_the_files_and_import_restores_them(
    chat: ChatOrchestrator, store: ConversationStore, events: list[BridgeEvent], tmp_path: Path
) -> None:
    conversation = await chat.conversations.create_conversation("Iceland")
    notes = await chat.attachments.add("notes.txt", NOTES)
    pdf = await chat.attachments.add("topics.pdf", text_pdf(["one", "two"]))
    await chat.handle_user_message_stream(
        conversation.id,
        "Read these",
        [_choice(notes.id, "notes.txt"), _choice(pdf.id, "topics.pdf", 2, 2)],
    )
    await _answered(events, 1)
    exported = await chat.conversations.export([conversation.id], "json")
    document = json.loads(exported.content)
    assert {f["id"] for f in document["attachments"]} == {notes.id, pdf.id}
    markdown = await chat.conversations.export([conversation.id], "markdown")
    assert "- 📎 notes.txt (text/plain, 44 bytes)" in markdown.content
    assert "- 📎 topics.pdf (application/pdf" in markdown.content
    assert "pages 2-2 of 2" in markdown.content

    with ConversationStore(tmp_path / "other" / "conversations.db") as other:
        assert other.attachment_dir is not None
        blobs = BlobStore(other.attachment_dir)
        (imported,) = import_json(other, exported.content, blobs)
        assert blobs.read(notes.id) == NOTES
        again = json.loads(export_json(other, [imported], blobs))
    (message,) = [m for m in again["conversations"][0]["messages"] if m["role"] == "user"]
    assert message["attachments"] == [
        {"id": notes.id, "name": "notes.txt", "first_page": None, "last_page": None},
        {"id": pdf.id, "name": "topics.pdf", "first_page": 2, "last_page": 2},
    ]
    assert again["attachments"] == document["attachments"]


async def test_an_import_whose_file_does_not_match_its_id_imports_nothing(
    chat: ChatOrchestrator, store: ConversationStore, events: list[BridgeEvent], tmp_path: Path
) -> None:
    conversation = await chat.conversations.create_conversation("x")
    notes = await chat.attachments.add("notes.txt", NOTES)
    await chat.handle_user_message_stream(conversation.id, "x", [_choice(notes.id, "notes.txt")])
    await _answered(events, 1)
    document = json.loads((await chat.conversations.export([conversation.id], "json")).content)
    document["attachments"][0]["data"] = "aGVsbG8="
    with ConversationStore(tmp_path / "other.db") as other:
        with pytest.raises(ImportFormatError, match=r"attachments\.0: the bytes do not match"):
            import_json(other, document)
        assert other.list_conversations() == []
    document["attachments"] = []
    with pytest.raises(ImportFormatError, match="a message names no file"):
        import_json(store, document)
