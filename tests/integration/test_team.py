"""A team at once: concurrent operations, crashes, injected faults, the cleaner, orphans."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from eden_world import World
from inventory import inventory

from eden.aws.clients import AwsClients
from eden.config import Profile, write_profile
from eden.envs import gc
from eden.errors import EdenError, ExecutionFailed, LockedError
from eden.sandbox.seed import SeedInfo
from eden.state import SqliteStore, StateStore, open_store
from eden.state.leases import LockPolicy
from eden.wiring import aws_settings, open_engine

# Threads: 8 creates then 8 deletes at once (20, then 12 before) still queue on every
# shared piece (rule priorities, the endpoints document's group commit, the store's leases);
# the concurrency benchmark (bench/team.py) runs 20 and 50.
N_CONCURRENT = 8
# Processes: 4 creates then 4 deletes, each spending about a second starting, still overlap
# on 2 cores; the lease race between processes is held with 4 per store in
# test_state_stores.py.
N_PROCESSES = 4

# Where the store does not matter to what a test proves, it runs on one: the store's own
# contract (records, journal, leases, their races in threads and processes) is held for
# both in test_state_stores.py. Both stores run what an engine does with its leases.
ON_DYNAMODB = pytest.mark.parametrize("state_url", ["dynamodb"], indirect=True)
ON_SQLITE = pytest.mark.parametrize("state_url", ["sqlite"], indirect=True)


@pytest.fixture(params=["sqlite", "dynamodb"])
def state_url(
    request: pytest.FixtureRequest, tmp_path: Path, moto_url: str, seeded: SeedInfo
) -> str:
    """The same tests with each store: a SQLite file, or a DynamoDB table in moto."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'team.db'}"
    try:
        from eden.state.dynamodb import DynamoStore
    except ImportError:  # pragma: no cover - only while the DynamoDB store is absent
        pytest.fail("eden.state.dynamodb is missing")
    table = f"eden-{os.getpid()}-{time.monotonic_ns()}"
    url = f"dynamodb://{table}?region=us-east-1&endpoint_url={moto_url}"
    store = open_store(url)
    assert isinstance(store, DynamoStore)
    store.create_table()
    return url


def _engine_factory(profile: Profile, state_url: str) -> Any:
    """Each call opens what one process would: its own clients, store and engine."""

    def open_one(**kwargs: Any) -> Any:
        return open_engine(profile, store=open_store(state_url), **kwargs)

    return open_one


def _doc_names(world: World) -> list[str]:
    doc = world.checker.s3.get_json(world.seed.bucket, world.seed.key).doc
    assert doc is not None
    return sorted(e["name"] for e in doc["environments"])


@pytest.mark.heavy(seconds=60)
def test_concurrent_creates_and_deletes_in_threads(
    world: World, profile: Profile, state_url: str
) -> None:
    before = inventory(world.checker, world.seed)
    open_one = _engine_factory(profile, state_url)
    branches = [f"feature/team-{i:02d}" for i in range(N_CONCURRENT)]

    def create(branch: str) -> str:
        with open_one() as engine:
            return str(engine.create(branch, world.image).url)

    with ThreadPoolExecutor(max_workers=N_CONCURRENT) as pool:
        urls = list(pool.map(create, branches))
    assert len(set(urls)) == N_CONCURRENT
    assert _doc_names(world) == sorted(
        ["staging"] + [f"dev-feature-team-{i:02d}" for i in range(N_CONCURRENT)]
    )
    rules = [r for r in world.checker.elbv2.rules(world.seed.listener_arn) if not r["IsDefault"]]
    assert len(rules) == N_CONCURRENT
    assert len({r["Priority"] for r in rules}) == N_CONCURRENT
    with open_one() as engine:
        assert len(engine.environments()) == N_CONCURRENT
        assert gc.find_orphans(engine).by_env == {}

    def delete(branch: str) -> None:
        with open_one() as engine:
            engine.delete(branch)

    with ThreadPoolExecutor(max_workers=N_CONCURRENT) as pool:
        list(pool.map(delete, branches))
    assert inventory(world.checker, world.seed) == before
    with open_one() as engine:
        assert engine.environments() == []
        assert gc.find_orphans(engine).by_env == {}


Cli = Callable[[list[str], dict[str, str]], "subprocess.Popen[str]"]


