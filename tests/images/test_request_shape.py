"""A user turn with images as llama-server takes it: the OpenAI content array with ``image_url``
data URIs, checked against the fake server (no vision GGUF small enough for the tests is in the
registries), and, for a model that cannot see, the file names with a note instead, because the
real server refuses images without a projector, as the fake does."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image

from backend.errors import LlamaDeskError
from backend.images import NamedImage, blind_note, prepare_image, user_content
from backend.llama import FakeLlamaServer, LlamaCppAdapter, parse_server_defaults


def _photo(name: str, size: tuple[int, int], fmt: str = "PNG") -> NamedImage:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, fmt)
    return NamedImage(name, prepare_image(out.getvalue(), name, 768))


def test_a_seeing_model_gets_the_text_then_each_image_as_a_data_uri() -> None:
    images = [_photo("cat.png", (1600, 1200)), _photo("receipt.webp", (600, 900), "WEBP")]

    content = user_content("What is in these?", images, vision=True)

    assert isinstance(content, list)
    assert content[0] == {"type": "text", "text": "What is in these?"}
    assert [part["type"] for part in content[1:]] == ["image_url", "image_url"]
    first, second = (part["image_url"]["url"] for part in content[1:])
    assert first.startswith("data:image/png;base64,")
    assert second.startswith("data:image/jpeg;base64,")
    decoded = Image.open(io.BytesIO(base64.b64decode(first.split(",", 1)[1])))
    assert decoded.size == (768, 576), "scaled down before it is sent"
    assert user_content("", images[:1], vision=True) == content[1:2]
    assert user_content("plain", [], vision=True) == "plain"


def test_a_blind_model_gets_the_file_names_and_a_note() -> None:
    images = [_photo("cat.png", (10, 10)), _photo("dog.jpg", (10, 10), "JPEG")]

    assert user_content("Describe them", images, vision=False) == (
        "Describe them\n\n[Images attached: cat.png, dog.jpg; not shown to this model, "
        "which cannot see images]"
    )
    assert user_content("", images[:1], vision=False) == blind_note(["cat.png"])
    assert blind_note(["cat.png"]).startswith("[Image attached: cat.png;")


@pytest.mark.anyio
async def test_the_fake_server_takes_images_only_when_it_has_a_projector() -> None:
    images = [_photo("cat.png", (1600, 1200))]
    turn: dict[str, Any] = {"role": "user", "content": user_content("Hi", images, vision=True)}
    seeing, blind = FakeLlamaServer(vision=True), FakeLlamaServer()

    async with LlamaCppAdapter(seeing, transport=seeing.transport) as adapter:
        assert parse_server_defaults(await adapter.props()).vision is True
        await adapter.chat([turn])
    async with LlamaCppAdapter(blind, transport=blind.transport) as adapter:
        assert parse_server_defaults(await adapter.props()).vision is False
        with pytest.raises(LlamaDeskError) as caught:
            await adapter.chat([turn])

    assert seeing.requests[0]["messages"] == [turn], "sent as built, nothing rewritten"
    assert "image input is not supported" in caught.value.message
    assert FakeLlamaServer.prompt_tokens([turn]) == ["<user>", "Hi", "<image>"]


@pytest.mark.anyio
@pytest.mark.real_server
async def test_the_real_server_without_a_projector_refuses_an_image_like_the_fake(
    real_adapter: LlamaCppAdapter,
) -> None:
    turn = {"role": "user", "content": user_content("Hi", [_photo("a.png", (8, 8))], vision=True)}

    assert parse_server_defaults(await real_adapter.props()).vision is False
    with pytest.raises(LlamaDeskError) as caught:
        await real_adapter.chat([turn], params={"max_tokens": 2})

    assert "image input is not supported" in caught.value.message
    blind = {"role": "user", "content": user_content("Hi", [_photo("a.png", (8, 8))], vision=False)}
    answer = await real_adapter.chat([blind], params={"max_tokens": 2})
    assert answer.finish_reason in ("length", "stop")
