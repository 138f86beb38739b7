"""The lifecycle table: values match the contract, invalid transitions raise."""

from __future__ import annotations

import itertools
from typing import get_args

import pytest

from backend.contract import ServerState
from backend.errors import InternalError
from backend.server import ServerPhase, check_transition

ALLOWED = {
    ("stopped", "starting"),
    ("starting", "ready"),
    ("starting", "crashed"),
    ("starting", "failed"),
    ("starting", "stopped"),
    ("starting", "restarting"),
    ("ready", "unhealthy"),
    ("ready", "crashed"),
    ("ready", "stopped"),
    ("ready", "restarting"),
    ("unhealthy", "ready"),
    ("unhealthy", "crashed"),
    ("unhealthy", "stopped"),
    ("unhealthy", "restarting"),
    ("crashed", "restarting"),
    ("crashed", "failed"),
    ("crashed", "stopped"),
    ("restarting", "starting"),
    ("restarting", "failed"),
    ("restarting", "stopped"),
    ("failed", "starting"),
    ("failed", "stopped"),
}


def test_phases_are_exactly_the_contract_states() -> None:
    assert [phase.value for phase in ServerPhase] == list(get_args(ServerState))


@pytest.mark.parametrize(("current", "target"), list(itertools.product(ServerPhase, ServerPhase)))
def test_only_listed_transitions_are_allowed(current: ServerPhase, target: ServerPhase) -> None:
    if (current.value, target.value) in ALLOWED:
        check_transition(current, target)
    else:
        with pytest.raises(InternalError, match=f"{current.value} → {target.value}"):
            check_transition(current, target)
