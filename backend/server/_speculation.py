"""Speculative decoding on llama-server's command line, from a model's load settings.

Two ways to draft, and both may be on at once (llama-server tries the n-gram one first):

* n-gram speculation (``--spec-type ngram-*``) drafts from text already in the context: no
  second model, a large gain when an answer repeats its prompt (code being edited);
* a draft model (``-md FILE --spec-type draft-simple``), a smaller model sharing the vocabulary.

The pinned llama-server removed ``--draft-max``/``--draft-min`` (it refuses them, naming the
replacements), so the two draft sizes go to each method's own flags: the draft model's
``--spec-draft-n-max/-n-min``, ngram-mod's ``--spec-ngram-mod-n-max/-n-min``, and the draft
length (``size-m``) of ngram-simple, ngram-map-k and ngram-map-k4v; ngram-cache has no size.
The settings refuse a size with no flag to take it (``contract.ModelSettings``).
"""

from __future__ import annotations

from typing import Final

from ..config import EngineSettings

__all__ = ["speculation_argv"]

_NGRAM_SIZE_FLAGS: Final[dict[str, tuple[str | None, str | None]]] = {
    "ngram-simple": ("--spec-ngram-simple-size-m", None),
    "ngram-map-k": ("--spec-ngram-map-k-size-m", None),
    "ngram-map-k4v": ("--spec-ngram-map-k4v-size-m", None),
    "ngram-mod": ("--spec-ngram-mod-n-max", "--spec-ngram-mod-n-min"),
    "ngram-cache": (None, None),
}
"""Each n-gram method's flags for the largest and the smallest draft."""

_DRAFT_SIZE_FLAGS: Final = ("--spec-draft-n-max", "--spec-draft-n-min")


def speculation_argv(engine: EngineSettings) -> list[str]:
    """llama-server's speculative decoding arguments for ``engine`` (none when it is off)."""
    types: list[str] = []
    flags: list[tuple[str | None, str | None]] = []
    argv: list[str] = []
    if engine.speculation is not None:
        types.append(engine.speculation)
        flags.append(_NGRAM_SIZE_FLAGS[engine.speculation])
    if engine.draft_model is not None:
        types.append("draft-simple")
        flags.append(_DRAFT_SIZE_FLAGS)
        argv += ["--spec-draft-model", str(engine.draft_model)]
    if not types:
        return []
    argv += ["--spec-type", ",".join(types)]
    for most, fewest in flags:
        if most is not None and engine.draft_max is not None:
            argv += [most, str(engine.draft_max)]
        if fewest is not None and engine.draft_min is not None:
            argv += [fewest, str(engine.draft_min)]
    return argv
