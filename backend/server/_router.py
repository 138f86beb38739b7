"""Router mode: one llama-server that loads several models on demand, each in its own process.

LlamaDesk describes every listed model in a presets file (``--models-preset``): one INI section per
model, named after the model (the name answers carry), with its path and its load settings (the
engine's, with the model's own overrides). Command-line arguments outrank a preset, so the router's
own command line carries only what is the same for every model (address, slots, the preset file,
``--models-max``); context size, threads, GPU layers, speculative decoding and extra arguments sit
in the sections. Requests name their model (``model`` in a POST body, ``?model=`` on a GET), the
router starts that model's server when it is not loaded and unloads the least recently used one
past ``--models-max``. ``GET /models`` reports each model's state; ``POST /models/load`` and
``/models/unload`` load and free one. A model server reads its stdin until EOF, so it ends with the
router, however the router ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx

from ..config import EngineSettings
from ..contract import ModelLoadState
from ..errors import ModelError, ServerError, ServerTimeout
from ._speculation import speculation_argv

__all__ = [
    "RouterModel",
    "RouterPlan",
    "RouterSession",
    "ini_options",
    "parse_states",
    "preset_text",
    "router_argv",
]


@dataclass(frozen=True)
class RouterModel:
    """One model the router may load: its catalogue id, the router's name for it, its file, and
    its load settings."""

    id: str
    name: str
    path: Path
    engine: EngineSettings


@dataclass(frozen=True)
class RouterPlan:
    """The models a router launch offers, and the name of the one new messages go to."""

    models: tuple[RouterModel, ...]
    selected: str | None

    def find(self, model_id: str) -> RouterModel | None:
        """The model with catalogue id ``model_id``, if the plan has it."""
        return next((model for model in self.models if model.id == model_id), None)

    def named(self, name: str) -> RouterModel | None:
        """The model the router calls ``name``, if the plan has it."""
        return next((model for model in self.models if model.name == name), None)


def ini_options(args: Sequence[str]) -> list[tuple[str, str]]:
    """Command-line arguments as preset keys: ``--flag value`` → ``flag = value``.

    A flag followed by another flag (or by nothing) is a switch and becomes ``flag = true``;
    ``--flag=value`` is split at the ``=``. A value that does not follow a flag is kept with an
    empty key, which llama-server rejects naming it, so a typo is reported, not dropped.
    """
    options: list[tuple[str, str]] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if not arg.startswith("-") or _is_number(arg):
            options.append(("", arg))
            index += 1
            continue
        key, equals, value = arg.lstrip("-").partition("=")
        if equals:
            options.append((key, value))
            index += 1
            continue
        following = args[index + 1] if index + 1 < len(args) else None
        if following is None or (following.startswith("-") and not _is_number(following)):
            options.append((key, "true"))
            index += 1
        else:
            options.append((key, following))
            index += 2
    return options


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _section(model: RouterModel) -> list[tuple[str, str]]:
    engine = model.engine
    gpu_layers = "all" if engine.gpu_layers == -1 else str(engine.gpu_layers)
    options = [
        ("model", str(model.path)),
        ("ctx-size", str(engine.context_size)),
        ("n-gpu-layers", gpu_layers),
    ]
    if engine.threads:
        options.append(("threads", str(engine.threads)))
    if engine.chat_template_file is not None:
        options.append(("chat-template-file", str(engine.chat_template_file)))
    if engine.mmproj_file is not None:
        options.append(("mmproj", str(engine.mmproj_file)))
    return options + ini_options(speculation_argv(engine)) + ini_options(engine.extra_args)


def preset_text(models: Iterable[RouterModel]) -> str:
    """The presets file for ``models``: one section each, keys as llama-server's long flags."""
    lines: list[str] = []
    for model in models:
        lines.append(f"[{model.name}]")
        lines.extend(f"{key} = {value}" for key, value in _section(model))
        lines.append("")
    return "\n".join(lines)


def router_argv(engine: EngineSettings, *, binary: Path, preset: Path, port: int) -> list[str]:
    """The router's command line: what every model shares, and where the presets are."""
    return [
        str(binary),
        "--models-preset",
        str(preset),
        "--models-max",
        str(engine.models_max),
        "--host",
        engine.host,
        "--port",
        str(port),
        "--parallel",
        str(engine.parallel_slots),
        "--log-colors",
        "off",
    ]


_STATES: Mapping[str, ModelLoadState] = {
    "loaded": "loaded",
    "loading": "loading",
    "unloaded": "unloaded",
}


def parse_states(body: Any) -> dict[str, ModelLoadState]:
    """Each model's state from a ``GET /models`` answer; a failed last load is ``failed``."""
    states: dict[str, ModelLoadState] = {}
    data = body.get("data") if isinstance(body, dict) else None
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        status = entry.get("status")
        status = status if isinstance(status, dict) else {}
        state = _STATES.get(str(status.get("value")), "unloaded")
        if status.get("failed") and state == "unloaded":
            state = "failed"
        states[entry["id"]] = state
    return states


_LOAD_POLL_S = 0.1


