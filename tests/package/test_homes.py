"""The homes the package tests run the app in are removed afterwards (they used to pile up in
/tmp as ``llamadesk-home-*``, root-owned and world-readable)."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from .packaged import Homes


def test_every_home_and_what_was_written_beside_it_is_removed(test_user: str) -> None:
    before = set(Path("/tmp").glob("llamadesk-home*"))
    homes = Homes()
    mine = homes()
    theirs = homes(owner=test_user)
    (mine / ".local" / "share" / "llamadesk").mkdir(parents=True)
    (mine / ".local" / "share" / "llamadesk" / "conversations.db").write_bytes(b"x")
    (theirs.parent / f"{theirs.name}.out").write_text("the app's stdout\n")
    account = pwd.getpwnam(test_user)
    (theirs / "shots").mkdir()
    os.chown(theirs / "shots", account.pw_uid, account.pw_gid)
    assert theirs.stat().st_uid == account.pw_uid
    assert mine.parent == theirs.parent == homes.root
    homes.close()
    assert not homes.root.exists()
    assert set(Path("/tmp").glob("llamadesk-home*")) == before
