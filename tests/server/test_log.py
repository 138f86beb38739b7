"""The server log: a ring buffer of recent lines and a size-rotated file."""

from __future__ import annotations

from pathlib import Path

from backend.server import ServerLog


def test_tail_keeps_the_last_lines(tmp_path: Path) -> None:
    log = ServerLog(tmp_path / "server.log", keep=3)
    for index in range(5):
        log.write(f"line {index}")
    log.note("hello")
    assert log.tail(2) == ["line 4", "[llamadesk] hello"]
    assert log.tail(10) == ["line 3", "line 4", "[llamadesk] hello"]
    assert log.tail(0) == []
    log.close()
    assert (tmp_path / "server.log").read_text().splitlines()[0] == "line 0"


def test_the_file_rotates_by_size(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "server.log"
    log = ServerLog(path, max_bytes=100, backups=2)
    for index in range(42):
        log.write(f"line {index:04d} " + "x" * 10)  # 21 bytes: a file rotates after 5 lines
    log.close()
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["server.log", "server.log.1", "server.log.2"]
    assert [line[:9] for line in path.read_text().splitlines()] == ["line 0040", "line 0041"]
    first = (path.parent / "server.log.1").read_text().splitlines()
    assert [line[:9] for line in first] == [f"line {i:04d}" for i in range(35, 40)]
    second = (path.parent / "server.log.2").read_text().splitlines()
    assert [line[:9] for line in second] == [f"line {i:04d}" for i in range(30, 35)]


def test_no_backups_means_truncate(tmp_path: Path) -> None:
    path = tmp_path / "server.log"
    log = ServerLog(path, max_bytes=30, backups=0)
    for index in range(5):
        log.write(f"line {index} " + "y" * 20)
    log.close()
    assert [p.name for p in tmp_path.iterdir()] == ["server.log"]
    assert path.read_text().startswith("line 4 ")


def test_a_file_that_cannot_be_written_keeps_the_lines_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "logs"
    blocker.write_text("a file where the log folder should be")
    log = ServerLog(blocker / "server.log")
    log.write("one")
    log.note("two")
    assert log.tail(10) == [
        "one",
        f"[llamadesk] could not write {blocker / 'server.log'} (File exists); "
        "the log is kept in memory until it can be written again",
        "[llamadesk] two",
    ]
    blocker.unlink()
    log.write("three")
    log.close()
    assert (blocker / "server.log").read_text() == "three\n"
