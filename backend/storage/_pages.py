"""Read table rows straight from an SQLite file's pages, for a file SQLite itself refuses.

Python's ``sqlite3`` has no ``.recover`` (that lives in the CLI) and this build has no
``sqlite_dbpage``, so the recovery reads the file format itself (sqlite.org/fileformat2.html):

- **Pages.** The page size comes from the header, else from the WAL header, else from the size
  whose pages look most like b-tree pages (a header of garbage still leaves the pages readable).
  A WAL file left by a crash is overlaid: each page's last frame in a committed, checksummed
  transaction replaces the page, so committed rows that never reached the main file are read too.
- **Tables.** The schema b-tree on page 1 maps each table to its root page; walking a table's
  b-tree from its root finds its rows and skips any page that does not parse (only that page's rows
  are lost). Table-leaf pages that no root reaches and that are not on the freelist (a damaged
  interior page cut them off) are returned as orphans with no table name, for the caller to match
  by shape. Freed pages are never returned, so deleted rows do not come back.
- **Records.** Cells are decoded with their overflow chains; text is UTF-8 with bad bytes replaced.
  A row whose overflow chain breaks keeps what was read, marked ``partial``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RawRow", "read_rows"]

_MAGIC = b"SQLite format 3\x00"
_WAL_MAGIC = (0x377F0682, 0x377F0683)
_TABLE_LEAF, _TABLE_INTERIOR, _INDEX_LEAF, _INDEX_INTERIOR = 13, 5, 10, 2
_PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)

Value = int | float | str | bytes | None
_Row = tuple[int, tuple[Value, ...], bool]


@dataclass(frozen=True)
class RawRow:
    """One row found in the file: its table (None for an orphan page), rowid and values."""

    table: str | None
    rowid: int
    values: tuple[Value, ...]
    partial: bool = False
    """Part of the row was on an unreadable page: a text is cut short, later values are None."""


class _Unreadable(Exception):
    """A page or cell that does not parse."""


def read_rows(path: Path) -> tuple[list[RawRow], int]:
    """Every readable row of every table in ``path`` (and its ``-wal``); and the unreadable pages.

    Never raises for damaged content; an unreadable file gives no rows.
    """
    data = path.read_bytes()
    wal = Path(f"{path}-wal")
    wal_data = wal.read_bytes() if wal.is_file() else b""
    image = _Image.load(data, wal_data)
    if image is None:
        return [], 0
    return image.rows()


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        if pos + i >= len(buf):
            raise _Unreadable("varint runs past the page")
        byte = buf[pos + i]
        if i == 8:
            return (value << 8) | byte, pos + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    raise AssertionError("unreachable")


def _wal_pages(wal: bytes) -> tuple[int, dict[int, bytes]]:
    """The WAL's page size and the pages of its committed, checksummed frames (last wins)."""
    if len(wal) < 32:
        return 0, {}
    magic, _version, page_size, _seq, salt1, salt2 = struct.unpack(">6I", wal[:24])
    if magic not in _WAL_MAGIC or page_size not in _PAGE_SIZES:
        return 0, {}
    order = ">" if magic == _WAL_MAGIC[1] else "<"
    sums = _checksum(wal[:24], (0, 0), order)
    if sums != struct.unpack(">2I", wal[24:32]):
        return 0, {}
    committed: dict[int, bytes] = {}
    pending: dict[int, bytes] = {}
    frame = 24 + page_size
    for start in range(32, len(wal) - frame + 1, frame):
        number, commit, s1, s2, c1, c2 = struct.unpack(">6I", wal[start : start + 24])
        page = wal[start + 24 : start + frame]
        if (s1, s2) != (salt1, salt2):
            break
        sums = _checksum(wal[start : start + 8] + page, sums, order)
        if sums != (c1, c2):
            break
        pending[number] = page
        if commit:
            committed.update(pending)
            pending = {}
    return page_size, committed