@pytest.fixture
def cli() -> Iterator[Cli]:
    """Starts ``python -m eden ARGS``; whatever still runs when the test ends is killed."""
    started: list[subprocess.Popen[str]] = []

    def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "eden", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=30)


@pytest.fixture
def cli_env(tmp_path: Path, profile_values: dict[str, Any], state_url: str) -> dict[str, str]:
    path = tmp_path / "eden.toml"
    write_profile(path, "sandbox", {**profile_values, "state": state_url})
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDEN_")}
    env.update(
        EDEN_CONFIG=str(path),
        EDEN_PROFILE="sandbox",
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
    )
    return env


@pytest.mark.heavy(seconds=30)
@ON_DYNAMODB  # the store a team's CI jobs share across machines
def test_concurrent_creates_and_deletes_in_processes(
    world: World, cli_env: dict[str, str], profile: Profile, state_url: str, cli: Cli
) -> None:
    before = inventory(world.checker, world.seed)
    branches = [f"feature/proc-{i:02d}" for i in range(N_PROCESSES)]
    procs = [cli(["create", b, "--image", world.image, "-o", "json"], cli_env) for b in branches]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0] * N_PROCESSES, [e for _, e in outs]
    assert _doc_names(world) == sorted(
        ["staging"] + [f"dev-feature-proc-{i:02d}" for i in range(N_PROCESSES)]
    )
    rules = [r for r in world.checker.elbv2.rules(world.seed.listener_arn) if not r["IsDefault"]]
    assert len({r["Priority"] for r in rules}) == len(rules) == N_PROCESSES
    procs = [cli(["delete", b], cli_env) for b in branches]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0] * N_PROCESSES, [e for _, e in outs]
    assert inventory(world.checker, world.seed) == before
    with _engine_factory(profile, state_url)() as engine:
        assert gc.find_orphans(engine).by_env == {}


def test_two_operations_on_one_environment_serialize(
    world: World, profile: Profile, state_url: str
) -> None:
    open_one = _engine_factory(profile, state_url)
    lease = "env:sandbox:feature-shared"
    watcher = open_store(state_url)
    # The first operation stops at its first AWS call made under the lease, and goes on
    # only once the second has been refused and is waiting: no timing decides the order.
    holding, go = threading.Event(), threading.Event()
    held = AwsClients(aws_settings(profile))

    def hold(**_: Any) -> None:
        if not holding.is_set() and watcher.lock_info(lease) is not None:
            holding.set()
            assert go.wait(60), "the second operation never waited for the lease"

    held.on("before-call.*.*", hold)
    spans: dict[str, tuple[float, float]] = {}
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with open_one(clients=held) as engine:
                t0 = time.monotonic()
                engine.create("feature/shared", world.image)
                spans["first"] = (t0, time.monotonic())
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    waits: list[float] = []

    def waited(_holder: str, seconds: float) -> None:
        waits.append(seconds)
        go.set()

    try:
        assert holding.wait(60), "the first operation never made an AWS call under its lease"
        info = watcher.lock_info(lease)
        assert info is not None and info.owner, f"{lease} is not held: {info}"
        with (
            open_one(lock_policy=LockPolicy(mode="fail")) as engine,
            pytest.raises(LockedError, match="env:sandbox:feature-shared is held by"),
        ):
            engine.create("feature/shared", world.seed.image_uris[1])
        with open_one(lock_policy=LockPolicy(mode="wait", timeout=60)) as engine:
            out = engine.create("feature/shared", world.seed.image_uris[1], on_wait=waited)
            t_end = time.monotonic()
    finally:
        go.set()
        thread.join(60)
        watcher.close()
    assert not thread.is_alive() and errors == []
    assert waits, "the second operation should have waited"
    assert out.operation == "deploy"  # it ran after the first had created everything
    assert spans["first"][1] <= t_end
    with open_one() as engine:
        events = engine.store.events("sandbox", "feature-shared")
        assert [e.action for e in events] == ["deploy", "create"]
        first_ops = [j for j in engine.store.journal("sandbox", "feature-shared")]
        ops = {j.operation_id for j in first_ops}
        assert len(ops) == 2
        # Journal entries of the two operations do not interleave.
        ordered = sorted(first_ops, key=lambda j: j.at)
        switches = sum(
            1 for a, b in itertools.pairwise(ordered) if a.operation_id != b.operation_id
        )
        assert switches == 1


