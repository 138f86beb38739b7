"""Which workers a launch takes, the spread, and the memory short: the pure planning rules."""

from __future__ import annotations

from backend.config import RpcSettings, RpcWorker
from backend.rpc import RemoteDevice, RpcPlan, Shortfall, WorkerCheck, parse_devices, plan_workers

_MB = 1000 * 1000


def _reachable(address: str, free_mb: int) -> WorkerCheck:
    device = RemoteDevice("RPC0", address, 2 * free_mb * _MB, free_mb * _MB)
    return WorkerCheck(address, "reachable", (device,))


def _settings(*addresses: str, split: str = "", off: tuple[str, ...] = ()) -> RpcSettings:
    workers = [RpcWorker(address=a, enabled=a not in off) for a in addresses]
    return RpcSettings(workers=workers, tensor_split=split)


def test_no_enabled_worker_is_a_plain_local_launch() -> None:
    assert plan_workers(RpcSettings(), {}, model_bytes=1, local_free_bytes=0) is None
    settings = _settings("a:1", off=("a:1",))
    checks = {"a:1": _reachable("a:1", 100)}
    assert plan_workers(settings, checks, model_bytes=1, local_free_bytes=0) is None


def test_reachable_workers_share_the_model_by_free_memory() -> None:
    checks = {"a:1": _reachable("a:1", 300), "b:2": _reachable("b:2", 100)}
    plan = plan_workers(_settings("a:1", "b:2"), checks, model_bytes=200 * _MB, local_free_bytes=0)
    assert isinstance(plan, RpcPlan)
    assert plan.argv() == ("--rpc", "a:1,b:2")
    assert [(s.worker, s.share_bytes) for s in plan.spread] == [
        ("a:1", 150 * _MB),
        ("b:2", 50 * _MB),
    ]
    assert plan.note() is None


def test_the_users_split_goes_to_llama_server_and_drops_a_missing_workers_share() -> None:
    checks = {
        "a:1": _reachable("a:1", 300),
        "b:2": WorkerCheck("b:2", "refused", error="connection refused"),
        "c:3": _reachable("c:3", 300),
    }
    settings = _settings("a:1", "b:2", "c:3", split="3,5,1")
    plan = plan_workers(settings, checks, model_bytes=100 * _MB, local_free_bytes=0)
    assert isinstance(plan, RpcPlan)
    assert plan.argv() == ("--rpc", "a:1,c:3", "--tensor-split", "3,1")
    assert plan.spread[0].share_bytes == 75 * _MB
    note = plan.note()
    assert note is not None
    assert "b:2 (connection refused)" in note
    assert "still fits on the other workers" in note


def test_a_model_that_no_longer_fits_names_the_missing_worker_and_the_memory_short() -> None:
    checks = {
        "a:1": _reachable("a:1", 100),
        "b:2": WorkerCheck("b:2", "not_answering", error="no answer within 3 s"),
    }
    short = plan_workers(
        _settings("a:1", "b:2"), checks, model_bytes=250 * _MB, local_free_bytes=10**12
    )
    assert isinstance(short, Shortfall)
    assert "worker b:2 (no answer within 3 s)" in short.message
    assert "250.0 MB" in short.message
    assert "100.0 MB free: 150.0 MB short" in short.message


def test_with_every_worker_gone_the_model_runs_here_only_if_it_fits_here() -> None:
    checks = {"a:1": WorkerCheck("a:1", "refused", error="connection refused")}
    here = plan_workers(_settings("a:1"), checks, model_bytes=10, local_free_bytes=100)
    assert isinstance(here, RpcPlan)
    assert here.argv() == ()
    assert "on this machine alone" in (here.note() or "")
    short = plan_workers(_settings("a:1"), checks, model_bytes=300 * _MB, local_free_bytes=_MB)
    assert isinstance(short, Shortfall)
    assert "this machine has 1.0 MB free: 299.0 MB short" in short.message


def test_an_unchecked_worker_is_left_out_as_not_checked() -> None:
    checks = {"a:1": _reachable("a:1", 100)}
    plan = plan_workers(_settings("a:1", "b:2"), checks, model_bytes=10, local_free_bytes=0)
    assert isinstance(plan, RpcPlan)
    assert [c.address for c in plan.left_out] == ["b:2"]


def test_list_devices_output_is_parsed() -> None:
    output = (
        "Available devices:\n"
        "  RPC0: 127.0.0.1:50052 (24105 MiB, 24000 MiB free)\n"
        "  RPC1[10.0.0.2:50052]: Tesla T4 (15360 MiB, 15000 MiB free)\n"
        "  CPU: AMD EPYC (32000 MiB, 30000 MiB free)\n"
    )
    devices = parse_devices(output)
    assert [d.name for d in devices] == ["RPC0", "RPC1[10.0.0.2:50052]"]
    assert devices[0].free_bytes == 24000 * 1024 * 1024
    assert devices[1].description == "Tesla T4"
