"""The attachment commands: uploads over HTTP in browser mode, the window's dialog by path."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import httpx
import webview
from PIL import Image

from backend.app._runtime import AppRuntime
from backend.app._window import attachment_picker
from backend.config import ConfigService
from backend.paths import AppPaths
from tests.app.test_browser_mode import BrowserApp, browser_app
from tests.app.test_file_picker import FakeWindow
from tests.attachments.pdfs import encrypted_pdf, text_pdf

__all__ = ["browser_app"]

NOTES = b"Hekla is a volcano in the south of Iceland."


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "orange").save(out, "PNG")
    return out.getvalue()


def _post(app: BrowserApp, command: str, params: dict[str, object]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {app.token}"}
    return httpx.post(f"{app.base}/api/{command}", json=params, headers=headers, timeout=60)


def _upload(app: BrowserApp, name: str, data: bytes) -> dict[str, object]:
    answer = _post(
        app, "upload_attachment", {"name": name, "data": base64.b64encode(data).decode()}
    )
    body: dict[str, object] = answer.json()
    body["status"] = answer.status_code
    return body


def test_browser_mode_uploads_sends_shows_and_releases_an_attachment(
    browser_app: BrowserApp, llamadesk_home: Path
) -> None:
    pdf = _upload(browser_app, "report.pdf", text_pdf(["Hekla erupts.", "Katla sleeps."]))
    assert pdf["status"] == 200
    attachment = pdf["result"]
    assert isinstance(attachment, dict)
    assert (attachment["mime_type"], attachment["page_count"]) == ("application/pdf", 2)
    stored = llamadesk_home / "data" / "attachments" / attachment["id"][:2] / attachment["id"]
    assert stored.is_file()

    text = browser_app.call("get_attachment_text", id=attachment["id"], first_page=2).json()
    assert "Katla" in text["result"]["text"]
    assert "Hekla" not in text["result"]["text"]

    conversation = browser_app.call("create_conversation").json()["result"]
    choice = {"id": attachment["id"], "name": "report.pdf", "first_page": 1, "last_page": 1}
    sent = browser_app.call(
        "send_chat_message", conversation_id=conversation["id"], content="", attachments=[choice]
    ).json()
    assert sent["ok"], sent
    shown = browser_app.call("get_conversation", conversation_id=conversation["id"]).json()
    (user, _answer) = shown["result"]["messages"]
    assert [(a["name"], a["first_page"], a["last_page"]) for a in user["attachments"]] == [
        ("report.pdf", 1, 1)
    ]
    browser_app.call("delete_conversation", conversation_id=conversation["id"])
    assert not stored.exists()

    photo = _upload(browser_app, "photo.png", _png((800, 600)))
    assert photo["status"] == 200
    image = photo["result"]
    assert isinstance(image, dict)
    assert (image["kind"], image["mime_type"], image["char_count"]) == ("image", "image/png", 0)
    shown = browser_app.call("get_attachment_image", id=image["id"], max_side=200).json()
    assert shown["ok"], shown
    thumbnail = shown["result"]
    assert (thumbnail["width"], thumbnail["height"], thumbnail["source_width"]) == (200, 150, 800)
    assert Image.open(io.BytesIO(base64.b64decode(thumbnail["data"]))).size == (200, 150)


def test_browser_mode_refuses_unreadable_files_with_a_typed_readable_error(
    browser_app: BrowserApp,
) -> None:
    encrypted = _upload(browser_app, "locked.pdf", encrypted_pdf())
    assert encrypted["status"] == 422
    error = encrypted["error"]
    assert isinstance(error, dict)
    assert error["code"] == "attachment_refused"
    assert error["message"].startswith("locked.pdf is an encrypted PDF")
    bad = _post(browser_app, "upload_attachment", {"name": "x.txt", "data": "@@@"})
    assert bad.status_code == 422
    assert bad.json()["error"]["message"] == "x.txt did not arrive as valid base64."
    cut = _upload(browser_app, "cut.png", _png((300, 300))[:300])
    assert cut["status"] == 422
    cut_error = cut["error"]
    assert isinstance(cut_error, dict)
    assert cut_error["code"] == "attachment_refused"
    assert cut_error["message"].startswith("cut.png is a damaged or cut-off image")
    too_large = browser_app.call("get_attachment_image", id="0" * 64, max_side=5000)
    assert too_large.status_code == 400
    assert too_large.json()["error"]["fields"][0]["field"] == "max_side"
    missing = browser_app.call("get_attachment_image", id="0" * 64).json()
    assert missing["error"]["code"] == "not_found"
    picked = browser_app.call("pick_attachments")
    assert picked.status_code == 409
    assert "no file dialog in browser mode" in picked.json()["error"]["message"]


def test_the_window_dialog_reads_the_chosen_files_by_path(
    app_paths: AppPaths, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(NOTES)
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(encrypted_pdf())
    config = ConfigService(app_paths, environ={}, cli={"engine.server_binary": str(tmp_path)})
    window = FakeWindow((str(notes), str(locked)))
    with AppRuntime(app_paths, config) as runtime:
        assert runtime.api.pick_attachments({})["error"]["code"] == "conflict"
        runtime.use_attachment_picker(attachment_picker(window))
        answer = runtime.api.pick_attachments({})
    [(dialog_type, options)] = window.asked
    assert dialog_type == webview.FileDialog.OPEN
    assert options["allow_multiple"] is True
    assert answer["ok"], answer
    [attached] = answer["result"]["attachments"]
    assert (attached["name"], attached["size"], attached["char_count"]) == (
        "notes.txt",
        len(NOTES),
        len(NOTES),
    )
    [refused] = answer["result"]["refused"]
    assert refused["name"] == "locked.pdf"
    assert refused["message"].startswith("locked.pdf is an encrypted PDF: it needs a password")
