"""Browser mode: commands over HTTP, events over SSE, guarded by a token and the Origin."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from anyio.from_thread import BlockingPortal

from backend.app import COMMANDS
from backend.bridge import CommandDispatcher, EventHub, create_http_app
from backend.errors import NotFound

from .fakes import FakeHandlers

TOKEN = "secret-token"


@pytest.fixture
def hub() -> EventHub:
    return EventHub()


pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(
    handlers: FakeHandlers, portal: BlockingPortal, hub: EventHub, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "index.html").write_text("<!doctype html><title>LlamaDesk</title>")
    dispatcher = CommandDispatcher(COMMANDS, handlers, portal, timeout_s=2.0)
    app = create_http_app(dispatcher, hub, token=TOKEN, static_dir=tmp_path)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:9999") as c:
        yield c


AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def test_a_command_answers_with_the_envelope(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/send_chat_message", json={"conversation_id": "c1", "content": "hi"}, headers=AUTH
    )
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.json()["result"]["role"] == "assistant"


async def test_no_or_wrong_token_is_refused(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/list_conversations", json={})).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (await client.post("/api/list_conversations", json={}, headers=wrong)).status_code == 401
    assert (await client.get("/api/events?token=nope")).status_code == 401


async def test_a_foreign_origin_is_refused_even_with_the_token(client: httpx.AsyncClient) -> None:
    headers = {**AUTH, "Origin": "http://evil.example"}
    response = await client.post("/api/list_conversations", json={}, headers=headers)
    assert response.status_code == 403
    same = {**AUTH, "Origin": "http://127.0.0.1:9999"}
    assert (await client.post("/api/list_conversations", json={}, headers=same)).status_code == 200


async def test_errors_are_4xx_with_the_error_body(
    client: httpx.AsyncClient, handlers: FakeHandlers
) -> None:
    async def missing(params: object) -> object:
        raise NotFound("No such conversation.")

    handlers.override["get_conversation"] = missing
    response = await client.post(
        "/api/get_conversation", json={"conversation_id": "x"}, headers=AUTH
    )
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "No such conversation.",
            "detail": None,
            "fields": [],
        }
    }
    bad = await client.post("/api/get_conversation", json={"conversation_id": 5}, headers=AUTH)
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"][0]["field"] == "conversation_id"
    unknown = await client.post("/api/format_disk", json={}, headers=AUTH)
    assert unknown.status_code == 400
    garbage = await client.post("/api/list_conversations", content=b"{not json", headers=AUTH)
    assert garbage.status_code == 400


async def test_the_spa_is_served(client: httpx.AsyncClient) -> None:
    assert "LlamaDesk" in (await client.get("/")).text


@pytest.mark.anyio
async def test_events_reach_every_subscriber_in_order(hub: EventHub) -> None:
    streams = [hub.stream(), hub.stream()]
    for stream in streams:
        assert await anext(stream) == ": connected\n\n"
    hub.deliver([{"type": "a", "n": 1}, {"type": "b", "n": 2}])
    for stream in streams:
        first, second = await anext(stream), await anext(stream)
        assert [json.loads(x.removeprefix("data: ")) for x in (first, second)] == [
            {"type": "a", "n": 1},
            {"type": "b", "n": 2},
        ]
        await stream.aclose()
