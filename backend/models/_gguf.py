"""Reading a GGUF file's header: the metadata the model list shows, without touching tensors.

Why not ``gguf.GGUFReader``: it memory-maps the file and turns every element of every metadata
array into numpy views, one Python call per element. The tokenizer's vocabulary and merges are
such arrays (about 100,000 strings for SmolLM2-135M, 400,000 for Llama 3), so opening the smallest
model takes about two seconds. The model list must open fast, so this module walks the header
itself with ``struct`` over an ``mmap`` and the ``gguf`` package's constants (magic, value types,
quantisation block sizes, file types, key names): arrays are stepped over, never decoded, and the
tensor area is never read. The tests check this parser against ``GGUFReader`` on the real model.

The header also tells how long the file must be (the last tensor's offset plus its size), so a
truncated download is caught here, not when llama-server fails to load it. Every failure is a
``ModelError`` whose message a person can act on; nothing here raises anything else.
"""

from __future__ import annotations

import mmap
import struct
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from gguf import (
    GGML_QUANT_SIZES,
    GGUF_DEFAULT_ALIGNMENT,
    GGUF_MAGIC,
    GGMLQuantizationType,
    GGUFValueType,
    LlamaFileType,
)

from backend.errors import ModelError

__all__ = ["ArrayInfo", "GGUFHeader", "MetaValue", "read_header"]

_SCALARS: Final[dict[GGUFValueType, str]] = {
    GGUFValueType.UINT8: "B",
    GGUFValueType.INT8: "b",
    GGUFValueType.UINT16: "H",
    GGUFValueType.INT16: "h",
    GGUFValueType.UINT32: "I",
    GGUFValueType.INT32: "i",
    GGUFValueType.FLOAT32: "f",
    GGUFValueType.BOOL: "?",
    GGUFValueType.UINT64: "Q",
    GGUFValueType.INT64: "q",
    GGUFValueType.FLOAT64: "d",
}
_SUPPORTED_VERSIONS: Final = (2, 3)
_MAX_DIMS: Final = 8
_MAX_STRING: Final = 1 << 26
_F16_BYTES: Final = 2


@dataclass(frozen=True)
class ArrayInfo:
    """A metadata array, stepped over: only its item type and length are kept."""

    item_type: GGUFValueType
    count: int


MetaValue = str | int | float | bool | ArrayInfo


@dataclass(frozen=True)
class GGUFHeader:
    """What one GGUF file's header says."""

    version: int
    metadata: dict[str, MetaValue]
    tensor_count: int
    tensor_elements: int
    tensor_bytes_by_type: dict[str, int]

    def text(self, key: str) -> str | None:
        """A string value, or None when missing or of another type."""
        value = self.metadata.get(key)
        return value if isinstance(value, str) else None

    def integer(self, key: str) -> int | None:
        """An integer value (not a bool), or None when missing or of another type."""
        value = self.metadata.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def architecture(self) -> str | None:
        """``general.architecture``, e.g. ``llama``."""
        return self.text("general.architecture")

    def arch_integer(self, suffix: str) -> int | None:
        """An ``<architecture>.<suffix>`` integer, e.g. ``context_length``."""
        arch = self.architecture
        return None if arch is None else self.integer(f"{arch}.{suffix}")

    @property
    def kv_bytes_per_token(self) -> int | None:
        """f16 KV cache bytes per token of context; None when the header lacks the shape.

        Per layer, ``n_head_kv`` heads each store a key and a value vector; their lengths are
        ``attention.key_length``/``value_length`` when given, else ``n_embd / n_head``.
        """
        n_layer = self.arch_integer("block_count")
        n_embd = self.arch_integer("embedding_length") or 0
        n_head = self.arch_integer("attention.head_count")
        if not n_layer or not n_head:
            return None
        n_head_kv = self.arch_integer("attention.head_count_kv") or n_head
        key = self.arch_integer("attention.key_length") or n_embd // n_head
        value = self.arch_integer("attention.value_length") or n_embd // n_head
        if not key or not value:
            return None
        return n_layer * n_head_kv * (key + value) * _F16_BYTES

    @property
    def quantization(self) -> str | None:
        """The file type's name (``Q4_K_M``), else the type holding most tensor bytes."""
        file_type = self.integer("general.file_type")
        if file_type is not None:
            try:
                name = LlamaFileType(file_type).name
            except ValueError:
                return f"type {file_type}"
            return name.removeprefix("MOSTLY_").removeprefix("ALL_")
        if not self.tensor_bytes_by_type:
            return None
        return Counter(self.tensor_bytes_by_type).most_common(1)[0][0]


class _Truncated(Exception):
    """The header runs past the end of the file."""


class _Invalid(Exception):
    """The header is malformed; the message says how."""


