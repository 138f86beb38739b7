"""What to tell the user when the app cannot start or its services stop by themselves.

Start-up either works or ends with one clear message and a non-zero exit, never a traceback nor a
window left half alive. An exception that stops the app may come wrapped in task groups'
exception groups, or as a bare ``OSError`` from a write on a full disk; ``as_app_error`` unwraps
it and turns it into the ``LlamaDeskError`` whose message is printed.
"""

from __future__ import annotations

import errno

from ..errors import InternalError, LlamaDeskError, StorageError

__all__ = ["as_app_error"]


def as_app_error(exc: BaseException) -> LlamaDeskError:
    """The error to report for ``exc``: ours as it is, a disk error in words, a bug as such."""
    exc = _cause(exc)
    if isinstance(exc, LlamaDeskError):
        return exc
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        if exc.errno == errno.ENOSPC:
            return StorageError(
                f"The disk is full: LlamaDesk could not write{where}.",
                detail="Free some space and start LlamaDesk again.",
            )
        return StorageError(
            f"LlamaDesk could not use{where}: {exc.strerror or exc}.",
            detail="Check the disk and the folder's permissions, then start LlamaDesk again.",
        )
    return InternalError("LlamaDesk stopped after an unexpected error.", detail=repr(exc))


def _cause(exc: BaseException) -> BaseException:
    """The first of ours (else the first disk error, else the first error) in any groups."""
    leaves = list(_leaves(exc))
    for kind in (LlamaDeskError, OSError):
        found = next((leaf for leaf in leaves if isinstance(leaf, kind)), None)
        if found is not None:
            return found
    return leaves[0] if leaves else exc


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]
