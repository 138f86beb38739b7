"""The GGUF header reader: checked against gguf's own reader, and on broken files."""

from __future__ import annotations

import struct
import time
import zipfile
from pathlib import Path

import pytest
from gguf import GGUFReader, GGUFValueType

from backend.errors import ModelError
from backend.models._gguf import ArrayInfo, read_header

from .conftest import GGUFFactory


def test_matches_gguf_reader_on_the_real_model(default_model: Path) -> None:
    header = read_header(default_model)
    reference = GGUFReader(default_model)

    for key, value in reference.fields.items():
        if key.startswith("GGUF."):
            continue
        if value.types[0] is GGUFValueType.ARRAY:
            assert header.metadata[key] == ArrayInfo(value.types[1], len(value.data))
        else:
            assert header.metadata[key] == pytest.approx(value.contents()), key
    assert len(header.metadata) == len(reference.fields) - 3
    assert header.tensor_count == len(reference.tensors)
    assert header.tensor_elements == sum(tensor.n_elements for tensor in reference.tensors)


def test_real_model_facts(default_model: Path) -> None:
    header = read_header(default_model)
    assert header.architecture == "llama"
    assert header.quantization == "Q4_1"
    assert header.arch_integer("context_length") == 8192
    # 30 layers, 3 KV heads, head size 576 / 9 = 64 for keys and values, f16.
    assert header.kv_bytes_per_token == 30 * 3 * (64 + 64) * 2


def test_reads_the_header_without_decoding_arrays(default_model: Path) -> None:
    started = time.perf_counter()
    read_header(default_model)
    assert time.perf_counter() - started < 0.5


def test_quantization_falls_back_to_the_dominant_tensor_type(
    tmp_path: Path, make_gguf: GGUFFactory
) -> None:
    assert read_header(make_gguf(tmp_path / "a.gguf", file_type=None)).quantization == "F32"
    assert read_header(make_gguf(tmp_path / "b.gguf", file_type=999)).quantization == "type 999"


def test_missing_shape_means_unknown_kv_size(tmp_path: Path, make_gguf: GGUFFactory) -> None:
    header = read_header(make_gguf(tmp_path / "a.gguf", head_count=0))
    assert header.kv_bytes_per_token is None


def _reason(path: Path) -> str:
    with pytest.raises(ModelError) as caught:
        read_header(path)
    assert caught.value.detail is not None
    return caught.value.message


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.gguf").touch()
    assert _reason(tmp_path / "empty.gguf") == "The file is empty."


def test_not_a_gguf(tmp_path: Path) -> None:
    (tmp_path / "x.gguf").write_bytes(b"\x00" * 100)
    assert "does not start with the GGUF signature" in _reason(tmp_path / "x.gguf")


def test_a_web_page_saved_as_gguf(tmp_path: Path) -> None:
    (tmp_path / "x.gguf").write_text("<!DOCTYPE html><html><body>Hugging Face</body></html>")
    assert "/resolve/, not /blob/" in _reason(tmp_path / "x.gguf")


def test_a_zip_archive(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "x.gguf", "w") as archive:
        archive.writestr("model.gguf", b"GGUF")
    assert "zip archive" in _reason(tmp_path / "x.gguf")


@pytest.mark.parametrize("keep", [3, 24, 100, -1])
def test_truncated_anywhere(tmp_path: Path, make_gguf: GGUFFactory, keep: int) -> None:
    path = make_gguf(tmp_path / "x.gguf")
    data = path.read_bytes()
    path.write_bytes(data[:keep])
    reason = _reason(path)
    assert "truncated" in reason or "signature" in reason
    if keep > 4:
        assert "truncated" in reason


def test_unsupported_version(tmp_path: Path) -> None:
    (tmp_path / "x.gguf").write_bytes(b"GGUF" + struct.pack("<IQQ", 1, 0, 0))
    assert _reason(tmp_path / "x.gguf").endswith("GGUF version 1 is not supported (only 2 and 3).")


def test_unknown_value_type(tmp_path: Path) -> None:
    key = b"general.thing"
    body = struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", len(key)) + key + struct.pack("<I", 99)
    (tmp_path / "x.gguf").write_bytes(b"GGUF" + body)
    assert _reason(tmp_path / "x.gguf") == "The GGUF header is damaged: unknown value type 99."


def test_big_endian_file(tmp_path: Path) -> None:
    key = b"general.architecture"
    value = b"llama"
    body = (
        struct.pack(">IQQ", 3, 0, 1)
        + struct.pack(">Q", len(key))
        + key
        + struct.pack(">IQ", GGUFValueType.STRING, len(value))
        + value
    )
    (tmp_path / "x.gguf").write_bytes(b"GGUF" + body)
    assert read_header(tmp_path / "x.gguf").architecture == "llama"


def test_unreadable_path(tmp_path: Path) -> None:
    folder = tmp_path / "folder.gguf"
    folder.mkdir()
    assert _reason(folder).startswith("The file cannot be read: ")
