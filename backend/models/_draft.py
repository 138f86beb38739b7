"""Draft models for speculative decoding: which listed model may draft for which.

llama-server drafts with a second model (``-md``) only when the two share a vocabulary: its
``common_speculative_are_compatible`` wants the same tokenizer type, the same BOS and EOS tokens
when they are added, vocabulary sizes within 128 tokens of each other and the same text for
every token; otherwise it exits while loading. The first four are in each GGUF's header, which
the catalogue has read already, so a mismatch is refused when the setting is saved, naming the
field. The token texts are arrays the header reader steps over (see ``_gguf``): a draft that
passes here and still differs is refused by llama-server, and ``backend.server``'s diagnosis
says so in words.

A model may draft for itself (the same file twice: same vocabulary, no speed-up, but it works).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from backend.errors import FieldError, InvalidArgument
from backend.models._gguf import ArrayInfo, GGUFHeader
from backend.models._model import Model

__all__ = ["Vocabulary", "check_draft", "vocabulary_of"]

_MAX_SIZE_DIFFERENCE: Final = 128
"""llama.cpp's ``SPEC_VOCAB_MAX_SIZE_DIFFERENCE``."""

_FIELD: Final = "settings.draft_model_id"


@dataclass(frozen=True)
class Vocabulary:
    """What a GGUF header says about its tokenizer (None: the header does not say)."""

    tokenizer: str | None
    size: int | None
    bos: int | None
    eos: int | None
    add_bos: bool | None
    add_eos: bool | None


def vocabulary_of(header: GGUFHeader) -> Vocabulary:
    """The tokenizer facts of ``header`` that llama-server compares before drafting."""
    tokens = header.metadata.get("tokenizer.ggml.tokens")
    return Vocabulary(
        tokenizer=header.text("tokenizer.ggml.model"),
        size=tokens.count if isinstance(tokens, ArrayInfo) else None,
        bos=header.integer("tokenizer.ggml.bos_token_id"),
        eos=header.integer("tokenizer.ggml.eos_token_id"),
        add_bos=_flag(header, "tokenizer.ggml.add_bos_token"),
        add_eos=_flag(header, "tokenizer.ggml.add_eos_token"),
    )


def _flag(header: GGUFHeader, key: str) -> bool | None:
    value = header.metadata.get(key)
    return value if isinstance(value, bool) else None


def _mismatch(target: Vocabulary, draft: Vocabulary) -> str | None:
    """Why ``draft`` cannot draft for ``target``, or None when the headers agree."""
    if target.tokenizer != draft.tokenizer:
        return (
            f"its tokenizer is {draft.tokenizer or 'unknown'}, not {target.tokenizer or 'unknown'}"
        )
    if _sizes_apart(target.size, draft.size):
        return f"its vocabulary has {draft.size:,} tokens, not {target.size:,}"
    if target.add_bos != draft.add_bos or (target.add_bos and target.bos != draft.bos):
        return "it starts a text with another token"
    if target.add_eos != draft.add_eos or (target.add_eos and target.eos != draft.eos):
        return "it ends a text with another token"
    return None


def _sizes_apart(target: int | None, draft: int | None) -> bool:
    """Whether both sizes are known and differ by more than llama.cpp allows."""
    return target is not None and draft is not None and abs(target - draft) > _MAX_SIZE_DIFFERENCE


def check_draft(models: Iterable[Model], target: Model, draft_id: str) -> Model:
    """The listed model ``draft_id`` if it can draft for ``target``; else ``InvalidArgument``
    naming ``settings.draft_model_id`` and why."""

    def refuse(message: str) -> InvalidArgument:
        return InvalidArgument(message, fields=[FieldError(_FIELD, message)])

    draft = next((model for model in models if model.id == draft_id), None)
    if draft is None:
        raise refuse(f"There is no listed model with id {draft_id!r} to draft with.")
    if draft.error is not None:
        raise refuse(f"{draft.name} cannot be loaded, so it cannot draft: {draft.error}")
    if target.vocabulary is None or draft.vocabulary is None:
        return draft  # a header we could not read in full: llama-server decides
    why = _mismatch(target.vocabulary, draft.vocabulary)
    if why is not None:
        raise refuse(
            f"{draft.name} cannot draft for {target.name}: {why}. A draft model must share the "
            "model's vocabulary (usually a smaller model of the same family)."
        )
    return draft
