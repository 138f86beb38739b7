"""Vision projectors: the ``mmproj`` GGUF files that let a language model see images.

A vision model on llama.cpp is two files: the language model and its multimodal projector
(``llama-server --mmproj FILE``), which Hugging Face repos ship side by side as
``mmproj-<model>-<quant>.gguf`` (LM Studio and Jan download them into the model's folder). A
projector is recognised by its metadata, not its name: current converters write
``general.type = "mmproj"``, older ones ``general.architecture = "clip"`` and ``clip.*`` keys.
It is never listed as a model of its own.

Pairing: a model loads with the projector its load settings name (``mmproj_file``), else one
found in the model's own folder. In a folder holding several models and projectors, a projector
fits a model only when its output width (``clip.vision.projection_dim``) equals the model's
embedding width (``<arch>.embedding_length``) — llama-server refuses a mismatch — and among those
that fit, the one whose name shares the longest start with the model's (after ``mmproj-``) wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from gguf import GGUFType, Keys

from backend.errors import FieldError, InvalidArgument, ModelError
from backend.models._gguf import GGUFHeader, read_header
from backend.models._model import Model

__all__ = [
    "Projector",
    "as_projector",
    "best_projector",
    "check_projector",
    "is_projector",
    "pair_projectors",
]

_CLIP_PREFIX = "clip."
_PROJECTION_DIM = "clip.vision.projection_dim"
_NAME_NOISE = ("mmproj-", "mmproj_", "mmproj")


@dataclass(frozen=True)
class Projector:
    """One projector file and what its header says it feeds."""

    path: Path
    projection_dim: int | None
    vision: bool
    audio: bool


def is_projector(header: GGUFHeader) -> bool:
    """Whether a GGUF header is a multimodal projector's rather than a model's."""
    if header.text(Keys.General.TYPE) == GGUFType.MMPROJ:
        return True
    return header.architecture == "clip" or any(
        key.startswith(_CLIP_PREFIX) for key in header.metadata
    )


def as_projector(path: Path, header: GGUFHeader) -> Projector:
    """The projector ``header`` (read from ``path``) describes."""
    vision = header.metadata.get(Keys.Clip.HAS_VISION_ENCODER)
    audio = header.metadata.get(Keys.Clip.HAS_AUDIO_ENCODER)
    return Projector(
        path=path,
        projection_dim=header.integer(_PROJECTION_DIM),
        # An old projector without the flag is a vision one (audio came later, with the flag).
        vision=vision is not False,
        audio=audio is True,
    )


def best_projector(
    model_path: Path, embedding_length: int | None, projectors: Iterable[Projector]
) -> Path | None:
    """The projector in ``model_path``'s folder that fits the model best, if any fits."""
    folder = model_path.parent.resolve()
    fitting = [
        projector
        for projector in projectors
        if projector.path.parent.resolve() == folder
        and (
            projector.projection_dim is None
            or embedding_length is None
            or projector.projection_dim == embedding_length
        )
    ]
    if not fitting:
        return None
    stem = _stem(model_path.name)
    best = max(fitting, key=lambda projector: _shared_start(stem, _stem(projector.path.name)))
    return best.path


def pair_projectors(models: Iterable[Model], projectors: Iterable[Projector]) -> list[Model]:
    """``models``, each loadable one (not the built-in SmolLM2) with its best projector."""
    found = list(projectors)
    return [
        model
        if model.is_default or model.error is not None
        else replace(model, projector=best_projector(model.path, model.embedding_length, found))
        for model in models
    ]


def check_projector(path: Path) -> Projector:
    """The projector at ``path``; else ``InvalidArgument`` naming ``settings.mmproj_file``."""

    def refuse(message: str) -> InvalidArgument:
        return InvalidArgument(message, fields=[FieldError("settings.mmproj_file", message)])

    if not path.is_absolute():
        raise refuse(f"Give the full path of the projector file, not {str(path)!r}.")
    if not path.is_file():
        raise refuse(f"There is no file at {path}.")
    try:
        header = read_header(path)
    except ModelError as exc:
        raise refuse(f"{path.name}: {exc.message}") from exc
    if not is_projector(header):
        raise refuse(
            f"{path.name} is a model, not a vision projector (an mmproj GGUF has "
            "general.type = mmproj)."
        )
    return as_projector(path, header)


def _stem(name: str) -> str:
    lowered = name.lower().removesuffix(".gguf")
    for noise in _NAME_NOISE:
        if lowered.startswith(noise):
            return lowered[len(noise) :]
    return lowered


def _shared_start(first: str, second: str) -> int:
    """How many leading characters ``first`` and ``second`` share."""
    pairs = zip(first, second, strict=False)
    return next((n for n, (a, b) in enumerate(pairs) if a != b), min(len(first), len(second)))
