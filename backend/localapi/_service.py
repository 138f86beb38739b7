"""The local API as a service: its key, its state, and keeping it as the settings say.

``LocalApi.run`` follows ``local_api.enabled`` and ``local_api.port`` live: switched on, the
server binds and starts (``starting`` → ``running``); switched off or moved to another port, it
stops gracefully first. A port that cannot be had leaves it ``failed`` with the reason until the
settings change again. Each change of state reaches the page through ``changed`` (the
``local_api_status`` event). It sleeps until the settings change (``settings_changed``): no
timer runs while nothing changes.

The key is generated on first use (``ldk-`` and 32 random bytes, URL-safe) and kept with the
app's secrets (the OS keyring, else a 0600 file), never in the settings file; regenerating it
refuses the old one from the next request on.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import anyio
from starlette.types import ASGIApp

from ..config import LOCAL_API_HOST, LocalApiSettings
from ..contract import LOCAL_PROVIDER_ID, LocalApiState, LocalApiStatus
from ..errors import LlamaDeskError
from ..secrets import SecretStore
from ..wakeup import Wakeup
from ._listen import bind, serve
from ._route import ChatRoute

__all__ = ["KEY_NAME", "LocalApi"]

log = logging.getLogger(__name__)

KEY_NAME = "local_api/key"
"""The key's name in the secret store."""


def _new_key() -> str:
    return f"ldk-{secrets.token_urlsafe(32)}"


class LocalApi:
    """The OpenAI-compatible server for other apps: on or off as the settings say."""

    def __init__(
        self,
        route: ChatRoute,
        keys: SecretStore,
        settings: Callable[[], LocalApiSettings],
        changed: Callable[[LocalApiStatus], None],
    ) -> None:
        from ._app import create_api_app  # noqa: PLC0415 - starlette's routing only when made

        self._route = route
        self._keys = keys
        self._settings = settings
        self._changed = changed
        self._key = keys.get(KEY_NAME) or self._store_new_key()
        self._state: LocalApiState = "off"
        self._port = settings().port
        self._error: str | None = None
        self._wake = Wakeup()
        self.app: ASGIApp = create_api_app(route, lambda: self._key, lambda: self._port)

    def _store_new_key(self) -> str:
        key = _new_key()
        self._keys.set(KEY_NAME, key)
        return key

    @property
    def key(self) -> str:
        """The key requests must send as ``Authorization: Bearer``."""
        return self._key

    def status(self) -> LocalApiStatus:
        """The state, the URL while running, the key and where it is kept, the model served."""
        running = self._state == "running"
        models = [m.id for m in self._route.models() if m.provider_id == LOCAL_PROVIDER_ID]
        return LocalApiStatus(
            state=self._state,
            port=self._port if self._state != "off" else self._settings().port,
            url=f"http://{LOCAL_API_HOST}:{self._port}/v1" if running else None,
            api_key=self._key,
            key_store=self._keys.where,
            model=models[0] if models else None,
            error=self._error,
        )

    def regenerate_key(self) -> LocalApiStatus:
        """A new key, stored; the old one is refused from now on."""
        self._key = self._store_new_key()
        status = self.status()
        self._changed(status)
        return status

    def settings_changed(self) -> None:
        """The settings were saved (on any thread): look at them now."""
        self._wake.set()

    def _set(self, state: LocalApiState, error: str | None = None) -> None:
        self._state, self._error = state, error
        self._changed(self.status())

    async def run(self) -> None:
        """Keep the server as the settings say until cancelled (then it stops gracefully)."""
        self._wake.bind()
        async with anyio.create_task_group() as tasks:
            running: tuple[int, anyio.CancelScope] | None = None
            while True:
                wanted = self._settings()
                port = wanted.port if wanted.enabled else None
                if running is not None and running[0] != port:
                    running[1].cancel()
                    await self._until_off()
                    running = None
                    if self._state == "failed":
                        self._set("off")
                if port is not None and running is None:
                    scope = anyio.CancelScope()
                    tasks.start_soon(self._serve, port, scope)
                    running = (port, scope)
                await self._wake.wait()

    async def _until_off(self) -> None:
        while self._state not in ("off", "failed"):  # noqa: ASYNC110 - a state, set by _serve
            await anyio.sleep(0.01)

    async def _serve(self, port: int, scope: anyio.CancelScope) -> None:
        self._port = port
        self._set("starting")
        try:
            sock = bind(port)
        except LlamaDeskError as exc:
            log.warning("The local API did not start: %s", exc.message)
            self._set("failed", exc.message)
            return
        with scope:
            try:
                await serve(self.app, sock, lambda: self._set("running"))
            except Exception as exc:
                log.exception("The local API stopped unexpectedly")
                self._set("failed", f"The local API stopped: {exc}")
                return
        if self._state == "running" or scope.cancel_called:
            self._set("off")
        else:
            self._set("failed", f"The local API did not start on port {port}.")
