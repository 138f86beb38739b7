"""Per-conversation prompt caches: slot affinity in memory, slot files on disk.

Re-reading a long history costs seconds to minutes of prefill; llama-server can skip it when the
slot already holds a prefix of the prompt (``cache_n``). So:

- **Affinity.** A conversation keeps the slot it last used (sent as ``id_slot`` with
  ``cache_prompt: true``). When a conversation needs a slot and none is free, the least recently
  used conversation whose slot is idle gives its up.
- **Persistence.** A conversation that loses its slot, and every conversation at shutdown (or
  before a planned server restart, :meth:`SlotManager.save_all`), has its KV cache saved with
  ``POST /slots/{id}?action=save`` to ``ld-<conversation>.bin`` in the server's
  ``--slot-save-path``. The ``slot_caches`` table records for which model file and which message
  prefix (count and hash of roles and texts) it was saved, so the cache survives app restarts.
  When the conversation comes back to a slot that does not hold it (after eviction, a server
  restart, or an app restart) and its history still starts with that prefix on the same model,
  the file is restored first; otherwise the file is dropped as stale.
- **Restored before it is asked.** Opening a conversation (:meth:`SlotManager.prepare`) restores
  its file into a slot at once, while the user reads and types, so the answer to the next message
  starts by reading only that message: restoring a 3,000-token cache is a ~70 MB read. It takes
  a free slot or the least recently used idle one, never waits for a busy one.
- **The next turn's opening read ahead.** After that restore, the tokens the next prompt adds
  before the user's message (the template's turn markers) are read into the slot too
  (``_read_ahead``), so the answer reads only the message and what follows it.
- **Saved once.** A slot whose cache is already on disk for the same messages (restored and not
  extended since) is not written again when it gives its slot up.
- **Server restarts** show up as a new ``Endpoint.generation``: every slot is empty then, so all
  assignments are forgotten (the files stay).
- **Disk budget.** After each save, files of deleted conversations are removed and the oldest
  files (by mtime) go until the total fits ``kv_cache_disk_mb``.

A server without ``--slot-save-path`` (or ``slot_dir=None``) still gets affinity; a server whose
``/slots`` endpoint is disabled, or a router (several models, each with its own slots), gets
requests without ``id_slot``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from ..errors import ServerError, ServerUnavailable
from ..llama import ChatMessage, LlamaCppAdapter
from ._read_ahead import read_opening_ahead
from ._records import utc_now
from ._slot_caches import SlotCacheRecord, SlotCaches
from ._store import ConversationStore

__all__ = ["SlotLease", "SlotManager", "prefix_hash"]

log = logging.getLogger(__name__)

_FILE_PREFIX = "ld-"
_READY_NOW_S = 0.5
"""How long `save_all` waits for the server: only for one that is ready or about to be."""


def prefix_hash(messages: Sequence[ChatMessage]) -> str:
    """A stable hash of the roles and texts of a message list."""
    canonical = json.dumps([[m.get("role"), m.get("content")] for m in messages])
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


@dataclass
class _Held:
    """What a slot holds for a conversation: the messages it was built from, if known."""

    slot_id: int
    model_path: str
    messages: list[ChatMessage] | None = None


class SlotLease:
    """A slot lent to one generation; tell it what the slot holds when the answer is done."""

    def __init__(self, slot_id: int | None, held: _Held | None) -> None:
        self.slot_id = slot_id
        self._held = held

    def holds(self, messages: Sequence[ChatMessage]) -> None:
        """Record that the slot's cache now covers ``messages`` (prompt plus answer)."""
        if self._held is not None:
            self._held.messages = [dict(m) for m in messages]


