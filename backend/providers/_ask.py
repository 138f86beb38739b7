"""The ``ask`` failover policy: the question the router asks, and what happens with no one to ask.

When a failover trigger fires under a rule set to ``ask``, the router hands a ``Question`` (who
stopped answering, why, and who would take over) to the caller's ``Ask`` and waits for its
``FailoverChoice``: ``continue`` goes on exactly as ``automatic`` would (a cut answer continues
from its text), ``wait`` tries the local server as ``off`` would (it waits for a restart within
the engine's patience) when the question came before any answer, and ``cancel`` (or ``wait``
after a failure mid-answer) ends the answer with the error, as ``off`` does.

A caller with no one to ask (the local API: a program is waiting, not the user) passes no
``Ask``; the rule then acts as ``off`` and the error says why the answer did not fail over.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..contract import FailoverChoice
from ..errors import ServerError

if TYPE_CHECKING:
    from ._router import Route

__all__ = ["Ask", "Question", "unasked"]


@dataclass(frozen=True)
class Question:
    """A provider cannot answer: may ``following`` take over?"""

    route: Route
    following: Route
    error: ServerError
    """Why ``route`` is not answering (the trigger)."""
    cut: bool
    """The answer had begun (the text so far would be continued)."""

    @property
    def reason(self) -> str:
        """The error's message, as the question shows it."""
        return self.error.message


class Ask(Protocol):
    """Puts a ``Question`` to the user and returns their choice."""

    async def __call__(self, question: Question) -> FailoverChoice:
        """The user's choice (cancelled with the answer)."""
        ...


def unasked(question: Question) -> ServerError:
    """The question's error (its class kept), saying that failing over needed a yes no one
    could give."""
    told = copy.copy(question.error)
    told.message = (
        f"{question.reason.rstrip('.')}. Failing over to {question.following.provider_name} is "
        "set to ask, and no one can be asked here: set the rule to automatic in Settings → "
        "Providers to let these requests fail over."
    )
    told.args = (told.message,)
    return told
