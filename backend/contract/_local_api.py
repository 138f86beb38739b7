"""The local API as the page sees it: whether it runs, where, with which key, and why not."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import Wire

__all__ = ["LocalApiState", "LocalApiStatus"]

LocalApiState = Literal["off", "starting", "running", "failed"]


class LocalApiStatus(Wire):
    """The local OpenAI-compatible server: its state, its URL and key, the model it serves."""

    state: LocalApiState = Field(
        description="off: the switch is off; starting; running: answering at url; failed: it "
        "could not start (see error), e.g. the port is taken."
    )
    port: int = Field(description="The port it listens on, or would (Settings → Local API).")
    url: str | None = Field(
        None, description="The base URL other apps use (http://127.0.0.1:PORT/v1) while running."
    )
    api_key: str = Field(description="The key other apps send as Authorization: Bearer KEY.")
    key_store: str = Field(description="Where the key is kept (the OS keyring or a 0600 file).")
    model: str | None = Field(
        None, description="The model id requests name: the model selected in LlamaDesk."
    )
    error: str | None = Field(None, description="Why it is not running, when it failed.")
