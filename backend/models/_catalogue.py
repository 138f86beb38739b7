"""The model catalogue: every GGUF the app can load, where it came from, and what it is.

Sources, in precedence order when one file is reachable several ways: the embedded SmolLM2
(``source="default"``), the models folders (the home's own plus the extra folders from
settings, ``"folder"``), and files linked in place (``"linked"``, Ollama#7254: run a GGUF where it
lies, no copy). Linked paths and folder models the user removed without deleting are kept in
``models.json`` in the data folder; per-model load settings in ``model-settings.json``.

A model's id is a short hash of its resolved path (part 1 for a split model), so it stays the
same across restarts and rescans, and two paths to one file are one model. A file that cannot
be used (not a GGUF, truncated, empty, unreadable, a missing split part, a vanished linked
file) is still listed, with ``error`` saying why, so the user sees it and can act; listing never
raises for one bad file.

Headers are read once per file version: the cache key is (path, size, mtime_ns), so a rescan of
an unchanged folder only stats files. ``refresh`` may run in a worker thread (the watcher does)
while commands run elsewhere; one lock guards the state.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psutil
from pydantic import ValidationError

from backend.config import EngineSettings
from backend.contract import ModelInfo
from backend.engine import default_model_path
from backend.errors import FieldError, InvalidArgument, ModelError, NotFound
from backend.models._draft import check_draft, vocabulary_of
from backend.models._files import (
    FileGroup,
    delete_files,
    find_gguf_files,
    group_files,
    split_siblings,
)
from backend.models._fit import FitEstimate, estimate_fit
from backend.models._gguf import GGUFHeader, read_header
from backend.models._jsonfile import JsonFile
from backend.models._model import Model, ModelSource, model_id
from backend.models._projector import (
    Projector,
    as_projector,
    check_projector,
    is_projector,
    pair_projectors,
)
from backend.models._settings import ModelLoadSettings
from backend.paths import AppPaths
from backend.wakeup import Wakeup

__all__ = ["ModelCatalogue", "ModelsCallback"]

_log = logging.getLogger(__name__)

ModelsCallback = Callable[[list["Model"]], None]
_CacheKey = tuple[str, int, int]


@dataclass
class _State:
    models: list[Model] = field(default_factory=list)
    headers: dict[_CacheKey, GGUFHeader | ModelError] = field(default_factory=dict)


class ModelCatalogue:
    """Lists, links, removes and describes models; keeps per-model load settings."""

    def __init__(
        self,
        paths: AppPaths,
        extra_dirs: Sequence[Path] = (),
        *,
        default_model: Path | None = None,
        available_memory: Callable[[], int] | None = None,
    ) -> None:
        self._paths = paths
        self._extra_dirs = list(extra_dirs)
        self._default = default_model or default_model_path(paths.model_cache)
        self._available_memory = available_memory or _available_memory
        self._registry = JsonFile(paths.data_dir / "models.json")
        self._settings = JsonFile(paths.data_dir / "model-settings.json")
        self._lock = threading.RLock()
        self._state = _State()
        self.rewatch = Wakeup()
        """Set when the folders to watch changed (settings, a link, a removal)."""
        self.refresh()

    @property
    def folders(self) -> list[Path]:
        """The folders scanned: the home's models folder first, then the extra ones."""
        return [self._paths.models_dir, *self._extra_dirs]

    @property
    def warnings(self) -> list[str]:
        """Problems met with the catalogue's own files (a broken one set aside)."""
        return [*self._registry.warnings, *self._settings.warnings]

    def set_extra_dirs(self, extra_dirs: Sequence[Path]) -> list[Model]:
        """Scan a new list of extra folders (after a settings change) and return the models."""
        with self._lock:
            self._extra_dirs = list(extra_dirs)
            models = self.refresh()
        self.rewatch.set()
        return models

    def models(self) -> list[Model]:
        """The models as of the last scan."""
        with self._lock:
            return list(self._state.models)

    def get(self, model_id: str) -> Model:
        """One model by id; ``NotFound`` when it is not listed."""
        for model in self.models():
            if model.id == model_id:
                return model
        raise NotFound(f"No model with id {model_id!r}; refresh the model list.")

    def refresh(self) -> list[Model]:
        """Rescan every source and return the models."""
        with self._lock:
            registry = self._registry.read()
            hidden = set(_strings(registry.get("hidden")))
            candidates = self._candidates(_strings(registry.get("linked")))
            headers: dict[_CacheKey, GGUFHeader | ModelError] = {}
            models: list[Model] = []
            projectors: dict[Path, Projector] = {}
            seen: set[str] = set()
            for group, source in candidates:
                ident = model_id(group.primary)
                if ident in seen or str(group.primary.resolve()) in hidden:
                    continue
                seen.add(ident)
                _, head = self._header(group.primary, headers)
                if not _note_projector(projectors, group.primary, head):
                    models.append(self._describe(ident, group, source, headers))
            for path in _beside_linked(models):
                _note_projector(projectors, path, self._header(path, headers)[1])
            models = pair_projectors(models, projectors.values())
            self._state = _State(models, headers)
            return list(models)

    def link(self, path: Path) -> Model:
        """List a GGUF file where it lies (no copy) and return it; links persist."""
        target = path.expanduser()
        if not target.is_absolute():
            raise InvalidArgument(f"Give the full path of the model file, not {str(path)!r}.")
        if not target.is_file():
            raise NotFound(f"There is no file at {target}.")
        if not target.name.lower().endswith(".gguf"):
            raise InvalidArgument(f"{target.name} is not a .gguf file.")
        read_header(target)
        resolved = str(target.resolve())
        with self._lock:
            registry = self._registry.read()
            linked = _strings(registry.get("linked"))
            hidden = _strings(registry.get("hidden"))
            registry["hidden"] = [entry for entry in hidden if entry != resolved]
            if not self._in_folders(target) and resolved not in linked:
                registry["linked"] = [*linked, resolved]
            self._registry.write(registry)
            self.refresh()
            model = self.get(model_id(target))
        self.rewatch.set()  # its folder is watched from now on
        return model

    def remove(self, model_id: str, *, delete_file: bool) -> list[Model]:
        """Take a model off the list, deleting its file(s) only when ``delete_file`` is true."""
        with self._lock:
            model = self.get(model_id)
            if model.is_default:
                raise InvalidArgument("The built-in model cannot be removed.")
            if delete_file:
                delete_files(model.files)
            registry = self._registry.read()
            resolved = str(model.path.resolve())
            registry["linked"] = [p for p in _strings(registry.get("linked")) if p != resolved]
            if model.source == "folder" and not delete_file:
                registry["hidden"] = sorted({*_strings(registry.get("hidden")), resolved})
            self._registry.write(registry)
            settings = self._settings.read()
            if _section(settings).pop(model_id, None) is not None:
                self._settings.write(settings)
            models = self.refresh()
        self.rewatch.set()
        return models

    def selected(self, engine: EngineSettings) -> Model | None:
        """The model ``engine.model`` names (the built-in one when unset), if it is listed."""
        wanted = self._default if engine.model is None else engine.model.expanduser()
        ident = model_id(wanted)
        return next((model for model in self.models() if model.id == ident), None)

    def infos(self, engine: EngineSettings) -> list[ModelInfo]:
        """The models as the page lists them: which one is selected, and whether each fits.

        A model's fit is estimated at the context size it would load with (its own setting,
        else the engine's); a model that cannot load at all has none.
        """
        chosen = self.selected(engine)
        available = self._available_memory()
        infos = []
        for model in self.models():
            fit = None
            settings = self.stored_settings(model.id)
            if model.error is None:
                context = settings.context_size or engine.context_size
                fit = estimate_fit(model.size_bytes, model.kv_bytes_per_token, context, available)
            selected = chosen is not None and model.id == chosen.id
            projector = model.projector_with(settings)
            infos.append(model.info(selected=selected, fit=fit, projector=projector))
        return infos

    def load_settings(self, model_id: str) -> ModelLoadSettings:
        """A model's load settings (all unset when never saved)."""
        self.get(model_id)
        return self.stored_settings(model_id)

    def stored_settings(self, model_id: str) -> ModelLoadSettings:
        """The load settings saved for ``model_id`` (all unset when none), listed or not."""
        stored = _section(self._settings.read()).get(model_id, {})
        try:
            return ModelLoadSettings.model_validate(stored)
        except ValidationError:
            return ModelLoadSettings()

    def save_settings(self, model_id: str, values: Mapping[str, Any]) -> ModelLoadSettings:
        """Validate and store a model's load settings; ``InvalidArgument`` lists bad fields."""
        self.get(model_id)
        try:
            settings = ModelLoadSettings.model_validate(dict(values))
        except ValidationError as exc:
            fields = [
                FieldError(".".join(str(part) for part in error["loc"]), error["msg"])
                for error in exc.errors()
            ]
            raise InvalidArgument("Some load settings are not valid.", fields=fields) from None
        if settings.mmproj_file is not None:
            check_projector(Path(settings.mmproj_file).expanduser())
        if settings.draft_model_id is not None:
            check_draft(self.models(), self.get(model_id), settings.draft_model_id)
        with self._lock:
            document = self._settings.read()
            models = _section(document)
            stored = settings.model_dump(exclude_none=True)
            if stored:
                models[model_id] = stored
            else:
                models.pop(model_id, None)
            self._settings.write(document)
        return settings

    def fit(self, model_id: str, context_size: int) -> FitEstimate:
        """Estimate whether the model plus a ``context_size`` KV cache fits in free memory."""
        if context_size < 1:
            raise InvalidArgument("The context size must be at least 1 token.")
        model = self.get(model_id)
        available = self._available_memory()
        return estimate_fit(model.size_bytes, model.kv_bytes_per_token, context_size, available)

    def watched_folders(self) -> tuple[list[Path], list[Path]]:
        """What ``watch_folders`` watches: the folders scanned, with all below them, and the
        folders of the linked files and of the default model, alone."""
        with self._lock:
            linked = _strings(self._registry.read().get("linked"))
        flat = sorted({Path(entry).parent for entry in linked} | {self._default.parent})
        return self.folders, flat

    def _in_folders(self, path: Path) -> bool:
        resolved = path.resolve()
        return any(resolved.is_relative_to(folder.resolve()) for folder in self.folders)

    def _candidates(self, linked: Iterable[str]) -> list[tuple[FileGroup, ModelSource]]:
        found: list[tuple[FileGroup, ModelSource]] = [
            (
                FileGroup(self._default.name[: -len(".gguf")], self._default, (self._default,)),
                "default",
            )
        ]
        for folder in self.folders:
            found += [(group, "folder") for group in group_files(find_gguf_files(folder))]
        for entry in linked:
            found += [(group, "linked") for group in group_files(split_siblings(Path(entry)))]
        return found

    def _describe(
        self,
        ident: str,
        group: FileGroup,
        source: ModelSource,
        headers: dict[_CacheKey, GGUFHeader | ModelError],
    ) -> Model:
        results = [self._header(part, headers) for part in group.parts]
        error = group.missing_reason
        for number, (_, outcome) in enumerate(results, start=1):
            if isinstance(outcome, ModelError) and error is None:
                prefix = f"Part {number} of {group.part_count}: " if group.part_count > 1 else ""
                error = prefix + outcome.message
        size = sum(found_size for found_size, _ in results)
        base = Model(ident, group.name, group.primary, group.parts, size, source, error=error)
        parsed = [outcome for _, outcome in results if isinstance(outcome, GGUFHeader)]
        if 1 in group.missing or isinstance(results[0][1], ModelError):
            return base
        return _with_metadata(base, parsed, complete=error is None)

    def _header(
        self, path: Path, headers: dict[_CacheKey, GGUFHeader | ModelError]
    ) -> tuple[int, GGUFHeader | ModelError]:
        try:
            stat = path.stat()
        except FileNotFoundError as exc:
            return 0, ModelError("The file no longer exists.", detail=str(exc))
        except OSError as exc:
            return 0, ModelError(f"The file cannot be read: {exc.strerror}.", detail=str(exc))
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        cached = self._state.headers.get(key) or headers.get(key)
        if cached is None:
            try:
                cached = read_header(path)
            except ModelError as exc:
                cached = exc
        headers[key] = cached
        return stat.st_size, cached


