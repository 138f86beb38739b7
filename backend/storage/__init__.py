"""The conversation database file's health: checked at start, recovered when damaged, backed up.

``ensure_usable`` runs before the store opens the file and recovers a damaged one into a fresh
database, keeping the original aside; ``read_rows`` is the page reader it uses when SQLite itself
refuses the file. ``Backups`` keeps a rotating set of daily copies and restores one.
"""

from ._backup import Backup, Backups, Restored
from ._integrity import Recovery, check_database, ensure_usable
from ._pages import RawRow, read_rows

__all__ = [
    "Backup",
    "Backups",
    "RawRow",
    "Recovery",
    "Restored",
    "check_database",
    "ensure_usable",
    "read_rows",
]