class RouterSession:
    """The models of one running router: their states, when each was last used, load/unload.

    One session lives as long as one router process; a new launch starts a new session (every
    model is unloaded then). ``on_change`` is called whenever a model's state changes.
    """

    def __init__(
        self,
        plan: RouterPlan,
        *,
        client: httpx.AsyncClient,
        base_url: str,
        api_key: str,
        on_change: Callable[[], None],
    ) -> None:
        self.plan = plan
        self.selected = plan.selected
        self._client = client
        self._base_url = base_url
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._on_change = on_change
        self._states: dict[str, ModelLoadState] = {}
        self._last_use: dict[str, float] = {}

    @property
    def current(self) -> RouterModel | None:
        """The model new requests go to (``selected``), if the plan has it."""
        return self.plan.named(self.selected) if self.selected is not None else None

    def serves(self, plan: RouterPlan) -> bool:
        """Whether this router was launched with ``plan``'s presets (same models, same settings)."""
        return preset_text(plan.models) == preset_text(self.plan.models)

    def states(self) -> dict[str, ModelLoadState]:
        """Each offered model's state by catalogue id (``unloaded`` before the first poll)."""
        return {model.id: self._states.get(model.name, "unloaded") for model in self.plan.models}

    def touch(self, name: str) -> None:
        """Note that a request is going to ``name`` now (for the idle timeout)."""
        self._last_use[name] = time.monotonic()

    async def poll(self, timeout_s: float) -> None:
        """Read every model's state from ``GET /models``; unreachable leaves them as they were."""
        try:
            response = await self._client.get(
                f"{self._base_url}/models", headers=self._headers, timeout=timeout_s
            )
            response.raise_for_status()
            states = parse_states(response.json())
        except (httpx.HTTPError, ValueError):
            return
        self._update(states)

    def _update(self, states: Mapping[str, ModelLoadState]) -> None:
        changed = False
        for name, state in states.items():
            if self._states.get(name) != state:
                self._states[name] = state
                changed = True
                if state in ("loading", "loaded"):
                    self.touch(name)  # loading for a request counts as using it
        if changed:
            self._on_change()

    async def load(self, name: str, timeout_s: float) -> None:
        """Load ``name`` and wait until it is loaded; ``ModelError`` when it fails to."""
        self.touch(name)
        if not await self._post("/models/load", name, timeout_s, "already running"):
            self._update({name: "loaded"})
            return
        self._update({name: "loading"})
        with anyio.move_on_after(timeout_s):
            while True:
                await anyio.sleep(_LOAD_POLL_S)
                await self.poll(timeout_s)
                state = self._states.get(name)
                if state == "loaded":
                    return
                if state == "failed":  # "unloaded" may still be the state before loading
                    raise ModelError(f"llama-server could not load {self._label(name)}.")
        raise ServerTimeout(
            f"{self._label(name)} did not load within {timeout_s:g} s.",
            detail="A large model may need longer: raise Settings → Engine → start timeout.",
        )

    async def unload(self, name: str, timeout_s: float) -> None:
        """Free ``name``'s memory (its server ends); a model that is not running stays so."""
        await self._post("/models/unload", name, timeout_s, "not running")
        self._last_use.pop(name, None)
        self._update({name: "unloaded"})

    async def tend(self, engine: EngineSettings, note: Callable[[str], None]) -> None:
        """Refresh the models' states and unload each one idle for ``idle_unload_minutes``."""
        await self.poll(engine.health_timeout_s)
        for name in await self.idle_models(engine.idle_unload_minutes, engine.health_timeout_s):
            note(f"unloading {name}: idle for too long")
            try:
                await self.unload(name, engine.health_timeout_s)
            except ServerError as exc:
                note(f"could not unload {name}: {exc.message}")

    async def idle_models(self, minutes: float, timeout_s: float) -> list[str]:
        """Loaded models nobody used for ``minutes`` and whose slots are all idle."""
        if not minutes:
            return []
        now = time.monotonic()
        idle = []
        for name, state in self._states.items():
            if state != "loaded" or now - self._last_use.get(name, now) < minutes * 60:
                continue
            if await self._busy(name, timeout_s):
                self.touch(name)
                continue
            idle.append(name)
        return idle

    async def _busy(self, name: str, timeout_s: float) -> bool:
        try:
            response = await self._client.get(
                f"{self._base_url}/slots",
                params={"model": name},
                headers=self._headers,
                timeout=timeout_s,
            )
            response.raise_for_status()
            return any(slot.get("is_processing") for slot in response.json())
        except (httpx.HTTPError, ValueError, TypeError, AttributeError):
            return True  # cannot tell: keep it

    async def _post(self, path: str, name: str, timeout_s: float, already: str) -> bool:
        """POST ``{"model": name}`` to ``path``; False when the model is ``already`` so."""
        try:
            response = await self._client.post(
                f"{self._base_url}{path}",
                json={"model": name},
                headers=self._headers,
                timeout=timeout_s,
            )
        except httpx.HTTPError as exc:
            raise ServerError(f"llama-server did not answer {path}: {exc}") from exc
        if response.status_code == 400 and already in response.text:
            return False
        if response.is_error:
            raise ServerError(
                f"llama-server refused {path} for {self._label(name)} "
                f"(HTTP {response.status_code}).",
                detail=response.text[:500] or None,
            )
        return True

    def _label(self, name: str) -> str:
        model = self.plan.named(name)
        return model.path.name if model is not None else name
