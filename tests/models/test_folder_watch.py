"""The model folder watch: inotify on real folders, a timer only where inotify cannot be used."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import pytest

from backend.errors import InvalidArgument, StorageError
from backend.models import Model, ModelCatalogue, _folder_watch, watch_folders
from backend.paths import AppPaths

from .conftest import CatalogueFactory, GGUFFactory

NEVER_S = 3600.0
"""A poll interval no test waits for: what these tests see came from inotify."""


class Seen:
    """The lists ``on_change`` was called with; ``next()`` waits for the next one."""

    def __init__(self) -> None:
        self.lists: list[list[Model]] = []
        self._changed = anyio.Event()

    def __call__(self, models: list[Model]) -> None:
        self.lists.append(models)
        self._changed.set()

    async def next(self) -> list[str]:
        """The names in the next list; a model that cannot be used shows as ``name!``."""
        with anyio.fail_after(5):
            await self._changed.wait()
        self._changed = anyio.Event()
        return [model.name + ("!" if model.error else "") for model in self.lists[-1]]


Scenario = Callable[[ModelCatalogue, Seen], Awaitable[None]]


async def watching(catalogue: ModelCatalogue, scenario: Scenario, **options: float) -> Seen:
    seen = Seen()
    options = {"settle_s": 0.0, "poll_s": NEVER_S, **options}
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: watch_folders(catalogue, seen, **options))
        await anyio.sleep(0.2)  # the first round's watches are in place
        await scenario(catalogue, seen)
        group.cancel_scope.cancel()
    return seen


@pytest.mark.anyio
async def test_a_new_file_is_seen_without_polling(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    async def scenario(_catalogue: ModelCatalogue, seen: Seen) -> None:
        assert seen.lists == []  # nothing changed, no call
        make_gguf(app_paths.models_dir / "new.gguf")
        assert (await seen.next())[-1] == "new"

    seen = await watching(make_catalogue(), scenario)
    assert len(seen.lists) == 1


@pytest.mark.anyio
async def test_an_idle_watch_does_not_rescan(
    make_catalogue: CatalogueFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = make_catalogue()
    scans: list[None] = []
    real_refresh = catalogue.refresh

    def counted() -> list[Model]:
        scans.append(None)
        return real_refresh()

    monkeypatch.setattr(catalogue, "refresh", counted)

    async def scenario(_catalogue: ModelCatalogue, _seen: Seen) -> None:
        await anyio.sleep(1.0)

    await watching(catalogue, scenario)
    assert len(scans) == 1  # the first round's; none while nothing changed


@pytest.mark.anyio
async def test_files_in_a_folder_made_later_and_removals_are_seen(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    async def scenario(_catalogue: ModelCatalogue, seen: Seen) -> None:
        sub = app_paths.models_dir / "vendor" / "family"
        sub.mkdir(parents=True)
        await anyio.sleep(0.3)  # the round after the new folders watches them
        make_gguf(sub / "deep.gguf")
        assert "deep" in await seen.next()
        (sub / "deep.gguf").unlink()
        assert "deep" not in await seen.next()

    await watching(make_catalogue(), scenario)


@pytest.mark.anyio
async def test_an_extra_folder_that_appears_later_is_watched(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, tmp_path: Path
) -> None:
    later = tmp_path / "usb" / "models"

    async def scenario(_catalogue: ModelCatalogue, seen: Seen) -> None:
        later.mkdir(parents=True)
        await anyio.sleep(0.3)
        make_gguf(later / "travel.gguf")
        assert "travel" in await seen.next()

    await watching(make_catalogue([later]), scenario)


@pytest.mark.anyio
async def test_folders_from_settings_and_linked_files_are_watched(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, tmp_path: Path
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    elsewhere = tmp_path / "elsewhere"
    linked = make_gguf(elsewhere / "linked.gguf")

    async def scenario(catalogue: ModelCatalogue, seen: Seen) -> None:
        catalogue.set_extra_dirs([extra])
        catalogue.link(linked)
        assert "linked" in await seen.next()  # woken: rescanned, the new folders watched
        make_gguf(extra / "added.gguf")
        assert "added" in await seen.next()
        linked.unlink()
        assert "linked!" in await seen.next()  # listed, saying the file is gone

    await watching(make_catalogue(), scenario)


@pytest.mark.anyio
async def test_without_inotify_it_rescans_on_a_timer(
    make_catalogue: CatalogueFactory,
    make_gguf: GGUFFactory,
    app_paths: AppPaths,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def no_inotify() -> None:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(_folder_watch, "Inotify", no_inotify)
    monkeypatch.setattr(_folder_watch, "_said", set())

    async def scenario(_catalogue: ModelCatalogue, seen: Seen) -> None:
        make_gguf(app_paths.models_dir / "new.gguf")
        assert (await seen.next())[-1] == "new"

    await watching(make_catalogue(), scenario, poll_s=0.05)
    said = (
        "Cannot watch the model folders ([Errno 24] Too many open files); rescanning every 0.05 s"
    )
    assert caplog.text.count(said) == 1  # not once a round


@pytest.mark.anyio
async def test_a_failed_rescan_is_retried(
    make_catalogue: CatalogueFactory,
    make_gguf: GGUFFactory,
    app_paths: AppPaths,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    catalogue = make_catalogue()
    real_refresh = catalogue.refresh
    failures = [StorageError("Cannot read models.json: Input/output error.")]

    def flaky_refresh() -> list[Model]:
        if failures:
            raise failures.pop()
        return real_refresh()

    make_gguf(app_paths.models_dir / "new.gguf")
    monkeypatch.setattr(catalogue, "refresh", flaky_refresh)

    async def scenario(_catalogue: ModelCatalogue, seen: Seen) -> None:
        assert (await seen.next())[-1] == "new"  # no change on disk since: the retry found it

    await watching(catalogue, scenario, poll_s=0.05)
    assert "Rescanning the model folders failed: Cannot read models.json" in caplog.text


@pytest.mark.anyio
@pytest.mark.parametrize("options", [{"poll_s": 0.0}, {"settle_s": -1.0}])
async def test_the_watch_needs_sensible_times(
    make_catalogue: CatalogueFactory, options: dict[str, float]
) -> None:
    with pytest.raises(InvalidArgument):
        await watch_folders(make_catalogue(), lambda models: None, **options)
