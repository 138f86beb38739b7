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


def _is_envelope(response: httpx.Response, status: int, code: str) -> str:
    """Assert the typed JSON error envelope; return its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"code", "message", "detail", "fields"}
    assert error["code"] == code
    return str(error["message"])


@pytest.mark.parametrize(
    "host",
    ["evil.example:9999", "evil.example", "127.0.0.1:8080", "localhost.evil.example:9999", ""],
)
async def test_a_request_for_another_host_is_refused(client: httpx.AsyncClient, host: str) -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 still names its own host."""
    headers = {**AUTH, "Host": host}
    response = await client.post("/api/list_conversations", json={}, headers=headers)
    assert "does not answer requests" in _is_envelope(response, 403, "invalid_argument")
    assert (await client.get("/", headers={"Host": host})).status_code == 403


@pytest.mark.parametrize("host", ["127.0.0.1:9999", "localhost:9999", "LOCALHOST:9999"])
async def test_the_loopback_names_with_the_servers_port_are_answered(
    client: httpx.AsyncClient, host: str
) -> None:
    headers = {**AUTH, "Host": host}
    assert (await client.post("/api/list_conversations", json={}, headers=headers)).is_success


async def test_an_ipv6_loopback_host_is_answered(
    handlers: FakeHandlers, portal: BlockingPortal, hub: EventHub, tmp_path: Path
) -> None:
    dispatcher = CommandDispatcher(COMMANDS, handlers, portal, timeout_s=2.0)
    app = create_http_app(dispatcher, hub, token=TOKEN, static_dir=tmp_path)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://[::1]:9999") as ipv6:
        assert (await ipv6.post("/api/list_conversations", json={}, headers=AUTH)).is_success
        wrong = {**AUTH, "Host": "[::2]:9999"}
        assert (
            await ipv6.post("/api/list_conversations", json={}, headers=wrong)
        ).status_code == 403


async def test_a_chosen_address_is_answered_besides_loopback(
    handlers: FakeHandlers, portal: BlockingPortal, hub: EventHub, tmp_path: Path
) -> None:
    dispatcher = CommandDispatcher(COMMANDS, handlers, portal, timeout_s=2.0)
    hosts = {"127.0.0.1", "192.0.2.7"}
    app = create_http_app(dispatcher, hub, token=TOKEN, static_dir=tmp_path, hosts=hosts)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://192.0.2.7:9999") as lan:
        assert (await lan.post("/api/list_conversations", json={}, headers=AUTH)).is_success
        other = {**AUTH, "Host": "localhost:9999"}
        assert (
            await lan.post("/api/list_conversations", json={}, headers=other)
        ).status_code == 403


def _nested(depth: int) -> bytes:
    return ('{"conversation_id": ' + "[" * depth + "]" * depth + "}").encode()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (_nested(1_000), "nested more than 64 levels"),
        (_nested(100_000), "nested more than 64 levels"),
        (b'{"data": ' + b'{"a":' * 1_000 + b"1" + b"}" * 1_000 + b"}", "nested more than"),
        ('{"query": "caf\u00e9"}'.encode("utf-16"), "not UTF-8"),
        (b'{"query": "caf\xe9"}', "not UTF-8"),
        (b'{"limit": NaN}', "NaN is not a number JSON allows"),
        (b'{"limit": 1e999}', "too large"),
        (b'{"query": "\\ud800"}', "lone surrogate"),
    ],
)
async def test_a_body_that_is_not_strict_utf8_json_is_a_typed_400(
    client: httpx.AsyncClient, handlers: FakeHandlers, body: bytes, expected: str
) -> None:
    response = await client.post("/api/search_conversations", content=body, headers=AUTH)
    assert expected in _is_envelope(response, 400, "invalid_argument")
    assert handlers.calls == []


