"""Time to first token through the orchestrator vs. a direct HTTP request, same server, same prompt.

One llama-server (2 slots, host-memory prompt cache off) answers the same ~250-token prompt
several times, alternating between a plain streaming ``POST /v1/chat/completions`` with httpx and
``ChatOrchestrator.handle_user_message_stream`` (store writes, slot lease, adapter, SSE parser,
event sink). Both slots are erased before every request so each one reads the whole prompt.
The benchmark and its server run at nice -10 when allowed, to shrink noise from other work on
the machine. Each round measures both paths back to back (their order alternates), so load from
elsewhere hits both alike. Reported: median time to the first content token of each path, the
median of the per-round ratios (orchestrator / direct; the goal is <= 1.05), and the
orchestrator's own overhead measured against the in-process fake server, where the model costs
nothing.

    python bench/bench_ttft.py --json OUT
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_slot_cache import SENTENCES, Provider, Server, engine_paths, raise_priority

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import BridgeEvent, StreamChunkEvent, StreamEndEvent, StreamErrorEvent
from backend.llama import FakeLlamaServer, LlamaCppAdapter

ROUNDS = 10
GOAL = 1.05
PROMPT = " ".join(SENTENCES * 3) + " Which of these places would you visit first?"


def settings() -> Settings:
    value = Settings()
    value.generation.temperature = 0
    value.generation.max_tokens = 2
    return value


def request_body() -> dict[str, Any]:
    """What the orchestrator sends for a one-message conversation with default settings."""
    params = settings().generation
    return {
        "messages": [{"role": "user", "content": PROMPT}],
        "stream": True,
        "cache_prompt": True,
        **{
            key: getattr(params, key)
            for key in (
                "temperature",
                "top_k",
                "top_p",
                "min_p",
                "max_tokens",
                "repeat_penalty",
                "seed",
            )
        },
    }


async def erase_slots(adapter: LlamaCppAdapter) -> None:
    for slot in await adapter.slots():
        await adapter.slot_action(slot["id"], "erase")


async def direct(client: httpx.AsyncClient, server: Server) -> float:
    started = time.perf_counter()
    async with client.stream(
        "POST",
        f"http://127.0.0.1:{server.port}/v1/chat/completions",
        json=request_body(),
        headers={"Authorization": f"Bearer {server.api_key}"},
    ) as response:
        async for line in response.aiter_lines():
            if not line.startswith("data: {"):
                continue
            choices = json.loads(line.removeprefix("data: "))["choices"]
            if choices and choices[0]["delta"].get("content"):
                return time.perf_counter() - started
    raise RuntimeError("the direct stream ended without a token")


async def through_orchestrator(
    chat: ChatOrchestrator, done: list[anyio.Event], first: list[float]
) -> float:
    conversation = await chat.conversations.create_conversation("bench")
    done[:] = [anyio.Event()]
    first.clear()
    started = time.perf_counter()
    await chat.handle_user_message_stream(conversation.id, PROMPT)
    await done[0].wait()
    return first[0] - started


async def run(binary: Path, model: Path, work: Path) -> dict[str, Any]:
    priority_raised = raise_priority()
    slot_dir = work / "slots"
    slot_dir.mkdir()
    server = Server(binary, model, slot_dir, "--parallel", "2", "-c", "4096", "--cache-ram", "0")
    first: list[float] = []
    done: list[anyio.Event] = [anyio.Event()]

    def sink(event: BridgeEvent) -> None:
        if isinstance(event, StreamChunkEvent) and event.content and not first:
            first.append(time.perf_counter())
        if isinstance(event, StreamEndEvent | StreamErrorEvent):
            done[0].set()

    timings: dict[str, list[float]] = {"direct": [], "orchestrator": []}
    try:
        with ConversationStore(work / "bench.db") as store:
            async with (
                LlamaCppAdapter(Provider(server.endpoint(0)), timeout=600) as adapter,
                httpx.AsyncClient(timeout=600) as client,
                ChatOrchestrator(
                    store, adapter, sink, settings, slots=SlotManager(adapter, store, slot_dir=None)
                ) as chat,
            ):
                prompt_tokens = len(await adapter.tokenize(PROMPT))
                await erase_slots(adapter)
                await direct(client, server)  # warm-up: first compute on a fresh server
                for round_ in range(ROUNDS):
                    order = ["direct", "orchestrator"][:: 1 if round_ % 2 else -1]
                    for path in order:
                        await erase_slots(adapter)
                        if path == "direct":
                            timings[path].append(await direct(client, server))
                        else:
                            timings[path].append(await through_orchestrator(chat, done, first))
    finally:
        server.stop()
    ratio = statistics.median(
        o / d for o, d in zip(timings["orchestrator"], timings["direct"], strict=True)
    )
    overhead_ms = await fake_overhead_ms(work)
    return {
        "prompt_tokens": prompt_tokens,
        "rounds": ROUNDS,
        "ttft_direct_median_s": round(statistics.median(timings["direct"]), 4),
        "ttft_orchestrator_median_s": round(statistics.median(timings["orchestrator"]), 4),
        "ratio": round(ratio, 3),
        "goal": f"<= {GOAL}",
        "pass": ratio <= GOAL,
        "orchestrator_overhead_ms": round(overhead_ms, 2),
        "priority_raised": priority_raised and server.priority_raised,
        "ttft_direct_all_s": [round(t, 4) for t in timings["direct"]],
        "ttft_orchestrator_all_s": [round(t, 4) for t in timings["orchestrator"]],
    }


async def fake_overhead_ms(work: Path) -> float:
    """Median extra time to first token of the orchestrator over the bare adapter (fake server)."""
    fake = FakeLlamaServer()
    first: list[float] = []
    done: list[anyio.Event] = [anyio.Event()]

    def sink(event: BridgeEvent) -> None:
        if isinstance(event, StreamChunkEvent) and event.content and not first:
            first.append(time.perf_counter())
        if isinstance(event, StreamEndEvent | StreamErrorEvent):
            done[0].set()

    orchestrated: list[float] = []
    bare: list[float] = []
    with ConversationStore(work / "overhead.db") as store:
        async with (
            LlamaCppAdapter(fake, transport=fake.transport) as adapter,
            ChatOrchestrator(
                store, adapter, sink, settings, slots=SlotManager(adapter, store, slot_dir=None)
            ) as chat,
        ):
            for _ in range(50):
                orchestrated.append(await through_orchestrator(chat, done, first))
                started = time.perf_counter()
                async with adapter.chat_stream([{"role": "user", "content": PROMPT}]) as deltas:
                    async for delta in deltas:
                        if delta.content:
                            bare.append(time.perf_counter() - started)
                            break
    return (statistics.median(orchestrated) - statistics.median(bare)) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the result here")
    args = parser.parse_args()
    binary, model = engine_paths()
    with tempfile.TemporaryDirectory() as work:
        result = anyio.run(run, binary, model, Path(work))
    print(f"{'measure':<28}{'value':>14}")
    for key, value in result.items():
        if not key.endswith("_all_s"):
            print(f"{key:<28}{value!s:>14}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
