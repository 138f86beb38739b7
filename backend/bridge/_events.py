"""Push events to the page, coalescing stream chunks.

A token stream can produce thousands of chunks a second; one ``evaluate_js`` per token saturates
the GUI thread (see shared notes: ~135 calls/s on GTK). The pump keeps one pending list in
arrival order. A chunk for a stream that already has a pending chunk is merged into it (text,
reasoning and token probabilities appended), so a slow page gets fewer, larger chunks instead of
an unbounded queue. A single flusher thread sends everything pending as one call every
``flush_ms``; the first chunk of a stream goes at once so the first token shows without delay.
Order is kept: a stream's end always follows its text. The flusher is woken only when something
becomes pending, is urgent, or the pump closes, never once per token: waking a thread for each of
~100 tokens a second costs the backend CPU the model is waiting for.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import TypeAdapter

from ..contract import BRIDGE_NAMESPACE, BridgeEvent

__all__ = ["EventPump", "EventTarget", "WindowTarget", "events_script"]

_log = logging.getLogger(__name__)
_EVENT = TypeAdapter[BridgeEvent](BridgeEvent)


class EventTarget(Protocol):
    """Where batches of JSON-ready events go (the window, an SSE hub, a test recorder)."""

    def deliver(self, events: Sequence[dict[str, Any]]) -> None:
        """Deliver events in order; may block while the page is busy."""


class _JsRunner(Protocol):
    def run_js(self, script: str) -> Any: ...


def events_script(events: Sequence[dict[str, Any]]) -> str:
    """JavaScript that hands each event to ``window.llamadesk.emit`` in order."""
    emit = f"window.{BRIDGE_NAMESPACE}.emit"
    calls = "".join(f"{emit}({json.dumps(event, allow_nan=False)});" for event in events)
    return f"if(window.{BRIDGE_NAMESPACE}){{{calls}}}"


class WindowTarget:
    """Delivers events into a pywebview window with one ``run_js`` per batch."""

    def __init__(self, window: _JsRunner) -> None:
        self._window = window

    def deliver(self, events: Sequence[dict[str, Any]]) -> None:
        """Run one script that emits every event."""
        self._window.run_js(events_script(events))


class EventPump:
    """Thread-safe, coalescing, ordered delivery of events to one target."""

    def __init__(self, target: EventTarget, *, flush_ms: int) -> None:
        self._target = target
        self._interval_s = flush_ms / 1000
        self._cond = threading.Condition()
        self._pending: list[dict[str, Any]] = []
        self._open_chunk: dict[str, dict[str, Any]] = {}
        self._streaming: set[str] = set()
        self._urgent = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="event-pump", daemon=True)
        self._thread.start()

    def set_flush_ms(self, flush_ms: int) -> None:
        """Change the flush interval (settings → behaviour)."""
        with self._cond:
            self._interval_s = flush_ms / 1000

    def emit(self, event: BridgeEvent) -> None:
        """Queue an event; never blocks on the page."""
        data: dict[str, Any] = _EVENT.dump_python(event, mode="json")
        with self._cond:
            if self._closed:
                return
            was_empty = not self._pending
            self._queue(data)
            if was_empty or self._urgent:
                self._cond.notify()

    def _queue(self, data: dict[str, Any]) -> None:
        kind, stream = data["type"], data.get("stream_id")
        if kind == "stream_chunk" and stream is not None:
            pending = self._open_chunk.get(stream)
            if pending is not None:
                pending["content"] += data["content"]
                pending["reasoning"] += data["reasoning"]
                pending["probs"] += data["probs"]
                return
            if stream not in self._streaming:
                self._streaming.add(stream)
                self._urgent = True
            self._open_chunk[stream] = data
        elif stream is not None:
            self._streaming.discard(stream)
            self._open_chunk.pop(stream, None)
        self._pending.append(data)

    def close(self, timeout_s: float = 2.0) -> None:
        """Deliver what is pending, then stop the flusher."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout_s)

    def _take_batch(self, last_flush: float) -> list[dict[str, Any]] | None:
        with self._cond:
            self._cond.wait_for(lambda: bool(self._pending) or self._closed)
            if not self._pending:
                return None
            due = last_flush + self._interval_s
            while not (self._urgent or self._closed) and time.monotonic() < due:
                self._cond.wait(due - time.monotonic())
            batch, self._pending = self._pending, []
            self._open_chunk.clear()
            self._urgent = False
            return batch

    def _run(self) -> None:
        last_flush = 0.0
        while (batch := self._take_batch(last_flush)) is not None:
            last_flush = time.monotonic()
            try:
                self._target.deliver(batch)
            except Exception:
                _log.exception("could not deliver %d events to the page", len(batch))