class _Cursor:
    def __init__(self, buffer: mmap.mmap, order: str) -> None:
        self.buffer = buffer
        self.order = order
        self.offset = 0
        self.size = len(buffer)

    def unpack(self, code: str) -> int | float | bool:
        fmt = self.order + code
        end = self.offset + struct.calcsize(fmt)
        if end > self.size:
            raise _Truncated
        (value,) = struct.unpack_from(fmt, self.buffer, self.offset)
        self.offset = end
        result: int | float | bool = value
        return result

    def u32(self) -> int:
        return int(self.unpack("I"))

    def u64(self) -> int:
        return int(self.unpack("Q"))

    def skip(self, count: int) -> None:
        if self.offset + count > self.size:
            raise _Truncated
        self.offset += count

    def string(self) -> str:
        length = self.u64()
        if length > _MAX_STRING:
            raise _Invalid(f"a string of {length} bytes at offset {self.offset}")
        start = self.offset
        self.skip(length)
        return bytes(self.buffer[start : self.offset]).decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        self.skip(self.u64())

    def value_type(self) -> GGUFValueType:
        raw = self.u32()
        try:
            return GGUFValueType(raw)
        except ValueError:
            raise _Invalid(f"unknown value type {raw}") from None

    def value(self, kind: GGUFValueType) -> MetaValue:
        if kind is GGUFValueType.STRING:
            return self.string()
        if kind is GGUFValueType.ARRAY:
            item_type = self.value_type()
            count = self.u64()
            self.skip_items(item_type, count)
            return ArrayInfo(item_type, count)
        return self.unpack(_SCALARS[kind])

    def skip_items(self, kind: GGUFValueType, count: int) -> None:
        if kind in _SCALARS:
            self.skip(count * struct.calcsize(self.order + _SCALARS[kind]))
        elif kind is GGUFValueType.STRING:
            for _ in range(count):
                self.skip_string()
        else:
            for _ in range(count):
                self.value(kind)


def read_header(path: Path) -> GGUFHeader:
    """Parse ``path``'s GGUF header; ``ModelError`` with a reason when it is not a usable GGUF."""
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size
            if size == 0:
                raise ModelError("The file is empty.", detail=str(path))
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buffer:
                return _parse(buffer, path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ModelError(f"The file cannot be read: {reason}.", detail=str(path)) from exc


def _parse(buffer: mmap.mmap, path: Path) -> GGUFHeader:
    head = bytes(buffer[:4])
    if len(head) < 4 or struct.unpack("<I", head)[0] != GGUF_MAGIC:
        raise ModelError(_not_gguf_reason(head + bytes(buffer[4:64])), detail=str(path))
    try:
        return _parse_after_magic(buffer)
    except _Truncated:
        raise ModelError(
            "The file is cut short (truncated); download or copy it again.", detail=str(path)
        ) from None
    except _Invalid as exc:
        raise ModelError(f"The GGUF header is damaged: {exc}.", detail=str(path)) from None


def _not_gguf_reason(head: bytes) -> str:
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype", b"<html", b"<")):
        return (
            "Not a GGUF model: the file is a web page. Download links on Hugging Face must use "
            "/resolve/, not /blob/."
        )
    if head.startswith(b"PK"):
        return "Not a GGUF model: the file is a zip archive; unpack it first."
    return "Not a GGUF model file (it does not start with the GGUF signature)."


def _parse_after_magic(buffer: mmap.mmap) -> GGUFHeader:
    cursor = _Cursor(buffer, "<")
    cursor.skip(4)
    version = cursor.u32()
    if version & 0xFFFF == 0:
        cursor.order = ">"
        version = struct.unpack(">I", struct.pack("<I", version))[0]
    if version not in _SUPPORTED_VERSIONS:
        raise _Invalid(f"GGUF version {version} is not supported (only 2 and 3)")
    tensor_count = cursor.u64()
    kv_count = cursor.u64()
    metadata: dict[str, MetaValue] = {}
    for _ in range(kv_count):
        key = cursor.string()
        metadata[key] = cursor.value(cursor.value_type())
    alignment = metadata.get("general.alignment", GGUF_DEFAULT_ALIGNMENT)
    if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
        raise _Invalid(f"general.alignment {alignment!r} is not a power of two")
    elements, by_type, data_size = _read_tensor_infos(cursor, tensor_count)
    data_start = -(-cursor.offset // alignment) * alignment
    if data_size and data_start + data_size > cursor.size:
        raise _Truncated
    return GGUFHeader(version, metadata, tensor_count, elements, by_type)


def _read_tensor_infos(cursor: _Cursor, count: int) -> tuple[int, dict[str, int], int]:
    """Sum of elements, bytes per tensor type, and the end of the data area (relative)."""
    elements = 0
    by_type: Counter[str] = Counter()
    data_end = 0
    for _ in range(count):
        cursor.skip_string()
        n_dims = cursor.u32()
        if n_dims > _MAX_DIMS:
            raise _Invalid(f"a tensor with {n_dims} dimensions")
        n_elements = 1
        for _ in range(n_dims):
            n_elements *= cursor.u64()
        raw_type = cursor.u32()
        offset = cursor.u64()
        elements += n_elements
        try:
            kind = GGMLQuantizationType(raw_type)
        except ValueError:
            continue
        block, type_size = GGML_QUANT_SIZES[kind]
        n_bytes = n_elements * type_size // block
        by_type[kind.name] += n_bytes
        data_end = max(data_end, offset + n_bytes)
    return elements, dict(by_type), data_end
