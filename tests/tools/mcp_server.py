"""A real MCP server for the tests, written with the SDK's ``MCPServer`` (FastMCP in mcp 1.x).

``python tests/tools/mcp_server.py MODE [PORT]``:

- ``stdio``: the tools below over stdio;
- ``http PORT``: the same over Streamable HTTP on 127.0.0.1:PORT (path ``/mcp``), refusing
  requests without ``Authorization: Bearer $TEST_TOKEN`` when that variable is set;
- ``fail``: writes a reason to stderr and exits with code 3 before any handshake;
- ``banner``: writes two lines that are not MCP on stdout, then serves like ``stdio``;
- ``stubborn``: serves like ``stdio`` but ignores SIGTERM and stays after its stdin ends;
- ``hang``: reads stdin and never answers (a handshake that never ends).

Tools: ``add(a, b)``, ``echo_env(name)`` (a variable of its environment), ``big(megabytes)``
(that much text), ``crash()`` (exits with code 7 in the middle of the call),
``sleep(seconds)``, ``log(text)`` (to stderr), ``noop()`` (answers "ok" at once), ``garbage()``
(writes a line that is not JSON to its stdout, which the SDK diverts from the MCP channel).
(The SDK points a tool's stdout at stderr, so a stray ``print`` in a tool is harmless; a banner
before the server starts is not, hence ``banner``.)
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

from mcp.server.mcpserver import MCPServer

app = MCPServer("test-tools")


@app.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@app.tool()
def echo_env(name: str) -> str:
    """The value of an environment variable of the server (empty when unset)."""
    return os.environ.get(name, "")


@app.tool()
def big(megabytes: int) -> str:
    """A text of that many megabytes."""
    return "x" * (megabytes * 1024 * 1024)


@app.tool()
def crash() -> str:
    """Exit with code 7 while the call runs."""
    sys.stderr.write("crashing on purpose\n")
    sys.stderr.flush()
    os._exit(7)


@app.tool()
def sleep(seconds: float) -> str:
    """Answer after ``seconds``."""
    time.sleep(seconds)
    return "slept"


@app.tool()
def log(text: str) -> str:
    """Write ``text`` to stderr."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
    return "logged"


@app.tool()
def noop() -> str:
    """Do nothing and answer "ok"."""
    return "ok"


@app.tool()
def garbage() -> str:
    """Write a line that is not JSON to fd 1 (the SDK keeps the channel elsewhere), then answer."""
    os.write(1, b"{this is not json\n")
    return "answered after garbage"


def _guarded(inner: Any) -> Any:
    """Refuse HTTP requests without ``Authorization: Bearer $TEST_TOKEN`` when it is set."""
    token = os.environ.get("TEST_TOKEN")

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers", []))
        if (
            scope["type"] == "http"
            and token
            and headers.get(b"authorization") != (f"Bearer {token}".encode())
        ):
            await send({"type": "http.response.start", "status": 401, "headers": []})
            await send({"type": "http.response.body", "body": b"no token"})
            return
        await inner(scope, receive, send)

    return guarded


def _main(mode: str, port: str | None) -> None:
    if mode == "fail":
        sys.stderr.write("cannot start: the database is missing\n")
        sys.exit(3)
    if mode == "banner":  # a common bug: a banner on stdout, where only MCP messages belong
        os.write(1, b"Starting test-tools v1.0...\n{not json either\n")
    if mode == "hang":
        for _line in sys.stdin:
            pass
        return
    if mode == "http":
        import uvicorn  # noqa: PLC0415 - only this mode needs it

        uvicorn.run(_guarded(app.streamable_http_app()), host="127.0.0.1", port=int(port or 0))
        return
    if mode == "stubborn":  # ignores SIGTERM and outlives the end of its stdin
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    app.run()
    if mode == "stubborn":
        time.sleep(3600)


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
