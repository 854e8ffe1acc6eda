"""The `eden` command as a user runs it: profiles file, exit codes, text and JSON output."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from eden_world import World
from inventory import inventory

from eden.cli import main
from eden.config import read_file, write_profile
from eden.sandbox.seed import SeedInfo, sandbox_clients
from eden.state import DynamoStore, Event, SqliteStore


@pytest.fixture
def cli_env(
    tmp_path: Path, profile_values: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A profiles file with the sandbox profile, used through $EDEN_CONFIG."""
    path = tmp_path / "eden.toml"
    write_profile(path, "sandbox", profile_values)
    monkeypatch.setenv("EDEN_CONFIG", str(path))
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_create_ls_show_delete_json(
    cli_env: Path, seeded: SeedInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    image = seeded.image_uris[0]
    code, out, _ = run(capsys, "create", "feature/login", "--image", image, "-o", "json")
    assert code == 0
    created = json.loads(out)
    assert created["operation"] == "create"
    assert created["url"] == "https://api-feature-login.dev.example.com"
    assert [s["ok"] for s in created["steps"]] == [True] * 7

    code, out, _ = run(capsys, "ls", "-o", "json")
    assert code == 0
    listed = json.loads(out)
    assert [e["name"] for e in listed] == ["feature-login"]
    assert listed[0]["branch"] == "feature/login" and listed[0]["image"] == image

    code, out, _ = run(capsys, "create", "feature/login", "--image", seeded.image_uris[1])
    assert code == 0 and "deployed feature-login" in out

    code, out, _ = run(capsys, "show", "feature/login", "-o", "json")
    shown = json.loads(out)
    assert [e["action"] for e in shown["events"]] == ["deploy", "create"]
    assert shown["services"][0]["task_definition_arn"].endswith(":2")

    code, out, _ = run(capsys, "endpoints", "show")
    assert code == 0
    names = [e["name"] for e in json.loads(out)["environments"]]
    assert names == ["staging", "dev-feature-login"]

    code, out, _ = run(capsys, "delete", "feature/login")
    assert code == 0 and "deleted feature-login" in out
    code, out, _ = run(capsys, "delete", "feature/login")
    assert code == 0 and "no environment named 'feature/login'" in out
    code, out, _ = run(capsys, "ls")
    assert "no environments" in out


def test_text_output_and_dry_run(
    cli_env: Path, seeded: SeedInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "create", "feature/a", "--image", seeded.image_uris[0], "--dry-run")
    assert code == 0
    assert "DRY RUN OK" in out and "elbv2.create_rule" in out
    assert "<target_group.TargetGroupArn>" in out
    code, out, _ = run(capsys, "ls")
    assert "no environments" in out


@pytest.mark.parametrize(
    "args, code, fragment",
    [
        (["create", "has space", "--image", "IMG"], 2, "not a valid branch name"),
        (["create", "", "--image", "IMG"], 2, "empty"),
        (["create", "a..b", "--image", "IMG"], 2, "'..'"),
        (["create", "feature/x", "--image", "IMG:nope"], 2, "does not exist in ECR"),
        (["create", "feature/x", "--image", "IMG", "--env", "NOPE"], 2, "KEY=VALUE"),
        (["create", "feature/x", "--image", "IMG", "-p", "nope"], 3, "profile 'nope' not found"),
        (["show", "feature/unknown"], 4, "no environment"),
        (["create", "feature/x"], 2, "--image"),
    ],
)
def test_bad_input_exits_non_zero_with_a_clear_message(
    cli_env: Path,
    seeded: SeedInfo,
    world: World,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    fragment: str,
) -> None:
    image = seeded.image_uris[0]
    args = [
        a.replace("IMG:nope", image.rsplit(":", 1)[0] + ":nope").replace("IMG", image) for a in args
    ]
    before = inventory(world.checker, world.seed)
    got, out, err = run(capsys, *args)
    assert got == code, (out, err)
    assert fragment in err
    assert "Traceback" not in err
    assert inventory(world.checker, world.seed) == before


def test_config_show_and_check(
    cli_env: Path,
    seeded: SeedInfo,
    capsys: pytest.CaptureFixture[str],
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, _ = run(capsys, "config", "check")
    assert code == 0, out
    assert "✓ reference service" in out and "✗" not in out
    monkeypatch.setenv("EDEN_ZONE_ID", "ZMISSING")  # env var beats the file
    code, out, _ = run(capsys, "config", "show", "-o", "json")
    assert json.loads(out)["zone_id"] == "ZMISSING"
    code, out, _ = run(capsys, "config", "check")
    assert code == 3
    assert "✗" in out and "ZMISSING" in out


def test_2019_ini_profile_imports_and_works(
    tmp_path: Path,
    seeded: SeedInfo,
    moto_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The 2019 tool's ~/.eden/config, imported as it is, creates and deletes."""
    ini = tmp_path / "config"
    ini.write_text(
        "[dev]\n"
        f"reference_service_arn = {seeded.reference_service_arn}\n"
        f"target_cluster = {seeded.cluster}\n"
        f"master_alb_arn = {seeded.shared_alb_arn}\n"
        f"dynamic_zone_id = {seeded.zone_id}\n"
        "name_prefix = dev\n"
        "domain_name_prefix = api\n"
        f"endpoint_s3_bucket_name = {seeded.bucket}\n"
        f"endpoint_s3_key = {seeded.key}\n"
        "endpoint_update_key = api\n"
        "endpoint_env_type = dev\n"
        "endpoint_name_prefix = dev\n"
    )
    target = tmp_path / "eden.toml"
    monkeypatch.setenv("EDEN_CONFIG", str(target))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("EDEN_ENDPOINT_URL", moto_url)  # the sandbox stands in for AWS
    code, out, err = run(capsys, "config", "import", str(ini))
    assert code == 0, err
    assert "imported profile dev" in out
    code, out, err = run(capsys, "config", "import", str(ini))
    assert code == 2 and "--force" in err

    code, out, err = run(
        capsys,
        "create",
        "feature/login",
        "--image",
        seeded.image_uris[0],
        "-p",
        "dev",
        "-o",
        "json",
    )
    assert code == 0, err
    assert json.loads(out)["url"] == "https://api-feature-login.dev.example.com"
    code, out, err = run(capsys, "delete", "feature/login", "-p", "dev")
    assert code == 0, err


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in (
        ["--help"],
        ["create", "--help"],
        ["delete", "--help"],
        ["ls", "--help"],
        ["show", "--help"],
        ["config", "--help"],
        ["config", "import", "--help"],
        ["sandbox", "up", "--help"],
    ):
        code, out, _ = run(capsys, *cmd)
        assert code == 0 and "Usage:" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and "eden, version" in out


def test_sandbox_status_says_not_running_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code, out, _ = run(capsys, "sandbox", "status")
    assert code == 1 and "not running" in out
    code, out, _ = run(capsys, "sandbox", "status", "-o", "json")
    assert code == 1 and json.loads(out) == {"running": False}


def test_config_init_writes_a_profile_that_checks(
    tmp_path: Path, seeded: SeedInfo, moto_url: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "new.toml"
    monkeypatch.setenv("EDEN_ENDPOINT_URL", moto_url)
    code, _, err = run(capsys, "config", "init", "--config", str(path), "-p", "dev")
    assert code == 2 and "--reference-service, --listener-arn, --zone-id" in err
    code, out, err = run(
        capsys, "config", "init", "--config", str(path), "-p", "dev",
        "--reference-service", seeded.reference_service_arn,
        "--listener-arn", seeded.listener_arn, "--zone-id", seeded.zone_id,
        "--endpoints-bucket", seeded.bucket,
    )
    assert code == 0, err
    code, out, err = run(capsys, "config", "check", "--config", str(path), "-p", "dev")
    assert code == 0, out + err
    assert "✗" not in out


def test_ls_before_any_config_says_there_is_none_and_how_to_make_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EDEN_CONFIG", raising=False)
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    code, out, err = run(capsys, "ls")
    assert code == 3 and out == ""
    searched = f"{tmp_path / 'eden.toml'} or {tmp_path / 'xdg' / 'eden' / 'eden.toml'}"
    assert err.splitlines() == [
        f"error: no eden config file yet: not found at {searched}",
        f"  where: {searched}",
        "  fix:   run `eden sandbox up` for a local sandbox profile, or `eden config init` to"
        " describe your own stack",
    ]


def test_config_init_without_a_cluster_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new.toml"
    code, _, err = run(
        capsys, "config", "init", "--config", str(path), "--reference-service", "api",
        "--listener-arn", "arn:x", "--zone-id", "Z1",
    )
    assert code == 2 and "missing --cluster" in err
    assert "--cluster: ECS cluster of the reference service (run it in a terminal" in err
    assert not path.exists()


def _converse(argv: list[str], env: dict[str, str], script: list[tuple[str, str]]) -> str:
    """Runs ``argv`` on a pseudo-terminal; answers each prompt in ``script`` (the text to
    wait for, the line to type) and returns everything it printed, without colours."""
    deadline = time.monotonic() + 30
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    seen, pos = "", 0
    try:
        for expected, answer in [*script, ("", "")]:
            while True:
                at = seen.find(expected, pos) if expected else -1
                if at >= 0:
                    pos = at + len(expected)
                    os.write(master, f"{answer}\n".encode())
                    break
                left = deadline - time.monotonic()
                assert left > 0, f"waited 30 s for {expected!r}; it printed:\n{seen}"
                if not select.select([master], [], [], left)[0]:
                    continue
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the process closed the terminal
                    chunk = b""
                if not chunk:
                    assert not expected, f"it exited before asking {expected!r}:\n{seen}"
                    break
                seen += re.sub(r"\x1b\[[0-9;]*m", "", chunk.decode()).replace("\r\n", "\n")
            if not expected:
                break
        assert proc.wait(timeout=max(1.0, deadline - time.monotonic())) == 0, seen
        return seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_config_init_in_a_terminal_asks_for_everything_and_offers_what_it_can_list(
    tmp_path: Path, seeded: SeedInfo, moto_url: str
) -> None:
    path = tmp_path / "my eden.toml"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "EDEN_ENDPOINT_URL": moto_url,  # the sandbox stands in for AWS
        "EDEN_REGION": seeded.region,
    }
    said = _converse(
        [sys.executable, "-m", "eden", "config", "init", "--config", str(path), "-p", "dev"],
        env,
        [
            # One cluster, one service, one zone: each is offered as the default.
            ("ECS cluster of the reference service [sandbox]: ", ""),
            ("Reference ECS service to clone (name or ARN) [api]: ", "1"),
            ("HTTPS:443 listener ARN of the shared ALB: ", seeded.listener_arn),
            (f"Route 53 hosted zone id of the environments' host names [{seeded.zone_id}]: ",
             ""),
        ],
    )
    assert "  1) sandbox\n" in said  # the seeded cluster, offered
    assert "  1) api\n" in said  # its service
    assert f"  1) {seeded.zone_id}  ({seeded.zone_name})\n" in said
    assert said.rstrip().endswith(
        f"wrote profile dev to {path}; check it with"
        f" `eden config check -p dev --config '{path}'`"
    )
    assert read_file(path)["profiles"]["dev"] == {
        "reference_service": seeded.reference_service,
        "cluster": seeded.cluster,
        "listener_arn": seeded.listener_arn,
        "zone_id": seeded.zone_id,
        "name_prefix": "eden",
        "domain_prefix": "api",
    }


def test_config_init_in_a_terminal_without_aws_asks_without_offers(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on: AWS is unreachable
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    path = tmp_path / "eden.toml"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "EDEN_ENDPOINT_URL": closed,
        "EDEN_REGION": "eu-west-1",
    }
    listener = (
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/abc/def"
    )
    said = _converse(
        [sys.executable, "-m", "eden", "config", "init", "--config", str(path)],
        env,
        [
            ("ECS cluster of the reference service: ", "main"),
            ("Reference ECS service to clone (name or ARN): ", "api"),
            ("HTTPS:443 listener ARN of the shared ALB: ", listener),
            ("Route 53 hosted zone id of the environments' host names: ", "Z0123456789ABC"),
        ],
    )
    for what in ("clusters", "services of main", "zones"):
        assert f"(could not list {what}: cannot reach AWS: Could not connect" in said
    assert "check it with `eden config check -p default --config" in said
    stored = read_file(path)["profiles"]["default"]
    assert (stored["cluster"], stored["reference_service"]) == ("main", "api")
    assert (stored["listener_arn"], stored["zone_id"]) == (listener, "Z0123456789ABC")


def test_state_prune_on_sqlite_deletes_old_history_and_shrinks_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "state.db"
    url = f"sqlite://{db}?retention_days=30"
    code, out, err = run(capsys, "state", "init", "--state", url)
    assert code == 0, err
    assert out.splitlines() == [
        f"state store ready: {url}",
        "events and journal entries are kept 30 days (`eden state prune` deletes older ones)",
    ]
    now = time.time()
    store = SqliteStore(db)
    try:  # a server that stays open keeps the log; the CLI's prune truncates it anyway
        for age_days in (400, 31, 29):
            store.add_event(Event("dev", "a", "create", "ci", now - age_days * 86400, 1.0, "ok"))
        code, out, err = run(capsys, "state", "prune", "--state", url, "-o", "json")
        assert code == 0, err
        report = json.loads(out)
        assert report["deleted"] == 2 and report["retention_days"] == 30
        assert report["wal"]["file"] == f"{db}-wal"
        assert report["wal"]["bytes_before"] > 0 and report["wal"]["bytes_after"] == 0
        assert [e.started_at for e in store.events("dev", "a")] == [now - 29 * 86400]
    finally:
        store.close()
    code, out, err = run(capsys, "state", "prune", "--state", url)
    assert code == 0, err
    assert out.startswith(f"deleted 0 events and journal entries older than 30 days from {url}\n")
    code, out, err = run(capsys, "state", "prune", "--state", f"sqlite://{db}?retention_days=0")
    assert code == 3 and "retention_days must be a whole number of days" in err


def test_state_init_and_prune_on_dynamodb_report_the_ttl(
    moto_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    table = f"eden-prune-{time.monotonic_ns()}"
    url = f"dynamodb://{table}?region=us-east-1&endpoint_url={moto_url}&retention_days=14"
    code, out, err = run(capsys, "state", "init", "--state", url)
    assert code == 0, err
    assert out.splitlines()[1] == (
        "events and journal entries are kept 14 days (then DynamoDB's TTL on delete_after"
        " deletes them)"
    )
    code, out, err = run(capsys, "state", "prune", "--state", url)
    assert code == 0, err
    assert out.splitlines() == [
        f"deleted 0 events and journal entries older than 14 days from {url}",
        "  DynamoDB also expires them by itself: TTL on delete_after is enabled",
    ]
    code, out, err = run(capsys, "state", "prune", "--state", url, "-o", "json")
    assert json.loads(out)["ttl"] == {"status": "ENABLED", "attribute": "delete_after"}
    # A table made before eden enabled TTL: prune says how to turn it on.
    old = DynamoStore(f"{table}-old", sandbox_clients(moto_url))
    old.create_table(wait=False)  # no TTL: what `state init` did before
    old_url = url.replace(table, old.table)
    code, out, err = run(capsys, "state", "prune", "--state", old_url)
    assert code == 0, err
    assert out.splitlines()[1] == (
        "  TTL on delete_after is not enabled (the table's TTL: DISABLED): run"
        " `eden state init` to enable it"
    )


def test_config_import_names_an_unknown_ini_key_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ini = tmp_path / "config"
    ini.write_text(
        "[dev]\n"
        "reference_service_arn = arn:aws:ecs:eu-west-1:123456789012:service/main/api\n"
        "master_alb_arn = arn:aws:elasticloadbalancing:eu-west-1:123456789012:"
        "loadbalancer/app/shared/50dc6c495c0c9188\n"
        "dynamic_zone_id = Z0123456789ABC\n"
        "endpoint_s3_bucket = dev-endpoints\n"  # the README's old `endpoint_s3_*`
    )
    target = tmp_path / "eden.toml"
    code, out, err = run(capsys, "config", "import", str(ini), "--config", str(target))
    assert code == 3 and out == ""
    assert err.startswith(
        "error: unknown key(s) in the 2019 config: endpoint_s3_bucket (did you mean"
        " endpoint_s3_bucket_name?)\n"
        f"  where: {ini} [dev]\n"
        "  fix:   the keys eden reads: reference_service_arn, target_cluster,"
    )
    assert not target.exists()


def test_gc_prunes_history_past_the_retention(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from eden.envs.records import Event, JournalEntry
    from eden.state import SqliteStore

    now = time.time()
    store = SqliteStore(tmp_path / "state.db")
    for days, env in ((91, "old"), (89, "recent")):
        at = now - days * 86400
        store.add_event(Event("sandbox", env, "create", "ci", at, 1.0, "ok"))
        store.add_journal(JournalEntry("sandbox", env, "op", "service", "done", at))
    store.close()
    code, out, err = run(capsys, "gc", "-o", "json")
    assert code == 0, err
    assert json.loads(out)["pruned"] == 2  # the old event and the old journal entry
    store = SqliteStore(tmp_path / "state.db")
    try:
        assert store.events("sandbox", "old") == [] and len(store.events("sandbox", "recent")) == 1
    finally:
        store.close()
    code, out, _ = run(capsys, "gc", "--dry-run", "-o", "json")
    assert code == 0 and json.loads(out)["pruned"] == 0
