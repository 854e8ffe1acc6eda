"""The embedded sandbox against real moto servers over HTTP.

The seed is checked against an in-process moto server (one per module, reset first so
other modules' state cannot leak in); the background-process lifecycle and ``up`` run a
real ``python -m moto.server`` with XDG_DATA_HOME in tmp_path, so nothing touches $HOME.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eden import config, paths
from eden.errors import SandboxError
from eden.sandbox import (
    SeedInfo,
    down,
    lifecycle,
    load_seed,
    sandbox_clients,
    sandbox_profile_values,
    seed,
    start,
    state_path,
    status,
    stop,
    up,
)
from eden.sandbox.stack import UNMANAGED_ENDPOINTS
from moto_server import empty_moto

pytestmark = pytest.mark.integration


ACCOUNT = "123456789012"
REPO_URI = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/api"


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with empty_moto() as url:
        yield url


@pytest.fixture(scope="module")
def seeded(moto_url: str) -> SeedInfo:
    return seed(sandbox_clients(moto_url))


@pytest.fixture(scope="module")
def aws(moto_url: str) -> Any:
    clients = sandbox_clients(moto_url)
    return clients.client


@pytest.fixture
def sandbox_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private data dir; whatever server a test leaves running is stopped afterwards."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    try:
        yield tmp_path
    finally:
        stop()


# --- seed ------------------------------------------------------------------------------


def test_seed_builds_the_network(seeded: SeedInfo, aws: Any) -> None:
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs(VpcIds=[seeded.vpc_id])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    subnets = ec2.describe_subnets(SubnetIds=list(seeded.subnet_ids))["Subnets"]
    assert sorted(s["AvailabilityZone"] for s in subnets) == ["us-east-1a", "us-east-1b"]
    assert {s["VpcId"] for s in subnets} == {seeded.vpc_id}
    group = ec2.describe_security_groups(GroupIds=[seeded.security_group_id])
    assert group["SecurityGroups"][0]["VpcId"] == seeded.vpc_id


def test_seed_pushes_three_distinct_images(seeded: SeedInfo, aws: Any) -> None:
    assert seeded.image_uris == (f"{REPO_URI}:v1", f"{REPO_URI}:v2", f"{REPO_URI}:v3")
    details = aws("ecr").describe_images(repositoryName="api")["imageDetails"]
    assert sorted(t for d in details for t in d["imageTags"]) == ["v1", "v2", "v3"]
    assert len({d["imageDigest"] for d in details}) == 3
    images = aws("ecr").batch_get_image(repositoryName="api", imageIds=[{"imageTag": "v2"}])
    manifest = json.loads(images["images"][0]["imageManifest"])
    assert manifest["schemaVersion"] == 2
    assert manifest["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"


def test_seed_registers_the_fargate_task_definition(seeded: SeedInfo, aws: Any) -> None:
    td = aws("ecs").describe_task_definition(taskDefinition="api")["taskDefinition"]
    assert td["taskDefinitionArn"] == seeded.task_definition_arn
    assert td["networkMode"] == "awsvpc"
    assert td["requiresCompatibilities"] == ["FARGATE"]
    assert (td["cpu"], td["memory"]) == ("256", "512")
    assert td["executionRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"
    assert td["taskRoleArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/")
    app, sidecar = td["containerDefinitions"]
    assert app["name"] == "app" and app["essential"] is True
    assert app["image"] == f"{REPO_URI}:v1"
    assert app["portMappings"][0]["containerPort"] == 8080
    assert app["portMappings"][0]["protocol"] == "tcp"
    assert {e["name"] for e in app["environment"]} >= {"APP_ENV", "PORT"}
    assert app["logConfiguration"]["logDriver"] == "awslogs"
    assert sidecar["name"] == "log-router" and sidecar["essential"] is False


def test_seed_creates_the_reference_service(seeded: SeedInfo, aws: Any) -> None:
    svc = aws("ecs").describe_services(cluster="sandbox", services=["api"], include=["TAGS"])
    service = svc["services"][0]
    assert service["serviceArn"] == seeded.reference_service_arn
    assert service["status"] == "ACTIVE"
    assert service["launchType"] == "FARGATE"
    assert service["desiredCount"] == 1
    assert service["loadBalancers"] == [
        {
            "targetGroupArn": seeded.reference_target_group_arn,
            "containerName": "app",
            "containerPort": 8080,
        }
    ]
    vpc_config = service["networkConfiguration"]["awsvpcConfiguration"]
    assert vpc_config["subnets"] == list(seeded.subnet_ids)
    assert vpc_config["securityGroups"] == [seeded.security_group_id]
    assert vpc_config["assignPublicIp"] == "DISABLED"
    assert service["propagateTags"] == "SERVICE"
    assert {"key": "app", "value": "api"} in service["tags"]


def test_seed_fronts_the_reference_service_with_its_alb(seeded: SeedInfo, aws: Any) -> None:
    elbv2 = aws("elbv2")
    alb = elbv2.describe_load_balancers(Names=["reference"])["LoadBalancers"][0]
    assert alb["Scheme"] == "internet-facing"
    assert len(alb["AvailabilityZones"]) == 2
    assert alb["SecurityGroups"] == [seeded.security_group_id]
    tg = elbv2.describe_target_groups(Names=["api-reference"])["TargetGroups"][0]
    assert (tg["TargetType"], tg["Protocol"], tg["Port"]) == ("ip", "HTTP", 8080)
    assert tg["HealthCheckPath"] == "/healthz"
    assert tg["Matcher"]["HttpCode"] == "200"
    (listener,) = elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    assert (listener["Protocol"], listener["Port"]) == ("HTTP", 80)
    assert listener["DefaultActions"][0]["TargetGroupArn"] == tg["TargetGroupArn"]


def test_seed_creates_the_shared_https_listener(seeded: SeedInfo, aws: Any) -> None:
    elbv2 = aws("elbv2")
    alb = elbv2.describe_load_balancers(Names=["eden-shared"])["LoadBalancers"][0]
    assert alb["LoadBalancerArn"] == seeded.shared_alb_arn
    listener = elbv2.describe_listeners(ListenerArns=[seeded.listener_arn])["Listeners"][0]
    assert listener["LoadBalancerArn"] == seeded.shared_alb_arn
    assert (listener["Protocol"], listener["Port"]) == ("HTTPS", 443)
    assert listener["SslPolicy"]
    cert_arn = listener["Certificates"][0]["CertificateArn"]
    cert = aws("acm").describe_certificate(CertificateArn=cert_arn)["Certificate"]
    assert cert["DomainName"] == "*.dev.example.com"
    action = listener["DefaultActions"][0]
    assert action["Type"] == "fixed-response"
    assert action["FixedResponseConfig"]["StatusCode"] == "404"


def test_seed_creates_the_public_zone(seeded: SeedInfo, aws: Any) -> None:
    assert seeded.zone_name == "dev.example.com"
    assert not seeded.zone_id.startswith("/")
    zone = aws("route53").get_hosted_zone(Id=seeded.zone_id)["HostedZone"]
    assert zone["Name"] == "dev.example.com."
    assert zone["Config"]["PrivateZone"] is False


def test_seed_writes_the_endpoints_document(seeded: SeedInfo, aws: Any) -> None:
    body = aws("s3").get_object(Bucket=seeded.bucket, Key=seeded.key)["Body"].read()
    assert (seeded.bucket, seeded.key) == ("eden-endpoints", "endpoints.json")
    assert json.loads(body) == {
        "environments": [{"name": "staging", "env": "staging", "api": "api.staging.example.com"}]
    }


def test_seed_again_reuses_everything_and_keeps_the_document(
    seeded: SeedInfo, moto_url: str, aws: Any
) -> None:
    s3 = aws("s3")
    edited = {"environments": [*UNMANAGED_ENDPOINTS["environments"], {"name": "eden-x"}]}
    s3.put_object(Bucket=seeded.bucket, Key=seeded.key, Body=json.dumps(edited).encode())
    try:
        again = seed(sandbox_clients(moto_url))
        body = s3.get_object(Bucket=seeded.bucket, Key=seeded.key)["Body"].read()
        assert json.loads(body) == edited
    finally:
        s3.put_object(
            Bucket=seeded.bucket, Key=seeded.key, Body=json.dumps(UNMANAGED_ENDPOINTS).encode()
        )
    assert again == seeded
    arns = aws("ecs").list_task_definitions(familyPrefix="api")["taskDefinitionArns"]
    assert arns == [seeded.task_definition_arn]


def test_seed_info_round_trips_through_json(seeded: SeedInfo) -> None:
    data = json.loads(json.dumps(seeded.as_dict()))
    assert isinstance(data["image_uris"], list)
    assert SeedInfo.from_dict(data) == seeded
    del data["zone_id"]
    assert SeedInfo.from_dict(data) is None


def test_profile_values_validate(seeded: SeedInfo, tmp_path: Path) -> None:
    values = sandbox_profile_values(seeded, "http://127.0.0.1:4566")
    profile = config.build_profile("sandbox", values)
    assert profile.cluster == "sandbox"
    assert profile.service.reference_service == "api"
    assert profile.service.container == "app"
    assert profile.listener_arns == (seeded.listener_arn,)
    assert profile.zone_id == seeded.zone_id
    assert profile.region == "us-east-1"
    assert profile.endpoint_url == "http://127.0.0.1:4566"
    assert profile.desired_count == 1
    assert profile.endpoints is not None
    assert (profile.endpoints.bucket, profile.endpoints.name_prefix) == ("eden-endpoints", "dev")
    # And as written to a file and read back.
    path = tmp_path / "eden.toml"
    config.write_profile(path, "sandbox", values)
    assert config.load_profile("sandbox", config=path, environ={}) == profile


# --- the background server -------------------------------------------------------------


def test_start_status_stop_a_background_server(sandbox_home: Path) -> None:
    assert status() is None
    assert stop() is False

    info = start()
    assert state_path().is_relative_to(sandbox_home)
    assert info.host == "127.0.0.1"
    assert info.endpoint_url == f"http://127.0.0.1:{info.port}"
    assert status() == info
    assert start() == info  # already running: reused, not a second process
    recorded = json.loads(state_path().read_text())
    assert set(recorded) == {"pid", "host", "port", "endpoint_url", "started_at"}
    assert recorded["pid"] == info.pid
    clusters = sandbox_clients(info.endpoint_url).client("ecs").list_clusters()
    assert clusters["clusterArns"] == []

    assert stop() is True
    assert not _alive(info.pid)
    assert not state_path().exists()
    assert status() is None
    assert stop() is False


def test_status_forgets_a_dead_server(sandbox_home: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    state_path().parent.mkdir(parents=True)
    state_path().write_text(
        json.dumps(
            {
                "pid": dead.pid,
                "host": "127.0.0.1",
                "port": _free_port(),
                "endpoint_url": "http://127.0.0.1:1",
                "started_at": "2024-01-01T00:00:00+00:00",
            }
        )
    )
    assert status() is None
    assert not state_path().exists()


def test_start_on_a_taken_port_says_where_the_log_is(sandbox_home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(
            SandboxError, match=r"^the sandbox server \(moto\) on 127\.0\.0\.1:\d+ exited during"
        ) as caught:
            start(port=taken.getsockname()[1])
    assert "moto.log" in (caught.value.hint or "")
    assert caught.value.where == str(paths.sandbox_dir() / "moto.log")
    assert status() is None


def test_start_refuses_a_non_loopback_host(sandbox_home: Path) -> None:
    with pytest.raises(SandboxError, match="loopback"):
        start(host="0.0.0.0")


def test_up_twice_seeds_once_and_writes_the_profile(
    sandbox_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_seed = seed  # the function itself, typed; the one `up` calls gets patched

    def counting_seed(clients: Any) -> SeedInfo:
        calls.append(str(clients.settings.endpoint_url))
        return real_seed(clients)

    monkeypatch.setattr(lifecycle, "seed", counting_seed)
    fresh = sandbox_home / "fresh.toml"
    server, info = up(fresh)
    assert calls == [server.endpoint_url]
    assert load_seed() == info
    assert json.loads(state_path().read_text())["seed"] == info.as_dict()
    data = config.read_file(fresh)
    assert data["default_profile"] == "sandbox"
    assert data["profiles"]["sandbox"]["endpoint_url"] == server.endpoint_url
    assert config.load_profile(config=fresh, environ={}).listener_arns == (info.listener_arn,)

    # A file that already has a default keeps it; the running server is not seeded again.
    other = sandbox_home / "other.toml"
    config.write_profile(other, "prod", _prod_values(info), default=True)
    server_again, info_again = up(other)
    assert (server_again, info_again) == (server, info)
    assert calls == [server.endpoint_url]
    assert config.read_file(other)["default_profile"] == "prod"
    assert config.profile_names(other) == ["prod", "sandbox"]

    # The background server issues the ACM certificate at once, like a usable real one.
    acm = sandbox_clients(server.endpoint_url).client("acm")
    assert (
        acm.describe_certificate(CertificateArn=info.certificate_arn)["Certificate"]["Status"]
        == "ISSUED"
    )

    assert down() is True
    assert load_seed() is None


# --- helpers ---------------------------------------------------------------------------


def _prod_values(info: SeedInfo) -> dict[str, Any]:
    return {
        "cluster": "prod",
        "reference_service": "api",
        "listener_arn": info.listener_arn,
        "zone_id": info.zone_id,
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