Call = tuple[str, int]  # an AWS operation and which occurrence of it (1 = the first)


def _probe_calls(profile: Profile, store: StateStore, action: Any) -> list[Call]:
    """Every call one run makes, named by operation and occurrence, in the order they began.

    Calls of one parallel round start in any order, so "the k-th call" is not stable from
    run to run; (operation, occurrence) is, and lets the sweep hit every call.
    """
    clients = AwsClients(aws_settings(profile))
    with open_engine(profile, store=store, clients=clients) as engine:
        action(engine)
    seen: Counter[str] = Counter()
    calls: list[Call] = []
    for record in sorted(clients.calls(), key=lambda c: c.start):
        seen[record.operation] += 1
        calls.append((record.operation, seen[record.operation]))
    return calls


class FaultAt:
    """Makes exactly one call fail, as AWS under load would: ``target`` (operation,
    occurrence), counted from ``arm``; registered once, so one set of clients serves a
    whole sweep (building boto3 clients costs more than the calls they make)."""

    def __init__(self, clients: AwsClients) -> None:
        self.target: Call | None = None
        self.hit = False
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        clients.on("before-call.*.*", self._handler)

    def arm(self, target: Call) -> None:
        with self._lock:
            self.target, self.hit = target, False
            self._counts.clear()

    def _handler(self, model: Any, **_: Any) -> None:
        with self._lock:
            self._counts[model.name] += 1
            hit = (model.name, self._counts[model.name]) == self.target
            if hit:
                self.hit, self.target = True, None
        if hit:
            raise ClientError(
                {"Error": {"Code": "ServiceUnavailable", "Message": f"injected at {model.name}"}},
                model.name,
            )


def _sweep_clients(profile: Profile) -> tuple[AwsClients, FaultAt, AwsClients]:
    """The faulty clients with their fault, and clean ones to converge with."""
    faulty = AwsClients(aws_settings(profile))
    return faulty, FaultAt(faulty), AwsClients(aws_settings(profile))


# The sweeps run on SQLite only: the fault is in an AWS call, and what the store must do
# under it (journal, undo, records) is the same contract on both stores, which
# test_state_stores.py holds for each; the races below run on both.
@pytest.mark.heavy(seconds=75)
def test_a_fault_at_every_call_of_create_converges(world: World, profile: Profile) -> None:
    before = inventory(world.checker, world.seed)
    store = world.store
    image = world.image
    calls = _probe_calls(profile, store, lambda e: e.create("feature/probe", image))
    _probe_calls(profile, store, lambda e: e.delete("feature/probe"))
    assert inventory(world.checker, world.seed) == before
    ops = {op for op, _ in calls}
    assert {"CreateRule", "CreateService", "RegisterTaskDefinition", "PutObject"} <= ops
    faulty, fault, clean = _sweep_clients(profile)
    for k, target in enumerate(calls, 1):
        branch = f"feature/fault-{k}"
        fault.arm(target)
        with (
            open_engine(profile, store=store, clients=faulty) as engine,
            pytest.raises(EdenError, match=f"ServiceUnavailable: injected at {target[0]}"),
        ):
            engine.create(branch, image)
        assert fault.hit, f"the fault at {target} never fired"
        # Undo already removed what was made; a create now converges, a delete cleans.
        with open_engine(profile, store=store, clients=clean) as engine:
            if k % 2:
                out = engine.create(branch, image)
                assert out.record is not None and out.record.status == "ready"
            engine.delete(branch)
            assert gc.find_orphans(engine).by_env == {}
        assert inventory(world.checker, world.seed) == before, f"fault at {target}"


