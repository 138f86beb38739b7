"""The event pump: ordered, coalesced, first chunk at once, bounded for a slow page."""

from __future__ import annotations

import json
import threading
import time

from backend.bridge import EventPump, WindowTarget, events_script
from backend.contract import (
    ServerStatus,
    ServerStatusEvent,
    StreamChunkEvent,
    StreamEndEvent,
    TokenAlternative,
    TokenProb,
)
from tests.waiting import wait_until

from .conftest import RecordingTarget
from .fakes import sample_message


def chunk(text: str, stream: str = "s1") -> StreamChunkEvent:
    return StreamChunkEvent(stream_id=stream, conversation_id="c1", message_id="m1", content=text)


def test_every_token_arrives_in_order_and_merged(target: RecordingTarget) -> None:
    pump = EventPump(target, flush_ms=30)
    tokens = [f"t{i} " for i in range(500)]
    for token in tokens:
        pump.emit(chunk(token))
        time.sleep(0.0002)
    pump.emit(StreamEndEvent(stream_id="s1", conversation_id="c1", message=sample_message()))
    pump.close()
    text = "".join(e["content"] for e in target.events if e["type"] == "stream_chunk")
    assert text == "".join(tokens)
    assert target.events[-1]["type"] == "stream_end"
    assert len(target.batches) < 100


def test_merged_chunks_keep_every_token_probability_in_order(target: RecordingTarget) -> None:
    pump = EventPump(target, flush_ms=30)
    probs = [
        TokenProb(token=f"t{i} ", prob=0.5, top=[TokenAlternative(token=f"t{i} ", prob=0.5)])
        for i in range(300)
    ]
    for prob in probs:
        pump.emit(
            StreamChunkEvent(
                stream_id="s1",
                conversation_id="c1",
                message_id="m1",
                content=prob.token,
                probs=[prob],
            )
        )
    pump.close()
    chunks = [e for e in target.events if e["type"] == "stream_chunk"]
    assert len(chunks) < len(probs), "merged"
    merged = [TokenProb.model_validate(p) for e in chunks for p in e["probs"]]
    assert merged == probs
    assert "".join(e["content"] for e in chunks) == "".join(p.token for p in merged)


def test_first_chunk_is_sent_at_once(target: RecordingTarget) -> None:
    pump = EventPump(target, flush_ms=33)
    pump.emit(ServerStatusEvent(status=ServerStatus(state="ready")))
    time.sleep(0.05)
    started = time.monotonic()
    pump.emit(chunk("first"))
    wait_until(
        lambda: any(e["type"] == "stream_chunk" for e in target.events),
        timeout_s=2.0,
        interval_s=0.005,
    )
    assert time.monotonic() - started < 0.02
    pump.close()


def test_slow_page_gets_merged_chunks_not_a_queue() -> None:
    slow = RecordingTarget(delay_s=0.2)
    pump = EventPump(slow, flush_ms=16)
    for i in range(2000):
        pump.emit(chunk(str(i % 10)))
    pump.close(timeout_s=5)
    assert len(slow.batches) <= 3
    assert "".join(e["content"] for e in slow.events) == "".join(str(i % 10) for i in range(2000))


def test_streams_are_kept_apart(target: RecordingTarget) -> None:
    pump = EventPump(target, flush_ms=20)
    for i in range(50):
        pump.emit(chunk(f"a{i}", "a"))
        pump.emit(chunk(f"b{i}", "b"))
    pump.close()
    for stream in ("a", "b"):
        got = "".join(e["content"] for e in target.events if e["stream_id"] == stream)
        assert got == "".join(f"{stream}{i}" for i in range(50))


def test_nothing_is_delivered_after_close(target: RecordingTarget) -> None:
    pump = EventPump(target, flush_ms=16)
    pump.close()
    pump.emit(chunk("late"))
    time.sleep(0.05)
    assert target.events == []


class FakeWindow:
    def __init__(self) -> None:
        self.scripts: list[str] = []
        self.lock = threading.Lock()

    def run_js(self, script: str) -> None:
        with self.lock:
            self.scripts.append(script)


def test_window_target_emits_each_event_through_the_namespace() -> None:
    window = FakeWindow()
    WindowTarget(window).deliver([{"type": "a"}, {"type": "b", "text": "</script>\u2028"}])
    (script,) = window.scripts
    assert script.startswith("if(window.llamadesk){")
    assert script.count("window.llamadesk.emit(") == 2
    payload = script.split("emit(")[2].rsplit(");", 1)[0]
    assert json.loads(payload) == {"type": "b", "text": "</script>\u2028"}


def test_events_script_refuses_nan() -> None:
    try:
        events_script([{"type": "x", "v": float("nan")}])
    except ValueError:
        return
    raise AssertionError("NaN must not reach the page")


def test_the_flusher_is_not_woken_for_each_token(target: RecordingTarget) -> None:
    pump = EventPump(target, flush_ms=1000)
    wakes: list[int] = []
    notify = pump._cond.notify

    def counted(n: int = 1) -> None:
        wakes.append(n)
        notify(n)

    pump._cond.notify = counted  # type: ignore[method-assign]
    pump.emit(chunk("first "))
    wait_until(lambda: bool(target.events), timeout_s=2.0, interval_s=0.005)
    for i in range(200):
        pump.emit(chunk(f"t{i} "))
    assert len(wakes) == 2, "the first chunk (urgent) and the first one pending after it"
    pump.close()
    text = "".join(e["content"] for e in target.events)
    assert text == "first " + "".join(f"t{i} " for i in range(200))
