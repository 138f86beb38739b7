"""Attachments against the real llama-server with SmolLM2: token counts, a document answer, and
an image named for a model that cannot see."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import AttachmentChoice, BridgeEvent
from backend.images import blind_note
from backend.llama import LlamaCppAdapter
from tests.attachments.pdfs import text_pdf
from tests.chat.test_real_server import MovingEndpoint
from tests.conftest import RunningServer

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]

FACT = "The secret code word of the expedition is PINEAPPLE."


@pytest.fixture
async def real_chat(
    llama_server: RunningServer, store: ConversationStore, events: list[BridgeEvent]
) -> AsyncIterator[ChatOrchestrator]:
    settings = Settings()
    settings.generation.max_tokens = 24
    settings.generation.temperature = 0
    settings.generation.system_prompt = ""
    async with LlamaCppAdapter(MovingEndpoint(llama_server), timeout=120.0) as adapter:
        slots = SlotManager(adapter, store, slot_dir=llama_server.slot_dir)
        async with ChatOrchestrator(
            store, adapter, events.append, lambda: settings, slots=slots
        ) as chat:
            yield chat


async def test_token_counts_come_from_the_server_per_attachment_and_page_range(
    real_chat: ChatOrchestrator,
) -> None:
    pages = [
        f"Page {n}. " + "Glaciers carve valleys over many thousands of years. " * 12
        for n in range(1, 21)
    ]
    pdf = await real_chat.attachments.add("glaciers.pdf", text_pdf(pages))
    notes = await real_chat.attachments.add("notes.txt", FACT.encode())
    conversation = await real_chat.conversations.create_conversation()
    whole = AttachmentChoice(id=pdf.id, name="glaciers.pdf")
    part = AttachmentChoice(id=pdf.id, name="glaciers.pdf", first_page=1, last_page=2)
    counts = await real_chat.tokens.count(
        conversation.id, "Summarise", [whole, part, AttachmentChoice(id=notes.id, name="n.txt")]
    )
    expected = len(await real_chat.adapter.tokenize("Summarise"))
    assert counts.text_tokens == expected > 0
    assert counts.context_size == 2048  # 4096 over the test server's two slots
    assert counts.context_used == 0
    assert counts.context_left == 2048
    whole_n, part_n, notes_n = (a.tokens for a in counts.attachments)
    assert whole_n > 2048 > part_n, "the whole PDF does not fit; two of its pages do"
    assert part_n < whole_n / 5
    assert 12 < notes_n < 40


async def test_the_model_answers_from_an_attached_document(
    real_chat: ChatOrchestrator, store: ConversationStore
) -> None:
    notes = await real_chat.attachments.add("expedition.txt", FACT.encode())
    conversation = await real_chat.conversations.create_conversation()
    answer = await real_chat.handle_user_message(
        conversation.id,
        "What is the secret code word of the expedition?",
        [AttachmentChoice(id=notes.id, name="expedition.txt")],
    )
    assert answer.status == "complete"
    assert "PINEAPPLE" in answer.content.upper()
    assert answer.timings is not None
    counts = await real_chat.tokens.count(conversation.id, "", [])
    assert counts.context_used > 20, "the document counts as part of the conversation"
    assert answer.timings.prompt_n + answer.timings.cache_n >= 20


async def test_an_image_reaches_a_model_that_cannot_see_as_its_name_and_a_note(
    real_chat: ChatOrchestrator,
) -> None:
    """SmolLM2 has no projector, so its server reports no vision and would refuse an image
    (``tests/images/test_request_shape.py``): the answer completes because the image went as
    its name with a note, which the prompt's token count shows."""
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "orange").save(out, "PNG")
    photo = await real_chat.attachments.add("photo.png", out.getvalue())
    conversation = await real_chat.conversations.create_conversation()
    answer = await real_chat.handle_user_message(
        conversation.id,
        "What is in the picture?",
        [AttachmentChoice(id=photo.id, name="photo.png")],
    )

    assert (answer.status, answer.error) == ("complete", None)
    assert answer.timings is not None
    turn = {"role": "user", "content": f"What is in the picture?\n\n{blind_note(['photo.png'])}"}
    templated = await real_chat.adapter.tokenize([turn])
    assert answer.timings.prompt_n + answer.timings.cache_n == len(templated)
