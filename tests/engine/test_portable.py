"""The portable engine's recipe, checked against the pinned llama.cpp source."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from backend.engine import (
    ENGINE_SOURCE,
    PORTABLE_VARIANTS,
    _build,
    _portable,
    engine_key,
    portable_key,
)
from backend.errors import EngineError
from backend.paths import AppPaths

_MEMBER = f"llama_cpp_python-{ENGINE_SOURCE.version}/vendor/llama.cpp/ggml/src/CMakeLists.txt"


@pytest.fixture(scope="module")
def ggml_cmake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ggml's CMakeLists.txt from the pinned sdist in the shared cache (one file extracted)."""
    archive = AppPaths.from_env().engine_cache / "downloads" / ENGINE_SOURCE.filename
    if not archive.exists():
        pytest.fail(f"{archive} is missing; run `python -m backend engine --prepare` first")
    out = tmp_path_factory.mktemp("src")
    with tarfile.open(archive) as tar:
        tar.extract(_MEMBER, out, filter="data")
    return out / _MEMBER


def _source_of(cmake: Path) -> Path:
    return cmake.parents[2]


def test_only_the_four_x86_64_levels_are_kept_and_amx_is_not_one(ggml_cmake: Path) -> None:
    def variants() -> set[str]:
        return {m.group(1) for m in _portable._VARIANT_LINE.finditer(ggml_cmake.read_text())}

    assert {"sapphirerapids", *PORTABLE_VARIANTS} <= variants()
    _portable._keep_variants(_source_of(ggml_cmake))
    kept = variants()
    assert kept == set(PORTABLE_VARIANTS) == {"x64", "sse42", "haswell", "skylakex"}
    _portable._keep_variants(_source_of(ggml_cmake))  # idempotent: a resumed build re-runs it
    assert variants() == kept


def test_a_source_without_an_expected_variant_is_refused(tmp_path: Path) -> None:
    cmake = tmp_path / "ggml" / "src" / "CMakeLists.txt"
    cmake.parent.mkdir(parents=True)
    cmake.write_text("ggml_add_cpu_backend_variant(x64)\n")
    with pytest.raises(EngineError, match="lacks CPU variants") as caught:
        _portable._keep_variants(tmp_path)
    assert "haswell" in (caught.value.detail or "")


def test_the_portable_key_follows_the_recipe_not_this_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    key = portable_key()
    assert "portable" in key
    assert key != engine_key()
    monkeypatch.setattr(_build, "compiler_flags", lambda: ("-mno-avx512f",))
    assert portable_key() == key  # the native flags and this CPU do not matter
    monkeypatch.setattr(_portable, "PORTABLE_VARIANTS", ("x64", "haswell", "zen4"))
    assert portable_key() != key