def _checksum(data: bytes, sums: tuple[int, int], order: str) -> tuple[int, int]:
    s0, s1 = sums
    words = struct.unpack(f"{order}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def _looks_like_btree(page: bytes, offset: int = 0) -> bool:
    """A b-tree page header whose cell pointers all point into its cell content area."""
    if len(page) < offset + 8 or page[offset] not in (2, 5, 10, 13):
        return False
    cells = int.from_bytes(page[offset + 3 : offset + 5], "big")
    content = int.from_bytes(page[offset + 5 : offset + 7], "big") or 65536
    header = 8 if page[offset] in (_TABLE_LEAF, _INDEX_LEAF) else 12
    if not offset + header + 2 * cells <= content <= len(page):
        return False
    start = offset + header
    return all(
        content <= int.from_bytes(page[p : p + 2], "big") < len(page)
        for p in range(start, start + 2 * cells, 2)
    )


def _guess_page_size(data: bytes) -> int:
    """The size at which most chunks of the file are b-tree pages (4096 on a tie)."""

    def score(size: int) -> int:
        return sum(_looks_like_btree(data[i : i + size]) for i in range(0, len(data), size))

    return max(_PAGE_SIZES, key=score)


@dataclass
class _Image:
    """The database's pages (1-based), the usable size of each, and the freelist if known."""

    pages: dict[int, bytes]
    usable: int
    free: set[int]

    @classmethod
    def load(cls, data: bytes, wal: bytes) -> _Image | None:
        wal_size, wal_pages = _wal_pages(wal)
        header_ok = data.startswith(_MAGIC) and len(data) >= 100
        size = int.from_bytes(data[16:18], "big") if header_ok else 0
        size = 65536 if size == 1 else size
        if size not in _PAGE_SIZES:
            size = wal_size or _guess_page_size(data)
        reserved = data[20] if header_ok and data[20] < 64 else 0
        pages = {n // size + 1: data[n : n + size] for n in range(0, len(data) - size + 1, size)}
        if wal_size == size:
            pages.update(wal_pages)
        if not pages:
            return None
        image = cls(pages, size - reserved, set())
        first = pages.get(1, b"")
        if first.startswith(_MAGIC):
            image.free = image.freelist(int.from_bytes(first[32:36], "big"))
        return image

    def freelist(self, trunk: int) -> set[int]:
        """Trunk and leaf pages of the freelist, as far as it can be followed."""
        free: set[int] = set()
        while trunk in self.pages and trunk not in free:
            free.add(trunk)
            page = self.pages[trunk]
            count = min(int.from_bytes(page[4:8], "big"), (len(page) - 8) // 4)
            free.update(int.from_bytes(page[8 + 4 * i : 12 + 4 * i], "big") for i in range(count))
            trunk = int.from_bytes(page[0:4], "big")
        return free

    def rows(self) -> tuple[list[RawRow], int]:
        reached: set[int] = set()
        bad: set[int] = set()
        schema = list(self._walk(1, reached, bad))
        roots: dict[int, str] = {}
        for _rowid, values, _partial in schema:
            kind, name, _table, root, _sql = (*values, None, None, None, None, None)[:5]
            if kind in ("table", "index") and isinstance(root, int) and root > 0:
                roots[root] = str(name) if kind == "table" else ""
        found: list[RawRow] = []
        for root, name in sorted(roots.items()):
            for rowid, values, partial in self._walk(root, reached, bad):
                if name:
                    found.append(RawRow(name, rowid, values, partial))
        for number, page in sorted(self.pages.items()):
            if number in reached or number in self.free or number == 1:
                continue
            if page[:1] == bytes([_TABLE_LEAF]) and _looks_like_btree(page):
                found.extend(RawRow(None, *row) for row in self._leaf(number, bad))
        return found, len(bad)

    def _walk(self, root: int, reached: set[int], bad: set[int]) -> Iterator[_Row]:
        """The rows of the table b-tree at ``root``; index b-trees are only marked as reached."""
        stack = [root]
        while stack:
            number = stack.pop()
            if number in reached:
                continue
            if number not in self.pages:
                bad.add(number)
                continue
            reached.add(number)
            page, offset = self.pages[number], 100 if number == 1 else 0
            if not _looks_like_btree(page, offset):
                bad.add(number)
                continue
            kind = page[offset]
            if kind in (_TABLE_INTERIOR, _INDEX_INTERIOR):
                stack.extend(reversed(self._children(page, offset)))
            elif kind == _TABLE_LEAF:
                yield from self._leaf(number, bad)

    @staticmethod
    def _children(page: bytes, offset: int) -> list[int]:
        children = []
        for pointer in _cell_pointers(page, offset, 12):
            children.append(int.from_bytes(page[pointer : pointer + 4], "big"))
        children.append(int.from_bytes(page[offset + 8 : offset + 12], "big"))
        return children

    def _leaf(self, number: int, bad: set[int]) -> Iterator[_Row]:
        page, offset = self.pages[number], 100 if number == 1 else 0
        for pointer in _cell_pointers(page, offset, 8):
            try:
                yield self._cell(page, pointer)
            except (_Unreadable, struct.error, IndexError, ValueError):
                bad.add(number)

    def _cell(self, page: bytes, pos: int) -> _Row:
        size, pos = _varint(page, pos)
        rowid, pos = _varint(page, pos)
        usable = self.usable
        most = usable - 35
        local = size
        if size > most:
            least = (usable - 12) * 32 // 255 - 23
            local = least + (size - least) % (usable - 4)
            local = local if local <= most else least
        payload = page[pos : pos + local]
        if len(payload) != local:
            raise _Unreadable("cell runs past the page")
        if local < size:
            payload += self._overflow(int.from_bytes(page[pos + local : pos + local + 4], "big"))
        values = _record(payload[:size])
        return rowid, values, len(payload) < size

    def _overflow(self, number: int) -> bytes:
        """The chain's content up to its first page that links nowhere (that page is garbage)."""
        parts, seen = [], set()
        while number in self.pages and number not in seen:
            seen.add(number)
            page = self.pages[number]
            following = int.from_bytes(page[:4], "big")
            if following and following not in self.pages:
                break
            parts.append(page[4 : self.usable])
            number = following
        return b"".join(parts)


def _cell_pointers(page: bytes, offset: int, header: int) -> list[int]:
    count = int.from_bytes(page[offset + 3 : offset + 5], "big")
    start = offset + header
    pointers = [
        int.from_bytes(page[start + 2 * i : start + 2 * i + 2], "big") for i in range(count)
    ]
    return [p for p in pointers if start + 2 * count <= p < len(page)]


def _record(payload: bytes) -> tuple[Value, ...]:
    header_size, pos = _varint(payload, 0)
    if not 0 < header_size <= len(payload):
        raise _Unreadable("bad record header")
    types = []
    while pos < header_size:
        serial, pos = _varint(payload, pos)
        types.append(serial)
    values: list[Value] = []
    body = header_size
    for serial in types:
        value, body = _value(payload, body, serial)
        values.append(value)
    return tuple(values)


_INT_SIZES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}


def _value(payload: bytes, pos: int, serial: int) -> tuple[Value, int]:
    """One value; past the end of a cut-short payload a number is None and a text what is left."""
    if serial == 0:
        return None, pos
    if serial in (8, 9):
        return serial - 8, pos
    if 10 <= serial < 12:
        raise _Unreadable(f"reserved serial type {serial}")
    length = _INT_SIZES.get(serial, 8) if serial < 12 else (serial - 12) // 2
    raw = payload[pos : pos + length]
    if serial >= 12:
        text = raw.decode("utf-8", errors="replace") if serial % 2 else raw
        return text if raw or not length else None, pos + length
    if len(raw) != length:
        return None, pos + length
    if serial == 7:
        return struct.unpack(">d", raw)[0], pos + length
    return int.from_bytes(raw, "big", signed=True), pos + length
