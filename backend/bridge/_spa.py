"""The built SPA for browser mode, read into memory once and served from there.

Browser mode's HTTP server runs on the app's one event loop, which at start-up is busy launching
llama-server, exactly when a page asks for its ~20 scripts and styles at once. Starlette's
``StaticFiles`` stats and reads each file in a worker thread per request and streams it in
64 KB chunks, one more hop through the loop each; the whole build (a few MB) is read here once
when the server is made, so each request is a dictionary look-up and one send.

The content-hashed bundles (``/_app/immutable/``, named by their content) are cacheable for a
year, immutable, the way SvelteKit's own server serves them: a page opened again takes them from
the browser's cache (and V8's code cache). Everything else (``index.html``, ``bootstrap.js``) is
``no-cache`` and revalidated by its ``ETag``, so a new build is seen once browser mode restarts.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

__all__ = ["SpaAssets"]

IMMUTABLE_PREFIX: Final = "/_app/immutable/"
_IMMUTABLE: Final = "public, max-age=31536000, immutable"
_REVALIDATE: Final = "no-cache"


@dataclass(frozen=True, slots=True)
class _Asset:
    body: bytes
    media_type: str
    etag: str
    cache_control: str


def _media_type(path: Path) -> str:
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def _asset(path: Path, url: str) -> _Asset:
    body = path.read_bytes()
    return _Asset(
        body=body,
        media_type=_media_type(path),
        etag=f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"',
        cache_control=_IMMUTABLE if url.startswith(IMMUTABLE_PREFIX) else _REVALIDATE,
    )


class SpaAssets:
    """An ASGI app answering ``GET``/``HEAD`` for every file of ``directory`` from memory.

    ``/`` is ``index.html``; any other path not in the build is a 404 and any other method a
    405 (raised as Starlette's ``HTTPException``, so the app's handlers answer them).
    """

    def __init__(self, directory: Path) -> None:
        self._assets: dict[str, _Asset] = {}
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                url = "/" + path.relative_to(directory).as_posix()
                self._assets[url] = _asset(path, url)
        if "/index.html" in self._assets:
            self._assets["/"] = self._assets["/index.html"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request for a file of the build."""
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            raise HTTPException(405)
        asset = self._assets.get(scope["path"])
        if asset is None:
            raise HTTPException(404)
        headers = {"ETag": asset.etag, "Cache-Control": asset.cache_control}
        if Headers(scope=scope).get("if-none-match") == asset.etag:
            response = Response(status_code=304, headers=headers)
        else:
            body = b"" if method == "HEAD" else asset.body
            response = Response(body, media_type=asset.media_type, headers=headers)
            if method == "HEAD":
                response.headers["Content-Length"] = str(len(asset.body))
        await response(scope, receive, send)
