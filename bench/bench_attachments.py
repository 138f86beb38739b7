"""Attachments: reading a 300-page text PDF, and what a message carrying a document costs to send.

1. **Extraction.** A 300-page text PDF (fpdf2, about 2,400 characters a page) is read the way
   an attached file is (``backend.attachments.extract``: pypdfium2, page by page) in a fresh
   child process, 5 times: the median time, the child's resident memory just before the first
   read and its peak during it (``ru_maxrss``; PDFium allocates outside Python, so
   ``tracemalloc`` would miss it). Also the median of 3 whole ``AttachmentService.add`` calls
   (type, read, hash, store). Goal: extraction <= 2 s.
2. **Sending.** The time to first token of a message carrying two of its pages (about 830
   tokens) against the same text typed in: the typed message is the very text the backend
   builds from the attachment (captured from the fake server's request), so both prompts are
   the same tokens and any difference is what the attachment adds when it is sent. One
   llama-server (SmolLM2, one slot, host-memory prompt cache off) with its slot erased before
   every request; rounds alternate which goes first; the median of the per-round ratios
   (attached / typed; goal: no extra cost, ~1.0). The same for the whole 300-page document
   against the fake server, where the model costs nothing, so only the backend's own work is
   timed (median of 20 each).

    python bench/bench_attachments.py --json OUT
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_slot_cache import SENTENCES, Provider, Server, engine_paths, raise_priority

from backend.attachments import BlobStore, extract, file_type
from backend.chat import AttachmentService, ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import (
    AttachmentChoice,
    BridgeEvent,
    StreamChunkEvent,
    StreamEndEvent,
    StreamErrorEvent,
)
from backend.llama import FakeLlamaServer, LlamaCppAdapter
from tests.attachments.pdfs import text_pdf

PAGES = 300
EXTRACT_RUNS = 5
ROUNDS = 5
FAKE_ROUNDS = 20
EXTRACT_GOAL_S = 2.0
SEND_GOAL = 1.05
_FAKE_CTX = 10_000_000
"""The fake server's context: the whole book fits (its tokens are words)."""
QUESTION = "Which of these places is mentioned first?"


def book() -> bytes:
    """A 300-page text PDF, each page about 2,400 characters of prose."""
    page = " ".join(SENTENCES * 4)
    return text_pdf([f"Page {n}. {page}" for n in range(1, PAGES + 1)])


