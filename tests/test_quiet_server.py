"""QuietServer: serves like uvicorn, sleeps while idle, stops at once from any thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
import httpx
import pytest
import uvicorn

from backend.quiet_server import QuietServer
from tests.waiting import wait_until

Scope = MutableMapping[str, Any]


async def hello(scope: Scope, receive: Callable[[], Awaitable[Any]], send: Any) -> None:
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


def test_it_answers_sleeps_while_idle_and_stops_from_another_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = QuietServer(uvicorn.Config(hello, log_level="warning", lifespan="off"))
    ticks: list[int] = []
    real_tick = server.on_tick

    async def counted(counter: int) -> bool:
        ticks.append(counter)
        return await real_tick(counter)

    monkeypatch.setattr(server, "on_tick", counted)
    serving = threading.Thread(target=lambda: anyio.run(lambda: server.serve(sockets=[sock])))
    serving.start()
    wait_until(lambda: server.started, message="the server did not start")

    answer = httpx.get(f"http://127.0.0.1:{port}/")
    time.sleep(0.5)  # uvicorn's own loop would tick 5 times here
    stop_asked = time.monotonic()
    server.stop()
    serving.join(5)

    assert (answer.status_code, answer.text) == (200, "hello")
    assert "date" not in answer.headers
    assert ticks == []
    assert not serving.is_alive()
    assert time.monotonic() - stop_asked < 2