class SlotManager:
    """Assigns llama-server slots to conversations and saves/restores their KV caches."""

    def __init__(
        self,
        adapter: LlamaCppAdapter,
        store: ConversationStore,
        *,
        slot_dir: Path | None,
        disk_budget_mb: Callable[[], int] = lambda: 2048,
    ) -> None:
        self.adapter = adapter
        self.caches = SlotCaches(store)
        self.slot_dir = slot_dir
        self.disk_budget_mb = disk_budget_mb
        self._generation: int | None = None
        self._n_slots = 0
        self._model_path = ""
        self._held: OrderedDict[str, _Held] = OrderedDict()
        self._busy: set[int] = set()
        self._lock = anyio.Lock()
        self._freed = anyio.Event()

    @property
    def persistent(self) -> bool:
        """Whether caches are saved to disk."""
        return self.slot_dir is not None and self.adapter.supports_slots

    def assignments(self) -> dict[str, int]:
        """Conversation id to slot id, least recently used first."""
        return {cid: held.slot_id for cid, held in self._held.items()}

    async def _sync_generation(self) -> None:
        endpoint = await self.adapter.endpoints.endpoint()
        if endpoint.generation == self._generation:
            return
        self._held.clear()
        self._busy.clear()
        if endpoint.model is not None:
            # Router mode: each model has its own server and slots, loaded and evicted by the
            # router; its own prompt cache reuses prefixes there, so no affinity is kept here.
            self._n_slots = 0
            self._generation = endpoint.generation
            return
        try:
            self._n_slots = len(await self.adapter.slots())
        except ServerUnavailable:
            raise
        except ServerError:
            self._n_slots = 0  # /slots disabled: no affinity
        self._model_path = endpoint.model_path or str(
            (await self.adapter.props()).get("model_path", "")
        )
        self._generation = endpoint.generation

    @asynccontextmanager
    async def lease(
        self, conversation_id: str, messages: Sequence[ChatMessage]
    ) -> AsyncIterator[SlotLease]:
        """Lend a slot to ``conversation_id`` for one request whose prompt is ``messages``."""
        lease = await self._acquire(conversation_id, messages)
        try:
            yield lease
        finally:
            if lease.slot_id is not None:
                self._busy.discard(lease.slot_id)
            self._freed.set()
            self._freed = anyio.Event()

    async def _acquire(self, conversation_id: str, messages: Sequence[ChatMessage]) -> SlotLease:
        while True:
            async with self._lock:
                await self._sync_generation()
                if self._n_slots == 0:
                    return SlotLease(None, None)
                held = self._held.get(conversation_id)
                fresh = held is None
                if held is None:
                    slot_id = await self._free_slot()
                    if slot_id is not None:
                        held = self._held[conversation_id] = _Held(slot_id, self._model_path)
                if held is not None:
                    self._held.move_to_end(conversation_id)
                    self._busy.add(held.slot_id)
                    lease = SlotLease(held.slot_id, held)
                    if fresh:
                        await self._restore(conversation_id, held, messages)
                    return lease
                freed = self._freed
            await freed.wait()

    async def _free_slot(self) -> int | None:
        taken = {held.slot_id for held in self._held.values()}
        for slot_id in range(self._n_slots):
            if slot_id not in taken:
                return slot_id
        for conversation_id, held in self._held.items():
            if held.slot_id not in self._busy:
                await self._save(conversation_id, held)
                del self._held[conversation_id]
                return held.slot_id
        return None

    async def prepare(
        self,
        conversation_id: str,
        messages: Sequence[ChatMessage],
        opening: Mapping[str, Any] | None = None,
    ) -> bool:
        """Restore the conversation's saved cache before it is asked anything (it was opened).

        ``messages`` is how its next prompt begins. Only a conversation with a saved cache that
        no slot holds is restored, into a free slot or the least recently used idle one; with
        every slot busy nothing happens (the next answer restores it then). With ``opening``
        (the next request's template fields) the next user turn's opening is then read too
        (``_read_ahead``). Returns whether the cache was restored.
        """
        if not self.persistent or self.caches.get(conversation_id) is None:
            return False
        async with self._lock:
            await self._sync_generation()
            if self._n_slots == 0 or conversation_id in self._held:
                return False
            slot_id = await self._free_slot()
            if slot_id is None:
                return False
            held = self._held[conversation_id] = _Held(slot_id, self._model_path)
            await self._restore(conversation_id, held, messages)
            if held.messages is not None and opening is not None:
                await read_opening_ahead(self.adapter, slot_id, messages, opening)
        if held.messages is None:
            return False
        log.info("Restored the cache of %s into slot %d on opening it", conversation_id, slot_id)
        return True

    async def read_draft(
        self,
        conversation_id: str,
        messages: Sequence[ChatMessage],
        opening: Mapping[str, Any],
        typed: str,
    ) -> int:
        """Read the next user turn's opening and ``typed`` (the draft so far) into the slot of
        ``conversation_id`` (``_read_ahead``), only when that idle slot holds the beginning of
        ``messages`` (restored or just answered): never a whole history. The tokens read."""
        async with self._lock:
            await self._sync_generation()
            held = self._held.get(conversation_id)
            if (
                held is None
                or held.messages is None
                or held.slot_id in self._busy
                or len(messages) < len(held.messages)
                or prefix_hash(messages[: len(held.messages)]) != prefix_hash(held.messages)
            ):
                return 0
            return await read_opening_ahead(self.adapter, held.slot_id, messages, opening, typed)

    def _on_disk(self, conversation_id: str, held: _Held) -> Path | None:
        """The saved file, when it already holds exactly what the slot holds."""
        record = self.caches.get(conversation_id)
        if (
            record is None
            or held.messages is None
            or self.slot_dir is None
            or record.model_path != held.model_path
            or record.message_count != len(held.messages)
            or record.prefix_hash != prefix_hash(held.messages)
        ):
            return None
        path = self.slot_dir / record.filename
        return path if path.is_file() else None

    async def _save(self, conversation_id: str, held: _Held) -> None:
        if not self.persistent or not held.messages:
            return
        saved = self._on_disk(conversation_id, held)
        if saved is not None:
            saved.touch()  # just used: the disk budget removes the oldest files first
            return
        filename = f"{_FILE_PREFIX}{conversation_id}.bin"
        try:
            await self.adapter.slot_action(held.slot_id, "save", filename)
        except ServerError as exc:
            log.warning("Could not save the cache of %s: %s", conversation_id, exc.message)
            return
        self.caches.put(
            SlotCacheRecord(
                conversation_id=conversation_id,
                filename=filename,
                model_path=held.model_path,
                prefix_hash=prefix_hash(held.messages),
                message_count=len(held.messages),
                saved_at=utc_now(),
            )
        )
        self._enforce_budget()

    async def _restore(
        self, conversation_id: str, held: _Held, messages: Sequence[ChatMessage]
    ) -> None:
        record = self.caches.get(conversation_id) if self.persistent else None
        if record is None:
            return
        prefix = list(messages[: record.message_count])
        if (
            record.model_path != held.model_path
            or len(prefix) != record.message_count
            or prefix_hash(prefix) != record.prefix_hash
        ):
            self._drop(conversation_id, record.filename)
            return
        try:
            await self.adapter.slot_action(held.slot_id, "restore", record.filename)
        except ServerError as exc:
            log.warning("Could not restore the cache of %s: %s", conversation_id, exc.message)
            self._drop(conversation_id, record.filename)
            return
        held.messages = [dict(m) for m in prefix]

    def _drop(self, conversation_id: str, filename: str) -> None:
        self.caches.delete(conversation_id)
        if self.slot_dir is not None:
            (self.slot_dir / filename).unlink(missing_ok=True)

    def _enforce_budget(self) -> None:
        if self.slot_dir is None:
            return
        records = {r.filename: r for r in self.caches.all()}
        files = []
        for path in self.slot_dir.glob(f"{_FILE_PREFIX}*.bin"):
            if path.name not in records:
                path.unlink(missing_ok=True)
            else:
                stat = path.stat()
                files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        budget = self.disk_budget_mb() * 1024 * 1024
        for _, size, path in sorted(files):
            if total <= budget:
                break
            self._drop(records[path.name].conversation_id, path.name)
            total -= size

    async def save_all(self) -> None:
        """Save every idle slot's cache (at shutdown, or before a planned server restart).

        A server that is not ready at once is not waited for: its slots hold nothing yet, and
        a shutdown must not wait for a model to load.
        """
        async with self._lock:
            if not self._held:
                return
            endpoint = None
            with anyio.move_on_after(_READY_NOW_S):
                endpoint = await self.adapter.endpoints.endpoint()
            if endpoint is None or endpoint.generation != self._generation:
                return
            for conversation_id, held in list(self._held.items()):
                if held.slot_id not in self._busy:
                    await self._save(conversation_id, held)

    async def forget(self, conversation_id: str) -> None:
        """Drop a conversation's slot and saved cache (it was deleted or cleared)."""
        async with self._lock:
            self._held.pop(conversation_id, None)
            record = self.caches.get(conversation_id)
            if record is not None:
                self._drop(conversation_id, record.filename)
