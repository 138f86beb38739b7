"""Images made ready for a vision model with Pillow: the four formats, the first frame of an
animation, upright by EXIF, scaled down to the longest side, and readable refusals."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from backend.errors import InvalidArgument
from backend.images import PreparedImage, prepare_image, prepare_image_async


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _decoded(prepared: PreparedImage) -> Image.Image:
    return Image.open(io.BytesIO(prepared.data))


@pytest.mark.parametrize(
    ("fmt", "mode", "mime"),
    [
        ("PNG", "RGBA", "image/png"),
        ("PNG", "RGB", "image/png"),
        ("JPEG", "RGB", "image/jpeg"),
        ("WEBP", "RGB", "image/jpeg"),  # llama-server's loader reads no WebP
        ("WEBP", "RGBA", "image/png"),
        ("GIF", "P", "image/png"),
    ],
)
def test_each_format_is_scaled_to_the_longest_side_and_sent_as_png_or_jpeg(
    fmt: str, mode: str, mime: str
) -> None:
    source = Image.new(mode, (3000, 1500), color=7 if mode == "P" else None)
    prepared = prepare_image(_encode(source, fmt), f"photo.{fmt.lower()}", 1024)

    assert (prepared.mime_type, prepared.source_format) == (mime, fmt)
    assert (prepared.width, prepared.height) == (1024, 512)
    assert (prepared.source_width, prepared.source_height) == (3000, 1500)
    assert prepared.scaled
    decoded = _decoded(prepared)
    assert decoded.size == (1024, 512)
    assert decoded.format == mime.removeprefix("image/").upper()


def test_a_small_image_is_never_scaled_up() -> None:
    prepared = prepare_image(_encode(Image.new("RGB", (200, 300)), "JPEG"), "small.jpg", 1024)
    assert (prepared.width, prepared.height, prepared.scaled) == (200, 300, False)


def test_an_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "lime", "blue")]
    data = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3

    prepared = prepare_image(data, "spinner.gif", 1024)

    assert _decoded(prepared).convert("RGB").getpixel((10, 10)) == (255, 0, 0)


def test_a_phone_photo_is_turned_upright_by_its_exif_orientation() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = _encode(Image.new("RGB", (400, 200)), "JPEG", exif=exif.tobytes())

    prepared = prepare_image(data, "IMG_0001.jpg", 1024)

    assert (prepared.width, prepared.height) == (200, 400)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7 not an image", "is not an image LlamaDesk can read (it takes PNG, JPEG, WEBP"),
        (_encode(Image.new("RGB", (10, 10)), "BMP"), "is not an image LlamaDesk can read"),
        (_encode(Image.new("RGB", (300, 300)), "PNG")[:200], "is a damaged or cut-off image"),
    ],
)
def test_what_cannot_be_read_is_refused_naming_the_file(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        prepare_image(data, "scan.png", 1024)
    assert caught.value.message.startswith("scan.png ")
    assert reason in caught.value.message


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    header_only = _encode(Image.new("1", (12_000, 12_000)), "PNG")
    with pytest.raises(InvalidArgument) as caught:
        prepare_image(header_only, "bomb.png", 1024)
    assert caught.value.message == (
        "bomb.png has more pixels than LlamaDesk opens (89 megapixels)."
    )


@pytest.mark.anyio
async def test_preparing_runs_off_the_event_loop() -> None:
    data = _encode(Image.new("RGB", (2048, 2048)), "PNG")
    prepared = await prepare_image_async(data, "big.png", 512)
    assert (prepared.width, prepared.height) == (512, 512)
