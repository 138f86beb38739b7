"""Images as parts of a message: stored like documents, sent as ``image_url`` data URIs scaled to
``attachments.image_max_side`` when the server reports vision, named with a note when it does
not, shown to the page scaled down, refused readably when they cannot be decoded, exported.

Against the fake server, which reports ``modalities.vision`` and refuses an image without a
projector as the real llama-server does (no vision GGUF small enough for tests is in the
registries); a real SQLite file with a real attachments folder beside it.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pydantic import ValidationError

from backend.attachments import BlobStore
from backend.chat import AttachmentService, ChatOrchestrator, ConversationStore, import_json
from backend.config import AttachmentSettings
from backend.contract import AttachmentChoice, BridgeEvent, StreamEndEvent, StreamErrorEvent
from backend.errors import AttachmentRefused, InvalidArgument, NotFound
from backend.llama import FakeLlamaServer
from tests.waiting import wait_until_async

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake(tmp_path: Path) -> FakeLlamaServer:
    """A fake llama-server loaded with a projector (``/props`` says it sees)."""
    slot_dir = tmp_path / "slots"
    slot_dir.mkdir()
    return FakeLlamaServer(slot_dir=slot_dir, vision=True)


def _encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (1200, 600), colour) for colour in ("red", "lime", "blue")]
    return _encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80)


def _sent_images(fake: FakeLlamaServer) -> list[tuple[str, Image.Image]]:
    """The images of the last request's last user turn: MIME type and decoded picture."""
    content = fake.requests[-1]["messages"][-1]["content"]
    assert isinstance(content, list), content
    found: list[tuple[str, Image.Image]] = []
    for part in content:
        if part["type"] == "image_url":
            head, data = part["image_url"]["url"].split(",", 1)
            found.append((head, Image.open(io.BytesIO(base64.b64decode(data)))))
    return found


async def _answered(events: list[BridgeEvent], count: int) -> StreamEndEvent | StreamErrorEvent:
    ends = (StreamEndEvent, StreamErrorEvent)
    await wait_until_async(lambda: sum(isinstance(e, ends) for e in events) >= count)
    return [e for e in events if isinstance(e, ends)][-1]


async def _send(
    chat: ChatOrchestrator, conversation_id: str, text: str, files: dict[str, bytes]
) -> list[AttachmentChoice]:
    choices = []
    for name, data in files.items():
        attachment = await chat.attachments.add(name, data)
        assert (attachment.kind, attachment.size, attachment.char_count) == ("image", len(data), 0)
        choices.append(AttachmentChoice(id=attachment.id, name=name))
    await chat.handle_user_message_stream(conversation_id, text, choices)
    return choices


