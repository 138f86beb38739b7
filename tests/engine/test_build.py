"""The engine build's compiler flags, checked against the real compiler."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from backend.engine import _build, _portable
from backend.engine._build import compiler_flags, engine_key


def _predefined_macros(*flags: str) -> str:
    compiler = shutil.which("g++")
    assert compiler, "g++ is needed to build llama-server: sudo apt-get install -y g++"
    command = [compiler, "-x", "c++", *flags, "-dM", "-E", "-"]
    return subprocess.run(command, input="", capture_output=True, text=True, check=True).stdout


def test_native_builds_leave_amx_out() -> None:
    # ggml compiles its AMX kernels when -march=native defines __AMX_INT8__; a VM that reports AMX
    # without supporting it then dies with SIGILL at the first matrix multiply.
    macros = _predefined_macros(*compiler_flags(), "-march=native")
    assert "__AMX_INT8__" not in macros
    assert "__AMX_TILE__" not in macros
    assert "__AVX2__" in macros or "__aarch64__" in macros  # still tuned for this CPU


def test_the_cache_key_changes_with_the_build_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    # A binary built with other flags (say, with AMX) must not be reused: it is rebuilt.
    before = engine_key()
    monkeypatch.setattr(_build, "compiler_flags", lambda: ("-mno-avx512f",))
    assert engine_key() != before
    assert engine_key().rsplit("-", 1)[0] == before.rsplit("-", 1)[0]  # same version and machine


def test_the_cache_key_changes_with_the_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    # An engine built before the RPC worker was one of its targets is not reused: it lacks it.
    before = engine_key()
    monkeypatch.setattr(_build, "ENGINE_TARGETS", (_build.BINARY_NAME,))
    assert engine_key() != before


def test_both_recipes_compile_rpc_in() -> None:
    assert "-DGGML_RPC=ON" in _build._cmake_flags()
    assert "-DGGML_RPC=ON" in _portable._CMAKE_FLAGS
    assert _build.ENGINE_TARGETS == ("llama-server", "ggml-rpc-server")
