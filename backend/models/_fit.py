"""Will a model fit in memory? An estimate, shown as a warning, never a refusal.

Loading needs about the file's size (weights are memory-mapped and end up resident) plus the KV
cache: for each layer, a key and a value vector per token of context, f16 by default. With
grouped-query attention a vector has ``n_head_kv * head_dim`` elements, so the cache is
``n_layer * n_ctx * (n_embd_k_gqa + n_embd_v_gqa) * 2`` bytes (the issue's
``2 * n_layer * n_ctx * n_embd_k_gqa * 2`` when keys and values are the same size). Compute
buffers and the OS are not counted, so "tight" starts below 100 %. The memory compared against is
what psutil calls *available* (free plus reclaimable cache), since that is what a load can take
without swapping. The per-token KV size comes from the header (``GGUFHeader.kv_bytes_per_token``).
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.contract import ModelFit

__all__ = ["FitEstimate", "estimate_fit", "format_bytes"]

_TIGHT_SHARE = 0.85


@dataclass(frozen=True)
class FitEstimate:
    """Memory a model needs at one context size against memory available now."""

    fits: bool
    needed_bytes: int
    available_bytes: int
    model_bytes: int
    kv_cache_bytes: int | None
    context_size: int
    warning: str | None

    def info(self) -> ModelFit:
        """The wire form the page shows beside the model."""
        return ModelFit(
            fits=self.fits,
            needed_bytes=self.needed_bytes,
            available_bytes=self.available_bytes,
            context_size=self.context_size,
            warning=self.warning,
        )


def estimate_fit(
    model_bytes: int, per_token: int | None, context_size: int, available_bytes: int
) -> FitEstimate:
    """Compare weights plus KV cache for ``context_size`` tokens with ``available_bytes``."""
    kv = None if per_token is None else per_token * context_size
    needed = model_bytes + (kv or 0)
    fits = needed <= available_bytes
    return FitEstimate(
        fits=fits,
        needed_bytes=needed,
        available_bytes=available_bytes,
        model_bytes=model_bytes,
        kv_cache_bytes=kv,
        context_size=context_size,
        warning=_warning(needed, kv, available_bytes, context_size),
    )


def _warning(needed: int, kv: int | None, available: int, context_size: int) -> str | None:
    parts = f"{format_bytes(needed)}"
    if kv is not None:
        parts += f" (including {format_bytes(kv)} for {context_size} tokens of context)"
    if needed > available:
        return (
            f"Needs about {parts} but only {format_bytes(available)} is free: it may fail to load "
            "or run very slowly. Try a smaller context, a smaller quantisation, or close apps."
        )
    if needed > available * _TIGHT_SHARE:
        return f"Needs about {parts} of the {format_bytes(available)} free; it will be tight."
    if kv is None:
        return "The context's memory could not be estimated (the file lacks the model's shape)."
    return None


def format_bytes(count: int) -> str:
    """``1.5 GB``-style size, decimal units as file managers show them."""
    size = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"