def extract_in_child(pdf: Path) -> dict[str, Any]:
    """Read ``pdf`` in a fresh process: times and peak memory (see the module docstring)."""
    code = subprocess.run(
        [sys.executable, __file__, "--extract-child", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(code.stdout)
    return result


def child(pdf: Path) -> None:
    """The child's side of :func:`extract_in_child`: prints its measures as JSON."""
    data = pdf.read_bytes()
    kind = file_type(pdf.name, data)
    assert kind is not None
    before_mb = psutil.Process().memory_info().rss / 1024 / 1024
    started = time.perf_counter()
    extracted = extract(pdf.name, kind, data, 600)
    times = [time.perf_counter() - started]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for _ in range(EXTRACT_RUNS - 1):
        started = time.perf_counter()
        extract(pdf.name, kind, data, 600)
        times.append(time.perf_counter() - started)
    assert extracted is not None
    assert extracted.page_offsets is not None
    print(
        json.dumps(
            {
                "pages": len(extracted.page_offsets),
                "chars": len(extracted.text),
                "times": times,
                "rss_before_mb": before_mb,
                "rss_peak_mb": peak_mb,
            }
        )
    )


class FirstToken:
    """The event sink: when the first content chunk came, and when the answer ended."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.done = anyio.Event()

    def reset(self) -> None:
        self.first, self.done = None, anyio.Event()

    def __call__(self, event: BridgeEvent) -> None:
        if isinstance(event, StreamChunkEvent) and event.content and self.first is None:
            self.first = time.perf_counter()
        if isinstance(event, StreamEndEvent | StreamErrorEvent):
            self.done.set()


def settings() -> Settings:
    value = Settings()
    value.generation.temperature = 0
    value.generation.max_tokens = 2
    value.generation.system_prompt = ""
    return value


async def first_token(
    chat: ChatOrchestrator,
    sink: FirstToken,
    content: str,
    attachments: Sequence[AttachmentChoice] = (),
) -> float:
    conversation = await chat.conversations.create_conversation("bench")
    sink.reset()
    started = time.perf_counter()
    await chat.handle_user_message_stream(conversation.id, content, attachments)
    await sink.done.wait()
    assert sink.first is not None, "the answer had no text"
    return sink.first - started


async def sent_text(work: Path, data: bytes, choice: Callable[[str], AttachmentChoice]) -> str:
    """The user turn the backend builds for ``QUESTION`` with the attachment (fake server)."""
    fake = FakeLlamaServer(n_ctx=_FAKE_CTX)
    sink = FirstToken()
    with ConversationStore(work / "capture.db") as store:
        async with (
            LlamaCppAdapter(fake, transport=fake.transport) as adapter,
            ChatOrchestrator(store, adapter, sink, settings) as chat,
        ):
            attached = await chat.attachments.add("book.pdf", data)
            await first_token(chat, sink, QUESTION, [choice(attached.id)])
    content = fake.requests[-1]["messages"][-1]["content"]
    assert isinstance(content, str)
    return content


async def side_by_side(
    chat: ChatOrchestrator,
    sink: FirstToken,
    data: bytes,
    choice: Callable[[str], AttachmentChoice],
    typed: str,
    rounds: int,
    before: Callable[[], Any] | None = None,
) -> dict[str, list[float]]:
    """Time to first token, attached vs typed, alternating which goes first each round."""
    attached = await chat.attachments.add("book.pdf", data)
    timings: dict[str, list[float]] = {"attached": [], "typed": []}
    for round_ in range(rounds):
        for path in ["attached", "typed"][:: 1 if round_ % 2 else -1]:
            if before is not None:
                await before()
            if path == "attached":
                timings[path].append(await first_token(chat, sink, QUESTION, [choice(attached.id)]))
            else:
                timings[path].append(await first_token(chat, sink, typed))
    return timings


def ratio(timings: dict[str, list[float]]) -> float:
    return statistics.median(
        a / t for a, t in zip(timings["attached"], timings["typed"], strict=True)
    )


async def real_send(work: Path, data: bytes, binary: Path, model: Path) -> dict[str, Any]:
    def two_pages(attachment_id: str) -> AttachmentChoice:
        return AttachmentChoice(id=attachment_id, name="book.pdf", first_page=1, last_page=2)

    typed = await sent_text(work, data, two_pages)
    slot_dir = work / "slots"
    slot_dir.mkdir()
    server = Server(binary, model, slot_dir, "--parallel", "1", "-c", "4096", "--cache-ram", "0")
    sink = FirstToken()
    try:
        with ConversationStore(work / "real.db") as store:
            async with LlamaCppAdapter(Provider(server.endpoint(0)), timeout=600) as adapter:
                slots = SlotManager(adapter, store, slot_dir=None)
                async with ChatOrchestrator(store, adapter, sink, settings, slots=slots) as chat:
                    tokens = len(await adapter.tokenize([{"role": "user", "content": typed}]))

                    async def erase() -> None:
                        for slot in await adapter.slots():
                            await adapter.slot_action(slot["id"], "erase")

                    await first_token(chat, sink, typed)  # warm-up
                    timings = await side_by_side(
                        chat, sink, data, two_pages, typed, ROUNDS, before=erase
                    )
    finally:
        server.stop()
    return {"prompt_tokens": tokens, "priority_raised": server.priority_raised, **timings}


async def fake_send(work: Path, data: bytes) -> dict[str, Any]:
    def whole(attachment_id: str) -> AttachmentChoice:
        return AttachmentChoice(id=attachment_id, name="book.pdf")

    typed = await sent_text(work, data, whole)
    fake = FakeLlamaServer(n_ctx=_FAKE_CTX)
    sink = FirstToken()
    with ConversationStore(work / "fake.db") as store:
        async with (
            LlamaCppAdapter(fake, transport=fake.transport) as adapter,
            ChatOrchestrator(store, adapter, sink, settings) as chat,
        ):
            timings = await side_by_side(chat, sink, data, whole, typed, FAKE_ROUNDS)
    return {"chars": len(typed), **timings}


async def add_times(work: Path, data: bytes) -> list[float]:
    """Whole ``AttachmentService.add`` calls (a fresh store each, so each one stores the file)."""
    times = []
    for n in range(3):
        with ConversationStore(work / f"add-{n}" / "conversations.db") as store:
            assert store.attachment_dir is not None
            service = AttachmentService(
                store, BlobStore(store.attachment_dir), lambda: settings().attachments
            )
            started = time.perf_counter()
            await service.add("book.pdf", data)
            times.append(time.perf_counter() - started)
    return times


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 4)


async def run(work: Path) -> dict[str, Any]:
    priority_raised = raise_priority()
    binary, model = engine_paths()
    started = time.perf_counter()
    data = book()
    made_s = time.perf_counter() - started
    pdf = work / "book.pdf"
    pdf.write_bytes(data)
    extraction = extract_in_child(pdf)
    added = await add_times(work, data)
    real = await real_send(work, data, binary, model)
    fake = await fake_send(work, data)
    extract_s = statistics.median(extraction["times"])
    send_ratio = ratio(real)
    return {
        "pdf_pages": extraction["pages"],
        "pdf_mb": round(len(data) / 1e6, 2),
        "pdf_chars": extraction["chars"],
        "pdf_made_s": round(made_s, 2),
        "extract_median_s": round(extract_s, 3),
        "extract_goal": f"<= {EXTRACT_GOAL_S} s",
        "extract_rss_before_mb": round(extraction["rss_before_mb"], 1),
        "extract_rss_peak_mb": round(extraction["rss_peak_mb"], 1),
        "extract_rss_growth_mb": round(extraction["rss_peak_mb"] - extraction["rss_before_mb"], 1),
        "attach_median_s": median(added),
        "send_prompt_tokens": real["prompt_tokens"],
        "ttft_attached_median_s": median(real["attached"]),
        "ttft_typed_median_s": median(real["typed"]),
        "ttft_ratio": round(send_ratio, 3),
        "ttft_goal": f"<= {SEND_GOAL}",
        "fake_whole_pdf_chars": fake["chars"],
        "fake_ttft_attached_median_ms": round(statistics.median(fake["attached"]) * 1000, 2),
        "fake_ttft_typed_median_ms": round(statistics.median(fake["typed"]) * 1000, 2),
        "fake_ttft_ratio": round(ratio(fake), 3),
        "pass": extract_s <= EXTRACT_GOAL_S and send_ratio <= SEND_GOAL,
        "priority_raised": priority_raised and real["priority_raised"],
        "extract_all_s": [round(t, 3) for t in extraction["times"]],
        "ttft_attached_all_s": [round(t, 4) for t in real["attached"]],
        "ttft_typed_all_s": [round(t, 4) for t in real["typed"]],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the result here")
    parser.add_argument("--extract-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.extract_child is not None:
        child(args.extract_child)
        return 0
    with tempfile.TemporaryDirectory() as work:
        result = anyio.run(run, Path(work))
    print(f"{'measure':<32}{'value':>14}")
    for key, value in result.items():
        if not key.endswith("_all_s"):
            print(f"{key:<32}{value!s:>14}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
