"""A model's speculative decoding settings, and LlamaDesk's own sizes for n-gram speculation.

N-gram speculation drafts the tokens that followed the last few tokens earlier in the context
(the prompt included) and the model checks the draft in one batch. On a GPU a batch costs about
one token, so llama-server's defaults draft long (a 12-token lookup, 48- or 64-token drafts). On
a CPU a batch's cost grows with its length, so long drafts that are refused cost more than they
save: ``bench_ngram_speculation`` measured SmolLM2 at 0.85 times its plain speed with them while
it copied a file it was asked to edit, and 1.22-1.39 times with 6-8-token lookups and 8-token
drafts (ngram-mod fastest, also on an answer with little to copy: 1.57 there, where the others
were 1.08). So an empty size means LlamaDesk's size below, not llama-server's; a GPU user may
set longer drafts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ._base import Wire, absent

__all__ = [
    "NGRAM_SIZES",
    "RECOMMENDED_NGRAM",
    "NgramSizes",
    "NgramSpeculation",
    "SpeculationSettings",
]

NgramSpeculation = Literal[
    "ngram-simple", "ngram-map-k", "ngram-map-k4v", "ngram-mod", "ngram-cache"
]
"""The n-gram ``--spec-type`` values of the pinned llama-server: drafts from text already in the
context, with no second model."""


@dataclass(frozen=True)
class NgramSizes:
    """The sizes LlamaDesk gives an n-gram method whose fields are left empty."""

    lookup: int
    """Tokens matched before a draft (``--spec-ngram-*-size-n``, ngram-mod's ``n-match``)."""
    draft_max: int
    draft_min: int | None = None
    """ngram-mod only: a shorter draft is not tried."""


NGRAM_SIZES: Final[dict[str, NgramSizes]] = {
    "ngram-simple": NgramSizes(lookup=6, draft_max=8),
    "ngram-map-k": NgramSizes(lookup=6, draft_max=8),
    "ngram-map-k4v": NgramSizes(lookup=6, draft_max=8),
    "ngram-mod": NgramSizes(lookup=8, draft_max=8, draft_min=2),
}
"""Measured with ``bench_ngram_speculation`` on a CPU (see the module docstring); ngram-cache
has no sizes (a fixed 8 tokens, drafted only from a static lookup cache file)."""

RECOMMENDED_NGRAM: Final = "ngram-mod"
"""The method the settings recommend: the fastest in ``bench_ngram_speculation`` on both tasks,
and it starts over after five drafts mostly refused, so an answer with nothing to copy pays
next to nothing."""

_LIMIT = 256


def _refused(message: str) -> PydanticCustomError:
    """A size that does not apply, worded as the form shows it (no "Value error, ")."""
    return PydanticCustomError("draft_size", message)


class SpeculationSettings(Wire):
    """Speculative decoding in a model's load settings: off when both ways are null."""

    speculation: NgramSpeculation | None = Field(
        default_factory=absent,
        description="N-gram speculative decoding (--spec-type): drafts tokens from text already "
        "in the conversation, no second model needed; null is off. Faster when answers repeat "
        f"it (editing code, rewriting a text); {RECOMMENDED_NGRAM} is recommended.",
        json_schema_extra={
            "ngram_sizes": {
                name: {"lookup": s.lookup, "draft_max": s.draft_max, "draft_min": s.draft_min}
                for name, s in NGRAM_SIZES.items()
            },
            "recommended": RECOMMENDED_NGRAM,
        },
    )
    draft_model_id: str | None = Field(
        default_factory=absent,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="A listed model that drafts tokens for this one (-md); it must share this "
        "model's vocabulary. Null: no draft model.",
    )
    ngram_lookup: int | None = Field(
        default_factory=absent,
        ge=1,
        le=64,
        description="Tokens that must match earlier text before an n-gram draft "
        "(--spec-ngram-*-size-n, ngram-mod's --spec-ngram-mod-n-match); null is LlamaDesk's "
        "size for the method (NGRAM_SIZES).",
    )
    draft_max: int | None = Field(
        default_factory=absent,
        ge=1,
        le=_LIMIT,
        description="Most tokens drafted at a time (--spec-draft-n-max for a draft model, the "
        "n-gram method's own maximum); null is llama-server's default for a draft model, "
        "LlamaDesk's for an n-gram method.",
        validate_default=True,
    )
    draft_min: int | None = Field(
        default_factory=absent,
        ge=0,
        le=_LIMIT,
        description="Fewest tokens a draft must have to be tried (--spec-draft-n-min, or "
        "ngram-mod's minimum); null is llama-server's default for a draft model, LlamaDesk's "
        "for ngram-mod.",
        validate_default=True,
    )

    @field_validator("ngram_lookup")
    @classmethod
    def _lookup_applies(cls, value: int | None, info: ValidationInfo) -> int | None:
        speculation = info.data.get("speculation")
        if value is None or speculation in NGRAM_SIZES:
            return value
        if speculation is None:
            raise _refused("a lookup length needs n-gram speculation")
        raise _refused(f"{speculation} has no lookup length")

    @field_validator("draft_max")
    @classmethod
    def _draft_max_applies(cls, value: int | None, info: ValidationInfo) -> int | None:
        speculation = info.data.get("speculation")
        if value is not None and info.data.get("draft_model_id") is None:
            if speculation is None:
                raise _refused("a draft size needs n-gram speculation or a draft model")
            if speculation not in NGRAM_SIZES:
                raise _refused(f"{speculation} drafts a fixed 8 tokens; its size cannot be set")
        if speculation != "ngram-simple":
            return value
        most = value if value is not None else NGRAM_SIZES[speculation].draft_max
        lookup = info.data.get("ngram_lookup") or NGRAM_SIZES[speculation].lookup
        if most < lookup:
            raise _refused(
                f"ngram-simple drafts nothing when its draft ({most}) is shorter than its "
                f"{lookup}-token lookup; set {lookup} or more, or a shorter lookup"
            )
        return value

    @field_validator("draft_min")
    @classmethod
    def _draft_min_applies(cls, value: int | None, info: ValidationInfo) -> int | None:
        data = info.data
        own = data.get("speculation") == "ngram-mod"
        if value is not None and data.get("draft_model_id") is None and not own:
            raise _refused("a minimum draft size needs a draft model or ngram-mod")
        sizes = NGRAM_SIZES["ngram-mod"]
        fewest = value if value is not None or not own else sizes.draft_min
        most = data.get("draft_max")
        most = most if most is not None or not own else sizes.draft_max
        if fewest is not None and most is not None and fewest > most:
            raise _refused(f"the minimum must not exceed the maximum ({most})")
        return value