async def test_each_format_goes_to_a_seeing_model_as_a_data_uri_scaled_to_the_setting(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    chat.settings().attachments.image_max_side = 600
    files = {
        "photo.png": _encoded(Image.new("RGBA", (1600, 1200), "teal"), "PNG"),
        "photo.jpg": _encoded(Image.new("RGB", (900, 1800), "navy"), "JPEG"),
        "photo.webp": _encoded(Image.new("RGB", (3000, 1000), "olive"), "WEBP"),
        "spinner.gif": _animated_gif(),
    }
    conversation = await chat.conversations.create_conversation()
    await _send(chat, conversation.id, "What are these?", files)
    end = await _answered(events, 1)

    assert isinstance(end, StreamEndEvent), end
    content = fake.requests[-1]["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "What are these?"}
    sent = _sent_images(fake)
    assert [head for head, _ in sent] == [
        "data:image/png;base64",
        "data:image/jpeg;base64",
        "data:image/jpeg;base64",  # llama-server reads no WebP
        "data:image/png;base64",
    ]
    assert [image.size for _, image in sent] == [(600, 450), (300, 600), (600, 200), (600, 300)]
    assert sent[3][1].convert("RGB").getpixel((5, 5)) == (255, 0, 0), "the GIF's first frame"


async def test_earlier_images_go_again_with_the_next_message_and_follow_the_setting(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    conversation = await chat.conversations.create_conversation()
    picture = _encoded(Image.new("RGB", (2000, 1000), "white"), "PNG")
    await _send(chat, conversation.id, "Look", {"chart.png": picture})
    await _answered(events, 1)
    assert [image.size for _, image in _sent_images(fake)] == [(1024, 512)], "the default"

    chat.settings().attachments.image_max_side = 256
    await chat.handle_user_message_stream(conversation.id, "And now?")
    await _answered(events, 2)

    first_turn = fake.requests[-1]["messages"][0]
    assert first_turn["role"] == "user"
    assert first_turn["content"][0] == {"type": "text", "text": "Look"}
    url = first_turn["content"][1]["image_url"]["url"]
    assert Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).size == (256, 128)
    assert fake.requests[-1]["messages"][-1] == {"role": "user", "content": "And now?"}


async def test_a_model_that_cannot_see_gets_the_names_and_a_note_and_answers(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    fake.vision = False
    conversation = await chat.conversations.create_conversation()
    await _send(
        chat,
        conversation.id,
        "Describe them",
        {"cat.png": _encoded(Image.new("RGB", (10, 10)), "PNG")},
    )
    end = await _answered(events, 1)

    assert isinstance(end, StreamEndEvent), "not refused: no image was sent"
    assert fake.requests[-1]["messages"][-1]["content"] == (
        "Describe them\n\n[Image attached: cat.png; not shown to this model, which cannot see "
        "images]"
    )


async def test_images_that_cannot_be_decoded_or_are_too_large_are_refused_when_attached(
    chat: ChatOrchestrator,
) -> None:
    cut = _encoded(Image.new("RGB", (300, 300), "red"), "PNG")[:300]
    with pytest.raises(AttachmentRefused) as caught:
        await chat.attachments.add("cut.png", cut)
    assert caught.value.message.startswith("cut.png is a damaged or cut-off image")
    bomb = _encoded(Image.new("1", (12_000, 12_000)), "PNG")
    with pytest.raises(AttachmentRefused) as caught:
        await chat.attachments.add("bomb.png", bomb)
    assert caught.value.message == "bomb.png has more pixels than LlamaDesk opens (89 megapixels)."
    chat.settings().attachments.max_file_mb = 0.1
    big = _encoded(Image.effect_noise((400, 400), 80).convert("RGB"), "PNG")
    with pytest.raises(AttachmentRefused, match=r"^noise\.png is 0\.\d MB, larger than the 0\.1"):
        await chat.attachments.add("noise.png", big)
    with pytest.raises(ValidationError, match="image_max_side"):
        AttachmentSettings(image_max_side=10)


async def test_the_page_gets_an_image_scaled_down_and_typed_errors_otherwise(
    chat: ChatOrchestrator,
) -> None:
    stored = await chat.attachments.add(
        "wide.webp", _encoded(Image.new("RGB", (1000, 400)), "WEBP")
    )
    thumbnail = await chat.attachments.image(stored.id, 100)
    assert (thumbnail.width, thumbnail.height) == (100, 40)
    assert (thumbnail.source_width, thumbnail.source_height) == (1000, 400)
    assert thumbnail.mime_type == "image/jpeg"
    decoded = Image.open(io.BytesIO(base64.b64decode(thumbnail.data)))
    assert decoded.size == (100, 40)

    notes = await chat.attachments.add("notes.txt", b"not a picture")
    with pytest.raises(InvalidArgument, match=r"^notes\.txt is not an image\.$"):
        await chat.attachments.image(notes.id, 100)
    with pytest.raises(NotFound, match="is not stored"):
        await chat.attachments.image("0" * 64, 100)


async def test_export_carries_the_images_and_an_import_shows_and_sends_them(
    chat: ChatOrchestrator, events: list[BridgeEvent], tmp_path: Path
) -> None:
    conversation = await chat.conversations.create_conversation("Pictures")
    picture = _encoded(Image.new("RGB", (64, 32), "purple"), "JPEG")
    (choice,) = await _send(chat, conversation.id, "See", {"holiday.jpg": picture})
    await _answered(events, 1)
    exported = await chat.conversations.export([conversation.id], "json")
    document = json.loads(exported.content)
    (file,) = document["attachments"]
    assert (file["id"], file["kind"], file["mime_type"]) == (choice.id, "image", "image/jpeg")
    markdown = await chat.conversations.export([conversation.id], "markdown")
    assert "- 📎 holiday.jpg (image/jpeg" in markdown.content

    with ConversationStore(tmp_path / "other" / "conversations.db") as other:
        assert other.attachment_dir is not None
        blobs = BlobStore(other.attachment_dir)
        import_json(other, exported.content, blobs)
        assert blobs.read(choice.id) == picture
        service = AttachmentService(other, blobs, AttachmentSettings)
        shown = await service.image(choice.id, 16)
        assert (shown.width, shown.height, shown.source_width) == (16, 8, 64)