@pytest.mark.parametrize("token", ["\u00e9t\u00e9", "secret-token\u00ff", "\U0001f600", "\x7f"])
async def test_any_bearer_text_is_just_a_wrong_token(client: httpx.AsyncClient, token: str) -> None:
    """Non-ASCII header bytes (sent as UTF-8) are a 401, not a 500 from compare_digest."""
    headers = {b"Authorization": f"Bearer {token}".encode()}
    response = await client.post("/api/list_conversations", json={}, headers=headers)
    _is_envelope(response, 401, "invalid_argument")
    events = await client.get("/api/events", params={"token": token})
    _is_envelope(events, 401, "invalid_argument")


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("POST", "/api/list%2fconversations", 404, "not_found"),
        ("POST", "/api/a/b/c", 404, "not_found"),
        ("POST", "/api/", 404, "not_found"),
        ("GET", "/api/list_conversations", 405, "invalid_argument"),
        ("DELETE", "/api/list_conversations", 405, "invalid_argument"),
        ("POST", "/", 405, "invalid_argument"),
        ("PUT", "/index.html", 405, "invalid_argument"),
        ("GET", "/no-such-file.js", 404, "not_found"),
        ("GET", "/api/nothing/here", 404, "not_found"),
    ],
)
async def test_unknown_routes_and_methods_get_the_envelope(
    client: httpx.AsyncClient, method: str, path: str, status: int, code: str
) -> None:
    response = await client.request(method, path, headers=AUTH, content=b"{}")
    _is_envelope(response, status, code)


@pytest.fixture
async def built_client(
    handlers: FakeHandlers, portal: BlockingPortal, hub: EventHub, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app made after a build's files are in place (it reads them at start)."""
    (tmp_path / "index.html").write_text("<!doctype html><title>LlamaDesk</title>")
    bundle = tmp_path / "_app" / "immutable" / "chunks"
    bundle.mkdir(parents=True)
    (bundle / "app.Du5Ek_UU.js").write_text("export {};")
    (tmp_path / "bootstrap.js").write_text("void 0;")
    dispatcher = CommandDispatcher(COMMANDS, handlers, portal, timeout_s=2.0)
    app = create_http_app(dispatcher, hub, token=TOKEN, static_dir=tmp_path)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:9999") as c:
        yield c


async def test_hashed_bundles_are_cached_for_good_and_the_page_is_revalidated(
    built_client: httpx.AsyncClient,
) -> None:
    client = built_client
    chunk = await client.get("/_app/immutable/chunks/app.Du5Ek_UU.js")
    assert chunk.status_code == 200
    assert chunk.headers["cache-control"] == "public, max-age=31536000, immutable"
    for path in ("/", "/index.html", "/bootstrap.js"):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert page.headers["cache-control"] == "no-cache", path
    index = await client.get("/")
    again = await client.get("/", headers={"If-None-Match": index.headers["etag"]})
    assert again.status_code == 304  # revalidated, not sent again


async def test_the_build_is_served_from_memory_read_once_at_start(
    built_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Each file is read when the app is made: a request touches no file (nor a worker thread)."""
    chunk = tmp_path / "_app" / "immutable" / "chunks" / "app.Du5Ek_UU.js"
    chunk.unlink()
    (tmp_path / "index.html").unlink()
    answer = await built_client.get("/_app/immutable/chunks/app.Du5Ek_UU.js")
    assert answer.status_code == 200
    assert answer.text == "export {};"
    assert answer.headers["content-type"].startswith("text/javascript")
    assert "LlamaDesk" in (await built_client.get("/")).text
    head = await built_client.head("/bootstrap.js")
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "7")


async def test_paths_outside_the_build_and_other_methods_get_the_envelope(
    built_client: httpx.AsyncClient,
) -> None:
    for path in ("/missing.js", "/index.htm", "/_app/", "/_app/immutable"):
        _is_envelope(await built_client.get(path), 404, "not_found")
    _is_envelope(await built_client.post("/index.html"), 405, "invalid_argument")
