"""What a chat completion yields: deltas while streaming, one result at the end.

llama-server speaks the OpenAI chat format plus two extensions we keep: ``reasoning_content``
(thinking models, split out by ``--reasoning-format``) and ``timings`` (``cache_n`` tells how much
of the prompt came from the slot's cache). Tool calls stream as fragments keyed by ``index``:
the first fragment carries ``id`` and ``function.name``, later ones append to
``function.arguments``; :class:`ChatAccumulator` merges them. With ``n_probs`` each chunk carries
``logprobs.content``: its tokens, each with its log-probability and the top alternatives', which
:func:`parse_token_probs` turns into probabilities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..contract import PromptProgress, ServerDefaults, Timings, TokenAlternative, TokenProb

__all__ = [
    "ChatAccumulator",
    "ChatDelta",
    "ChatResult",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "parse_server_defaults",
    "parse_timings",
    "parse_token_probs",
    "parse_usage",
]

_RANDOM_SEED = 0xFFFFFFFF
"""llama-server reports "a new random seed per request" as this unsigned value of -1."""


@dataclass(frozen=True)
class ToolCallDelta:
    """A fragment of one tool call; ``index`` says which call it belongs to."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass
class ToolCall:
    """A complete tool call."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Usage:
    """Token counts of one completion."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class ChatDelta:
    """One streamed chunk: new text, reasoning, tool call fragments, and the final metadata."""

    content: str = ""
    reasoning: str = ""
    tool_calls: tuple[ToolCallDelta, ...] = ()
    finish_reason: str | None = None
    usage: Usage | None = None
    timings: Timings | None = None
    model: str | None = None
    progress: PromptProgress | None = None
    """How much of the prompt the server has read (``return_progress``), before the first token."""
    probs: tuple[TokenProb, ...] = ()
    completion_id: str | None = None
    """The server's id of this completion (``chatcmpl-...``), which its control endpoint takes."""


@dataclass(frozen=True)
class ChatResult:
    """A finished completion."""

    content: str
    reasoning: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    usage: Usage | None = None
    timings: Timings | None = None
    model: str | None = None
    probs: tuple[TokenProb, ...] = ()


@dataclass
class ChatAccumulator:
    """Folds :class:`ChatDelta` values into a :class:`ChatResult`."""

    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    tool_calls: dict[int, ToolCall] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: Usage | None = None
    timings: Timings | None = None
    model: str | None = None
    probs: list[TokenProb] = field(default_factory=list)
    completion_id: str | None = None

    def add(self, delta: ChatDelta) -> None:
        """Merge one delta."""
        self.content.append(delta.content)
        self.reasoning.append(delta.reasoning)
        self.probs.extend(delta.probs)
        self.completion_id = delta.completion_id or self.completion_id
        for fragment in delta.tool_calls:
            call = self.tool_calls.setdefault(fragment.index, ToolCall("", "", ""))
            call.id = fragment.id or call.id
            call.name = fragment.name or call.name
            call.arguments += fragment.arguments
        self.finish_reason = delta.finish_reason or self.finish_reason
        self.usage = delta.usage or self.usage
        self.timings = delta.timings or self.timings
        self.model = delta.model or self.model

    def result(self) -> ChatResult:
        """The completion so far."""
        return ChatResult(
            content="".join(self.content),
            reasoning="".join(self.reasoning),
            tool_calls=tuple(self.tool_calls[i] for i in sorted(self.tool_calls)),
            finish_reason=self.finish_reason,
            usage=self.usage,
            timings=self.timings,
            model=self.model,
            probs=tuple(self.probs),
        )


def parse_timings(raw: Any) -> Timings | None:
    """The ``timings`` object of a llama-server response, or None when absent or malformed."""
    if not isinstance(raw, dict):
        return None
    known = {
        name: raw[name] for name in Timings.model_fields if isinstance(raw.get(name), int | float)
    }
    return Timings.model_validate(known)


_SAMPLING_DEFAULTS = (
    "temperature",
    "top_k",
    "top_p",
    "min_p",
    "max_tokens",
    "repeat_penalty",
    "seed",
)


