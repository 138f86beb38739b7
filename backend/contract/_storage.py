"""The conversation database's safety net as the page sees it: a recovery at start, backups."""

from __future__ import annotations

from pydantic import Field

from ._base import Params, Wire

__all__ = [
    "BackupInfo",
    "BackupList",
    "DatabaseRecovery",
    "RestoreBackupParams",
    "RestoredBackup",
]


class BackupInfo(Wire):
    """One daily backup of the conversations."""

    name: str
    created_at: str = Field(description="When it was made, ISO-8601 UTC.")
    size_bytes: int


class BackupList(Wire):
    """The backups, newest first, and the folder that holds them."""

    folder: str
    backups: list[BackupInfo]


class DatabaseRecovery(Wire):
    """What start-up did with a damaged conversation database."""

    problem: str = Field(description="What was wrong with the file.")
    damaged_path: str = Field(description="Where the original file is now, untouched.")
    recovered_at: str = Field(description="When, ISO-8601 UTC.")
    conversations: int = Field(description="Conversations in the recovered database.")
    messages: int = Field(description="Messages in the recovered database.")
    unreadable_pages: int = Field(description="Parts of the file that could not be read.")
    newest_backup: BackupInfo | None = Field(
        None, description="The newest backup made before the recovery: it may hold more."
    )


class RestoreBackupParams(Params):
    """Which backup to restore (a name from ``list_backups``)."""

    name: str = Field(max_length=64, pattern=r"^conversations-\d{8}-\d{6}\.db$")


class RestoredBackup(Wire):
    """The backup now in use, and where the conversations from before it were kept."""

    backup: BackupInfo
    kept_aside: str
