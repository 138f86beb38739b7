"""The environment of every program LlamaDesk starts: ours, less what the packaged app's loader set.

PyInstaller's bootloader puts the bundle's library folder first on ``LD_LIBRARY_PATH`` (keeping
the user's value, if any, in ``LD_LIBRARY_PATH_ORIG``) and marks the process with ``_PYI_*``
variables. Our own process and Qt's QtWebEngineProcess need that; a child must not get it: the
system's browser behind ``xdg-open`` would load the bundle's Qt and NSS, llama-server's
``$ORIGIN`` libraries would lose to same-named ones in the bundle (``LD_LIBRARY_PATH`` wins over
a run path), and another frozen program (or our own executable run again) would take itself for
a part of this one. ``child_environ`` undoes exactly that, and only in the packaged app: from
source, a user's ``LD_LIBRARY_PATH`` is theirs and passes through unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .paths import bundle_dir

__all__ = ["child_environ"]

_LIBRARY_PATH = "LD_LIBRARY_PATH"
_ORIGINAL = "LD_LIBRARY_PATH_ORIG"
_LOADER_PREFIX = "_PYI_"


def child_environ(
    environ: Mapping[str, str] | None = None, *, frozen: bool | None = None
) -> dict[str, str]:
    """A copy of ``environ`` (default ``os.environ``) for a child process.

    In the packaged app (``frozen``, default: whether this process is), ``LD_LIBRARY_PATH`` is
    restored to the value the user started it with (removed when there was none) and the loader's
    own variables are left out.
    """
    env = dict(os.environ if environ is None else environ)
    if not (bundle_dir() is not None if frozen is None else frozen):
        return env
    original = env.pop(_ORIGINAL, None)
    if original is None:
        env.pop(_LIBRARY_PATH, None)
    else:
        env[_LIBRARY_PATH] = original
    return {key: value for key, value in env.items() if not key.startswith(_LOADER_PREFIX)}