@pytest.mark.heavy(seconds=60)
def test_a_fault_at_every_call_of_delete_converges(world: World, profile: Profile) -> None:
    before = inventory(world.checker, world.seed)
    store = world.store
    with open_engine(profile, store=store) as engine:
        engine.create("feature/probe", world.image)
    calls = _probe_calls(profile, store, lambda e: e.delete("feature/probe"))
    assert {"DeleteService", "DeleteRule", "DeleteTargetGroup", "PutObject"} <= {
        op for op, _ in calls
    }
    faulty, fault, clean = _sweep_clients(profile)
    for k, target in enumerate(calls, 1):
        branch = f"feature/dfault-{k}"
        with open_engine(profile, store=store, clients=clean) as engine:
            engine.create(branch, world.image)
        fault.arm(target)
        with (
            open_engine(profile, store=store, clients=faulty) as engine,
            pytest.raises(EdenError, match=f"ServiceUnavailable: injected at {target[0]}"),
        ):
            engine.delete(branch)
        assert fault.hit, f"the fault at {target} never fired"
        with open_engine(profile, store=store, clients=clean) as engine:
            engine.delete(branch)
            assert gc.find_orphans(engine).by_env == {}
        assert inventory(world.checker, world.seed) == before, f"fault at {target}"


def _wait_for(predicate: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(0.02)


@pytest.mark.heavy(seconds=30)
@ON_DYNAMODB  # a dead process's lease on the shared store: waited out, then resumed
def test_sigkill_in_the_middle_of_a_create_then_resume_and_delete(
    world: World, cli_env: dict[str, str], profile: Profile, state_url: str, cli: Cli
) -> None:
    before = inventory(world.checker, world.seed)
    env = {**cli_env, "EDEN_INJECT_LATENCY_MS": "250", "EDEN_LOCK_TTL": "2"}
    proc = cli(["create", "feature/killed", "--image", world.image], env)
    store = open_store(state_url)
    # Kill it once a write has started and before the service exists.
    _wait_for(
        lambda: any(
            j.step == "target_group" and j.phase == "done"
            for j in store.journal("sandbox", "feature-killed")
        ),
        "the killed create's journal to show its target group made",
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    journal = store.journal("sandbox", "feature-killed")
    assert not any(j.step == "service" and j.phase == "done" for j in journal)
    rec = store.get("sandbox", "feature-killed")
    assert rec is not None and rec.status == "creating"
    # `eden show` reads the journal: the create began and never ended.
    shown = cli(["show", "feature/killed", "-o", "json"], {**env, "EDEN_INJECT_LATENCY_MS": "0"})
    shown_out, shown_err = shown.communicate(timeout=60)
    assert shown.returncode == 0, shown_err
    last = json.loads(shown_out)["last_operation"]
    assert (last["kind"], last["interrupted"], last["ended"]) == ("create", True, None)
    phases = {s["step"]: s["phase"] for s in last["steps"]}
    assert phases["target_group"] == "done" and phases.get("service") != "done"

    # The next create waits out the dead process's lease, then finishes the job.
    resume = cli(
        ["create", "feature/killed", "--image", world.image], {**env, "EDEN_INJECT_LATENCY_MS": "0"}
    )
    out, err = resume.communicate(timeout=120)
    assert resume.returncode == 0, err
    # Said on stderr before the work starts (what the plan says is not the command's result).
    assert "resuming: the last create of feature-killed was interrupted after" in err
    assert out.startswith("created feature-killed in ")
    assert world.checker.ecs.describe_service(world.seed.cluster, "eden-feature-killed") is not None
    rec = store.get("sandbox", "feature-killed")
    assert rec is not None and rec.status == "ready"

    # A second kill, and delete cleans up whatever state it is in.
    proc = cli(["create", "feature/killed2", "--image", world.image], env)
    _wait_for(
        lambda: any(j.phase == "done" for j in store.journal("sandbox", "feature-killed2")),
        "the second killed create's journal to show a step done",
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    for branch in ("feature/killed", "feature/killed2"):
        done = cli(["delete", branch], {**env, "EDEN_INJECT_LATENCY_MS": "0"})
        _, err = done.communicate(timeout=120)
        assert done.returncode == 0, err
    assert inventory(world.checker, world.seed) == before
    with _engine_factory(profile, state_url)() as engine:
        assert gc.find_orphans(engine).by_env == {}


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@ON_SQLITE
def test_gc_deletes_idle_environments_keeps_pinned_and_renewed(
    world: World, profile: Profile, state_url: str
) -> None:
    before = inventory(world.checker, world.seed)
    clock = FakeClock(1_000_000.0)
    open_one = _engine_factory(profile, state_url)
    with open_one(clock=clock) as engine:
        for b in ("feature/idle", "feature/pinned", "feature/busy", "feature/idle2"):
            engine.create(b, world.image)
        engine.pin("feature/pinned")
        clock.now += 20 * 3600
        engine.create("feature/busy", world.seed.image_uris[1])  # a deploy renews the TTL
        clock.now += 5 * 3600  # 25 h after creation, 5 h after the deploy
        assert [r.name for r in gc.stale(engine.environments(), clock(), 24)] == [
            "feature-idle",
            "feature-idle2",
        ]
        results = gc.collect(engine, gc.stale(engine.environments(), clock(), 24), parallel=2)
        assert all(r.ok for r in results)
        assert sorted(r.name for r in engine.environments()) == ["feature-busy", "feature-pinned"]
        clock.now += 100 * 3600
        engine.pin("feature/pinned", False)
        assert len(gc.stale(engine.environments(), clock(), 24)) == 2
        gc.collect(engine, gc.stale(engine.environments(), clock(), 24))
        assert engine.environments() == []
    assert inventory(world.checker, world.seed) == before


@ON_SQLITE
def test_gc_skips_an_environment_that_is_being_changed(
    world: World, profile: Profile, state_url: str
) -> None:
    clock = FakeClock(2_000_000.0)
    open_one = _engine_factory(profile, state_url)
    with open_one(clock=clock) as engine:
        engine.create("feature/held", world.image)
        clock.now += 48 * 3600
        store = engine.store
        assert store.acquire_lock("env:sandbox:feature-held", "someone", 60, time.time())
        results = gc.collect(engine, gc.stale(engine.environments(), clock(), 24))
        assert [r.ok for r in results] == [False]
        assert "held by someone" in results[0].detail
        store.release_lock("env:sandbox:feature-held", "someone")
        assert all(r.ok for r in gc.collect(engine, gc.stale(engine.environments(), clock(), 24)))


def test_orphan_sweep_finds_and_removes_what_state_forgot(world: World) -> None:
    before = inventory(world.checker, world.seed)
    world.engine.create("feature/forgotten", world.image)
    world.engine.create("feature/kept", world.image)
    world.store.delete("sandbox", "feature-forgotten")  # state lost; resources remain
    orphans = gc.find_orphans(world.engine)
    assert list(orphans.by_env) == ["feature-forgotten"]
    kinds = sorted(
        a.split(":")[2] + ":" + a.split(":")[5].split("/")[0]
        for a in orphans.by_env["feature-forgotten"]
    )
    assert kinds == [
        "ecs:service",
        "ecs:task-definition",
        "elasticloadbalancing:listener-rule",
        "elasticloadbalancing:targetgroup",
    ]
    results = gc.remove_orphans(world.engine, orphans)
    assert all(r.ok for r in results)
    assert gc.find_orphans(world.engine).by_env == {}
    world.engine.delete("feature/kept")
    assert inventory(world.checker, world.seed) == before


@ON_SQLITE
def test_gc_cli_dry_run_and_orphans_need_yes(
    world: World, cli_env: dict[str, str], cli: Cli
) -> None:
    world.engine.create("feature/forgotten", world.image)
    world.store.delete("sandbox", "feature-forgotten")
    cli_env = {**cli_env, "EDEN_CONFIG": cli_env["EDEN_CONFIG"]}
    proc = cli(["gc", "--orphans", "-o", "json"], cli_env)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "--yes" in err
    assert "feature-forgotten" in json.loads(out)["orphans"]
    proc = cli(["gc", "--orphans", "--yes"], cli_env)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    proc = cli(["gc", "--dry-run", "-o", "json"], cli_env)
    out, _ = proc.communicate(timeout=60)
    assert json.loads(out)["stale"] == []


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    yield
    leases = [t for t in threading.enumerate() if t.name.startswith("lease:")]
    for t in leases:
        t.join(5)
    assert not [t for t in leases if t.is_alive()], "a lease renewer outlived its operation"


def test_sqlite_store_type() -> None:
    assert isinstance(open_store("sqlite://:memory:"), SqliteStore)


def test_failure_message_names_the_step(world: World) -> None:
    def boom(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "CreateRule")

    world.clients.on("before-call.elastic-load-balancing-v2.CreateRule", boom)
    with pytest.raises(ExecutionFailed, match="step listener_rule failed"):
        world.engine.create("feature/x", world.image)