def _with_metadata(model: Model, parsed: list[GGUFHeader], *, complete: bool) -> Model:
    first = parsed[0]
    parameters = first.integer("general.parameter_count")
    if parameters is None and complete:
        parameters = sum(header.tensor_elements for header in parsed)
    return replace(
        model,
        architecture=first.architecture,
        parameters=parameters,
        quantization=first.quantization,
        context_length=first.arch_integer("context_length"),
        embedding_length=first.arch_integer("embedding_length"),
        has_chat_template="tokenizer.chat_template" in first.metadata,
        kv_bytes_per_token=first.kv_bytes_per_token,
        vocabulary=vocabulary_of(first),
    )


def _note_projector(
    projectors: dict[Path, Projector], path: Path, head: GGUFHeader | ModelError
) -> bool:
    """Keep ``path`` among ``projectors`` if its header is a projector's; whether it was."""
    if isinstance(head, GGUFHeader) and is_projector(head):
        projectors.setdefault(path, as_projector(path, head))
        return True
    return False


def _beside_linked(models: Iterable[Model]) -> list[Path]:
    """The GGUF files in linked models' folders, which are not scanned, for their projectors."""
    folders = sorted({model.path.parent for model in models if model.source == "linked"})
    return [path for folder in folders for path in find_gguf_files(folder, recursive=False)]


def _section(document: dict[str, Any]) -> dict[str, Any]:
    """The settings document's ``models`` object, replacing a hand-broken one."""
    models = document.get("models")
    if not isinstance(models, dict):
        models = document["models"] = {}
    return models


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _available_memory() -> int:
    try:
        return int(psutil.virtual_memory().available)
    except (OSError, psutil.Error) as exc:
        raise ModelError("Cannot tell how much memory is free.", detail=str(exc)) from exc
