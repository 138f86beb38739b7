"""Speculative decoding on llama-server's command line, from a model's load settings.

Two ways to draft, and both may be on at once (llama-server tries the n-gram one first):

* n-gram speculation (``--spec-type ngram-*``) drafts from text already in the context: no
  second model, a large gain when an answer repeats its prompt (code being edited);
* a draft model (``-md FILE --spec-type draft-simple``), a smaller model sharing the vocabulary.

The pinned llama-server removed ``--draft-max``/``--draft-min`` (it refuses them, naming the
replacements), so the sizes go to each method's own flags: the draft model's
``--spec-draft-n-max/-n-min``; ngram-simple's, ngram-map-k's and ngram-map-k4v's lookup and draft
length (``size-n``, ``size-m``); ngram-mod's ``n-match``, ``n-max`` and ``n-min``; ngram-cache
has none. An n-gram method always gets its sizes: the model's, else LlamaDesk's
(``contract.NGRAM_SIZES``, tuned for a CPU), never llama-server's long defaults. The settings
refuse a size with no flag to take it (``contract.ModelSettings``).
"""

from __future__ import annotations

from typing import Final

from ..config import EngineSettings
from ..contract import NGRAM_SIZES

__all__ = ["speculation_argv"]

_NGRAM_FLAGS: Final[dict[str, tuple[str, str, str | None]]] = {
    "ngram-simple": ("--spec-ngram-simple-size-n", "--spec-ngram-simple-size-m", None),
    "ngram-map-k": ("--spec-ngram-map-k-size-n", "--spec-ngram-map-k-size-m", None),
    "ngram-map-k4v": ("--spec-ngram-map-k4v-size-n", "--spec-ngram-map-k4v-size-m", None),
    "ngram-mod": ("--spec-ngram-mod-n-match", "--spec-ngram-mod-n-max", "--spec-ngram-mod-n-min"),
}
"""Each sized n-gram method's flags: its lookup, its largest and its smallest draft."""


def _ngram_argv(engine: EngineSettings, method: str) -> list[str]:
    """The sizes of n-gram method ``method``: the model's, else LlamaDesk's."""
    if method not in NGRAM_SIZES:
        return []
    sizes = NGRAM_SIZES[method]
    lookup, most, fewest = _NGRAM_FLAGS[method]
    argv = [lookup, str(engine.ngram_lookup or sizes.lookup)]
    argv += [most, str(engine.draft_max or sizes.draft_max)]
    if fewest is not None:
        smallest = engine.draft_min if engine.draft_min is not None else sizes.draft_min
        argv += [fewest, str(smallest)]
    return argv


def _draft_model_argv(engine: EngineSettings) -> list[str]:
    """A draft model's sizes, where the model sets them (else llama-server's defaults)."""
    argv: list[str] = []
    if engine.draft_max is not None:
        argv += ["--spec-draft-n-max", str(engine.draft_max)]
    if engine.draft_min is not None:
        argv += ["--spec-draft-n-min", str(engine.draft_min)]
    return argv


def speculation_argv(engine: EngineSettings) -> list[str]:
    """llama-server's speculative decoding arguments for ``engine`` (none when it is off)."""
    types: list[str] = []
    argv: list[str] = []
    sizes: list[str] = []
    if engine.speculation is not None:
        types.append(engine.speculation)
        sizes += _ngram_argv(engine, engine.speculation)
    if engine.draft_model is not None:
        types.append("draft-simple")
        argv += ["--spec-draft-model", str(engine.draft_model)]
        sizes += _draft_model_argv(engine)
    if not types:
        return []
    return [*argv, "--spec-type", ",".join(types), *sizes]