def parse_server_defaults(props: Any) -> ServerDefaults:
    """The sampling defaults in a ``/props`` answer, whether its template takes tools and a
    reasoning effort, and whether the model sees images; a value it lacks stays None.

    Floats come as float32 (0.800000011920929) and are rounded to what was set (0.8).
    """
    settings = props.get("default_generation_settings") if isinstance(props, dict) else None
    params = settings.get("params") if isinstance(settings, dict) else None
    caps = props.get("chat_template_caps") if isinstance(props, dict) else None
    tools = caps.get("supports_tools") if isinstance(caps, dict) else None
    effort = caps.get("supports_reasoning_effort") if isinstance(caps, dict) else None
    modalities = props.get("modalities") if isinstance(props, dict) else None
    sees = modalities.get("vision") if isinstance(modalities, dict) else None
    values: dict[str, float | int | bool | None] = {
        "supports_tools": tools if isinstance(tools, bool) else None,
        "vision": sees if isinstance(sees, bool) else None,
        "supports_reasoning_effort": effort if isinstance(effort, bool) else None,
    }
    if not isinstance(params, dict):
        return ServerDefaults.model_validate(values)
    for name in _SAMPLING_DEFAULTS:
        info = ServerDefaults.model_fields[name]
        raw = params.get("n_predict" if name == "max_tokens" else name)
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            continue
        values[name] = int(raw) if info.annotation == int | None else round(float(raw), 4)
    if values.get("seed") == _RANDOM_SEED:
        values["seed"] = -1
    return ServerDefaults.model_validate(values)


def parse_progress(raw: Any) -> PromptProgress | None:
    """The ``prompt_progress`` object of a chunk, or None when absent or malformed."""
    if not isinstance(raw, dict):
        return None
    values = {name: raw.get(name) for name in PromptProgress.model_fields}
    if not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in values.values()
    ):
        return None
    return PromptProgress(
        total=int(raw["total"]),
        cache=int(raw["cache"]),
        processed=int(raw["processed"]),
        time_ms=float(raw["time_ms"]),
    )


def parse_usage(raw: Any) -> Usage | None:
    """The ``usage`` object of a response, or None."""
    if not isinstance(raw, dict):
        return None
    counts = {
        k: int(v) for k, v in raw.items() if k in Usage.__dataclass_fields__ and isinstance(v, int)
    }
    return Usage(**counts)


def parse_choice_delta(chunk: dict[str, Any], key: str) -> ChatDelta:
    """Turn one chunk (``key`` is ``delta`` when streaming, ``message`` otherwise) into a delta."""
    choices = chunk.get("choices") or [{}]
    choice = choices[0] if isinstance(choices[0], dict) else {}
    body = choice.get(key) or {}
    calls = tuple(
        ToolCallDelta(
            index=int(call.get("index", n)),
            id=call.get("id"),
            name=(call.get("function") or {}).get("name"),
            arguments=(call.get("function") or {}).get("arguments") or "",
        )
        for n, call in enumerate(body.get("tool_calls") or [])
    )
    return ChatDelta(
        content=body.get("content") or "",
        reasoning=body.get("reasoning_content") or "",
        tool_calls=calls,
        finish_reason=choice.get("finish_reason"),
        usage=parse_usage(chunk.get("usage")),
        timings=parse_timings(chunk.get("timings")),
        model=chunk.get("model"),
        progress=parse_progress(chunk.get("prompt_progress")),
        probs=parse_token_probs(choice.get("logprobs")),
        completion_id=chunk["id"] if isinstance(chunk.get("id"), str) else None,
    )


def _probability(logprob: Any) -> float:
    if isinstance(logprob, bool) or not isinstance(logprob, int | float):
        return 0.0
    return min(1.0, max(0.0, math.exp(logprob)))


def parse_token_probs(raw: Any) -> tuple[TokenProb, ...]:
    """The tokens of a chunk's ``logprobs`` (``{"content": [...]}``), with probabilities."""
    entries = raw.get("content") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        return ()
    return tuple(
        TokenProb(
            token=str(entry.get("token", "")),
            prob=_probability(entry.get("logprob")),
            top=[
                TokenAlternative(token=str(t.get("token", "")), prob=_probability(t.get("logprob")))
                for t in entry.get("top_logprobs") or []
                if isinstance(t, dict)
            ],
        )
        for entry in entries
        if isinstance(entry, dict)
    )
