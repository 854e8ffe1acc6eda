"""The scaler's AWS paths against a moto server over HTTP."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from scaler_it_helpers import StubTask, create_service, desired_count, moto_clients

from eden.errors import AwsError
from eden.scaler.actuator import EcsActuator
from eden.scaler.aws_sources import TargetGroupDiscovery
from eden.scaler.cli import scale
from eden.scaler.notify import ScaleEvent, SnsNotifier, WebhookNotifier

pytestmark = pytest.mark.integration


def test_target_group_discovery_reads_targets_and_counts(moto_url: str) -> None:
    clients = moto_clients(moto_url)
    svc = create_service(clients, desired=2)
    elb = clients.client("elbv2")
    elb.register_targets(
        TargetGroupArn=svc.target_group_arn,
        Targets=[{"Id": "127.0.0.11", "Port": 8080}, {"Id": "127.0.0.12", "Port": 8081}],
    )
    source = TargetGroupDiscovery(
        clients.client("ecs"), elb, svc.cluster, svc.service, svc.target_group_arn
    )
    view = source.discover()
    assert [(e.host, e.port) for e in view.endpoints] == [
        ("127.0.0.11", 8080),
        ("127.0.0.12", 8081),
    ]
    assert view.desired == 2
    ops = [c.operation for c in clients.calls()]
    # The target type is read on the first discovery only (it never changes).
    assert ops[-3:] == ["DescribeServices", "DescribeTargetGroups", "DescribeTargetHealth"]
    clients.reset_calls()
    source.discover()
    assert [c.operation for c in clients.calls()] == ["DescribeServices", "DescribeTargetHealth"]


def test_ecs_actuator_updates_and_reports_errors(moto_url: str) -> None:
    clients = moto_clients(moto_url)
    svc = create_service(clients)
    actuator = EcsActuator(clients.client("ecs"))
    asyncio.run(actuator.set_desired(svc.cluster, svc.service, 7))
    assert desired_count(clients, svc) == 7
    with pytest.raises(AwsError, match="UpdateService failed: ") as err:
        asyncio.run(actuator.set_desired(svc.cluster, "no-such-service", 3))
    assert err.value.operation == "UpdateService"
    assert err.value.code == "ServiceNotFoundException"


def write_config(path: Path, url: str, cluster: str, tg: str, **extra: Any) -> Path:
    lines = [
        "[scaler]",
        "metrics = false",
        "refresh = 2",
        "[aws]",
        'region = "us-east-1"',
        f'endpoint_url = "{url}"',
        'access_key_id = "testing"',
        'secret_access_key = "testing"',
        "[[services]]",
        f'cluster = "{cluster}"',
        'service = "web"',
        "max = 30",
        "target = 10",
        'discovery = "target_group"',
        f'target_group_arn = "{tg}"',
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_run_once_scales_the_service_and_dry_run_does_not(moto_url: str, tmp_path: Path) -> None:
    clients = moto_clients(moto_url)
    svc = create_service(clients, desired=2)
    tasks = [StubTask("127.0.0.21", 60), StubTask("127.0.0.22", 60)]
    try:
        clients.client("elbv2").register_targets(
            TargetGroupArn=svc.target_group_arn,
            Targets=[{"Id": t.host, "Port": t.port} for t in tasks],
        )
        cfg = write_config(tmp_path / "scaler.toml", moto_url, svc.cluster, svc.target_group_arn)
        dry = CliRunner().invoke(scale, ["run", "--config", str(cfg), "--once", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert f"{svc.cluster}/web: 2 -> 12" in dry.output
        assert desired_count(clients, svc) == 2
        real = CliRunner().invoke(scale, ["run", "--config", str(cfg), "--once"])
        assert real.exit_code == 0, real.output
        assert desired_count(clients, svc) == 12
    finally:
        for t in tasks:
            t.stop()


def test_sns_notification_reaches_a_subscribed_queue(moto_url: str) -> None:
    clients = moto_clients(moto_url)
    sns, sqs = clients.client("sns"), clients.client("sqs")
    topic = sns.create_topic(Name="eden-scaling")["TopicArn"]
    queue = sqs.create_queue(QueueName="eden-scaling")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["Attributes"]["QueueArn"])
    asyncio.run(SnsNotifier(sns, topic).notify(ScaleEvent("c/web", 2, 12, "panic: scale up")))
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    body = json.loads(json.loads(messages[0]["Body"])["Message"])
    assert body["new"] == 12 and "from 2 to 12" in body["text"]


def test_webhook_posts_slack_compatible_json() -> None:
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(size)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        asyncio.run(WebhookNotifier(url).notify(ScaleEvent("c/web", 4, 2, "scale in")))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    assert received[0]["text"].startswith("eden scaled c/web from 4 to 2")


def test_run_once_on_the_sandbox_needs_no_credentials(
    moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    clients = moto_clients(moto_url)
    svc = create_service(clients, desired=2)
    task = StubTask("127.0.0.23", 5)
    try:
        clients.client("elbv2").register_targets(
            TargetGroupArn=svc.target_group_arn, Targets=[{"Id": task.host, "Port": task.port}])
        cfg = tmp_path / "scaler.toml"
        write_config(cfg, moto_url, svc.cluster, svc.target_group_arn)
        text = cfg.read_text().replace('access_key_id = "testing"\n', "")
        cfg.write_text(text.replace('secret_access_key = "testing"\n', ""))
        assert "access_key" not in cfg.read_text()
        result = CliRunner().invoke(scale, ["run", "--config", str(cfg), "--once", "--dry-run"])
        assert result.exit_code == 0, result.output
        assert f"{svc.cluster}/web: 2 -> 2" in result.output
    finally:
        task.stop()


def test_a_sleeping_service_is_not_scaled(moto_url: str, tmp_path: Path) -> None:
    """`eden sleep` tags the service eden:sleeping: load on it (a request the waker
    answered, a stale target) must not bring its tasks back behind eden's back."""
    clients = moto_clients(moto_url)
    svc = create_service(clients, desired=2)
    ecs = clients.client("ecs")
    arn = ecs.describe_services(cluster=svc.cluster, services=[svc.service])["services"][0]
    tag = {"key": "eden:sleeping", "value": "true"}
    ecs.tag_resource(resourceArn=arn["serviceArn"], tags=[tag])
    tasks = [StubTask("127.0.0.23", 60), StubTask("127.0.0.24", 60)]
    try:
        clients.client("elbv2").register_targets(
            TargetGroupArn=svc.target_group_arn,
            Targets=[{"Id": t.host, "Port": t.port} for t in tasks],
        )
        cfg = write_config(tmp_path / "scaler.toml", moto_url, svc.cluster, svc.target_group_arn)
        real = CliRunner().invoke(scale, ["run", "--config", str(cfg), "--once"])
        assert real.exit_code == 0, real.output
        assert "asleep (eden sleep): not scaled until it is woken" in real.output
        assert desired_count(clients, svc) == 2
    finally:
        for t in tasks:
            t.stop()
