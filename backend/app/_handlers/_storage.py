"""Storage commands: what start-up recovered from a damaged database, the backups, a restore."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from ...chat import migrate
from ...contract import (
    BackupInfo,
    BackupList,
    DatabaseRecovery,
    EmptyParams,
    RestoreBackupParams,
    RestoredBackup,
)
from ._base import HandlerBase

if TYPE_CHECKING:
    from ...storage import Backup
    from .._services import Services

__all__ = ["StorageCommands", "backup_info", "recovery_notice"]


def backup_info(backup: Backup) -> BackupInfo:
    """A backup as the page lists it."""
    return BackupInfo(name=backup.name, created_at=backup.created_at, size_bytes=backup.size)


def recovery_notice(services: Services) -> DatabaseRecovery | None:
    """What start-up recovered, for the page; None when the database was sound."""
    recovery = services.recovery
    if recovery is None:
        return None
    backup = services.backup_before_recovery
    return DatabaseRecovery(
        problem=recovery.problem,
        damaged_path=str(recovery.damaged),
        recovered_at=recovery.at.isoformat().replace("+00:00", "Z"),
        conversations=recovery.conversations,
        messages=recovery.messages,
        unreadable_pages=recovery.unreadable_pages,
        newest_backup=backup_info(backup) if backup is not None else None,
    )


class StorageCommands(HandlerBase):
    """The conversation database: a recovery at start, the daily backups, restoring one."""

    async def get_database_recovery(self, params: EmptyParams) -> DatabaseRecovery | None:
        """What start-up did with a damaged conversation database (None: it was sound)."""
        return recovery_notice(self._services)

    async def list_backups(self, params: EmptyParams) -> BackupList:
        """The daily backups of the conversations, newest first."""
        backups = self._services.backups
        listed = await anyio.to_thread.run_sync(backups.list)
        return BackupList(folder=str(backups.folder), backups=[backup_info(b) for b in listed])

    async def restore_backup(self, params: RestoreBackupParams) -> RestoredBackup:
        """Replace the conversations with a backup's; the current ones are kept aside first.

        Running answers are stopped first (their text is kept in the file set aside).
        """
        chat = self._services.chat
        for conversation in await chat.conversations.list_conversations():
            await chat.stop(conversation.id)
        restored = await anyio.to_thread.run_sync(
            self._services.backups.restore, params.name, migrate
        )
        return RestoredBackup(
            backup=backup_info(restored.backup), kept_aside=str(restored.kept_aside)
        )
