"""Fixtures for the models tests: small generated GGUF files, a catalogue, the async backend."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gguf import GGUFType, GGUFWriter, Keys, LlamaFileType

from backend.models import ModelCatalogue
from backend.paths import AppPaths

GGUFFactory = Callable[..., Path]
CatalogueFactory = Callable[..., ModelCatalogue]


@dataclass(frozen=True)
class Vocab:
    """A tokenizer for a generated GGUF; the defaults are SmolLM2's header values."""

    tokenizer: str = "gpt2"
    size: int = 49152
    bos: int = 1
    eos: int = 2
    add_bos: bool = False


def write_gguf(
    path: Path,
    *,
    arch: str = "llama",
    context_length: int | None = 2048,
    block_count: int = 2,
    embedding_length: int = 64,
    head_count: int = 4,
    head_count_kv: int = 2,
    file_type: int | None = LlamaFileType.ALL_F32,
    chat_template: str | None = "{{ messages }}",
    extra: dict[str, Any] | None = None,
    tensors: int = 2,
    tensor_shape: tuple[int, int] = (4, 8),
    vocabulary: Vocab | None = None,
) -> Path:
    """Write a small but real GGUF file with llama-like metadata and f32 tensors (and a
    tokenizer when ``vocabulary`` is given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = GGUFWriter(path, arch)
    if context_length is not None:
        writer.add_context_length(context_length)
    writer.add_block_count(block_count)
    writer.add_embedding_length(embedding_length)
    writer.add_head_count(head_count)
    writer.add_head_count_kv(head_count_kv)
    if file_type is not None:
        writer.add_file_type(file_type)
    if chat_template is not None:
        writer.add_chat_template(chat_template)
    if vocabulary is not None:
        writer.add_tokenizer_model(vocabulary.tokenizer)
        writer.add_token_list([f"t{n}" for n in range(vocabulary.size)])
        writer.add_bos_token_id(vocabulary.bos)
        writer.add_eos_token_id(vocabulary.eos)
        writer.add_add_bos_token(vocabulary.add_bos)
    for key, value in (extra or {}).items():
        if isinstance(value, str):
            writer.add_string(key, value)
        else:
            writer.add_uint64(key, value)
    for index in range(tensors):
        writer.add_tensor(f"blk.{index}.weight", np.ones(tensor_shape, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def write_projector(
    path: Path,
    *,
    projection_dim: int | None = 64,
    legacy: bool = False,
    audio: bool = False,
) -> Path:
    """Write a small GGUF shaped like a vision projector (``mmproj``): its header says so, but
    it lacks the encoder's keys and tensors, so llama-server refuses to load it.

    ``legacy`` writes it the way older converters did: ``general.architecture = clip`` and
    ``clip.*`` keys, no ``general.type``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = GGUFWriter(path, "clip")
    if not legacy:
        writer.add_type(GGUFType.MMPROJ)
    writer.add_bool(Keys.Clip.HAS_VISION_ENCODER, True)
    if audio:
        writer.add_bool(Keys.Clip.HAS_AUDIO_ENCODER, True)
    writer.add_string(Keys.Clip.PROJECTOR_TYPE, "mlp")
    if projection_dim is not None:
        writer.add_uint32("clip.vision.projection_dim", projection_dim)
    writer.add_tensor("v.patch_embd.weight", np.ones((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture
def make_gguf() -> GGUFFactory:
    return write_gguf


@pytest.fixture
def make_catalogue(app_paths: AppPaths, default_model: Path) -> CatalogueFactory:
    """A catalogue over the isolated home, the real SmolLM2 as the default model."""

    def factory(extra_dirs: list[Path] | None = None, **options: Any) -> ModelCatalogue:
        options.setdefault("default_model", default_model)
        return ModelCatalogue(app_paths, extra_dirs or [], **options)

    return factory


@dataclass
class FileServer:
    """What the local HTTP server serves, and what it saw; tests change it between requests."""

    content: bytes
    base_url: str = ""
    etag: str = '"v1"'
    drops: list[int] = field(default_factory=list)
    """For each of the next requests: send this many body bytes, then close the connection."""
    status: int | None = None
    gate: threading.Event = field(default_factory=threading.Event)
    gate_at: int | None = None
    """Hold the body after this many bytes until ``gate`` is set."""
    ranges: list[tuple[str | None, str | None]] = field(default_factory=list)

    def url(self, name: str = "model.gguf") -> str:
        return f"{self.base_url}/files/{name}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    spec: FileServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        spec = self.server.spec
        wanted, if_range = self.headers.get("Range"), self.headers.get("If-Range")
        spec.ranges.append((wanted, if_range))
        if spec.status is not None:
            self.send_error(spec.status)
            return
        body, start = spec.content, 0
        if wanted and (if_range is None or if_range == spec.etag):
            start = int(wanted.removeprefix("bytes=").rstrip("-"))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("ETag", spec.etag)
        self.end_headers()
        payload = body[start:]
        if spec.drops:
            payload = payload[: spec.drops.pop(0)]
        self._send(payload, spec)

    def _send(self, payload: bytes, spec: FileServer) -> None:
        step = 16384
        try:
            for offset in range(0, len(payload), step):
                if spec.gate_at is not None and offset >= spec.gate_at:
                    spec.gate.wait(10)
                self.wfile.write(payload[offset : offset + step])
                self.wfile.flush()
        except ConnectionError:
            pass


@pytest.fixture(scope="session")
def model_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A valid GGUF of about 1 MB to download."""
    path = tmp_path_factory.mktemp("served") / "model.gguf"
    return write_gguf(path, tensors=4, tensor_shape=(256, 256)).read_bytes()


@pytest.fixture
def file_server(model_bytes: bytes) -> Iterator[FileServer]:
    """A real HTTP server on 127.0.0.1 with Range, ETag/If-Range and dropped connections."""
    server = _Server(("127.0.0.1", 0), _Handler)
    spec = FileServer(model_bytes, base_url=f"http://127.0.0.1:{server.server_address[1]}")
    server.spec = spec
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield spec
    spec.gate.set()
    server.shutdown()
    server.server_close()
    thread.join(5)
