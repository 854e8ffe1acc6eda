"""Discovery against a moto server: instance targets, batched DescribeServices, outages."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from scaler_aws_rules import install_batch_rules
from scaler_it_helpers import create_service, moto_clients

from eden.cli import main
from eden.errors import AwsError, NotFound
from eden.scaler.aws_sources import ServiceCounts, TargetGroupDiscovery
from eden.scaler.cli import once_failure

pytestmark = pytest.mark.integration


def test_the_batch_rule_fires(moto_url: str) -> None:
    clients = install_batch_rules(moto_clients(moto_url))
    svc = create_service(clients)
    with pytest.raises(Exception, match="services can have at most 10 items"):
        clients.client("ecs").describe_services(cluster=svc.cluster,
                                                 services=[f"s{i}" for i in range(11)])


def test_describe_services_in_batches_of_ten(moto_url: str) -> None:
    clients = install_batch_rules(moto_clients(moto_url))
    svc = create_service(clients, desired=3)
    ecs = clients.client("ecs")
    names = [f"web{i:02d}" for i in range(12)]
    for i, name in enumerate(names):
        ecs.create_service(cluster=svc.cluster, serviceName=name, taskDefinition=svc.cluster,
                           desiredCount=i, launchType="FARGATE")
    counts = ServiceCounts(ecs, svc.cluster, max_age=60)
    for name in [*names, "web"]:
        counts.watch(name)
    clients.reset_calls()
    seen = {name: counts.counts(name)[0] for name in [*names, "web"]}
    assert seen == {**{n: i for i, n in enumerate(names)}, "web": 3}
    ops = [c.operation for c in clients.calls()]
    assert ops == ["DescribeServices", "DescribeServices"]  # 13 services: 10 + 3
    with pytest.raises(NotFound, match=f"service gone not found in cluster {svc.cluster}"):
        counts.counts("gone")


def test_instance_targets_are_scraped_at_the_instance_ip_and_registered_port(
    moto_url: str,
) -> None:
    clients = install_batch_rules(moto_clients(moto_url))
    svc = create_service(clients, desired=2)
    ec2, elb = clients.client("ec2"), clients.client("elbv2")
    # The sandbox's moto has no public AMIs (eden launches no instances) and, like moto by
    # default, does not check the image of an instance it runs.
    made = ec2.run_instances(ImageId="ami-0abcdef1234567890", MinCount=2, MaxCount=2)["Instances"]
    ips = {i["InstanceId"]: i["PrivateIpAddress"] for i in made}
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    tg = elb.create_target_group(Name=f"{svc.cluster}-i", Protocol="HTTP", Port=80,
                                 VpcId=vpc, TargetType="instance")["TargetGroups"][0]
    a, b = sorted(ips)
    elb.register_targets(TargetGroupArn=tg["TargetGroupArn"],
                         Targets=[{"Id": a, "Port": 32768}, {"Id": b, "Port": 32771}])
    source = TargetGroupDiscovery(clients.client("ecs"), elb, svc.cluster, svc.service,
                                  tg["TargetGroupArn"], ec2=ec2)
    view = source.discover()
    assert sorted((e.host, e.port, e.key) for e in view.endpoints) == sorted([
        (ips[a], 32768, f"{a}:32768"), (ips[b], 32771, f"{b}:32771")])
    assert view.desired == 2
    clients.reset_calls()
    source.discover()  # instance addresses and the target type are cached
    assert [c.operation for c in clients.calls()] == ["DescribeServices",
                                                      "DescribeTargetHealth"]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends


def write_config(path: Path, endpoint: str) -> Path:
    path.write_text("\n".join([
        "[scaler]", "metrics = false",
        "[aws]", 'region = "eu-west-3"', f'endpoint_url = "{endpoint}"',
        "[[services]]", 'cluster = "prod"', 'service = "web"', "max = 10", "target = 10",
    ]) + "\n")
    return path


def test_run_once_against_unreachable_aws_exits_with_the_aws_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    cfg = write_config(tmp_path / "scaler.toml", endpoint)
    code = main(["scale", "run", "--config", str(cfg), "--once"])
    err = capsys.readouterr().err
    assert code == 5, err
    assert f"cannot reach AWS at {endpoint} (region eu-west-3)" in err
    # The first call is the check for Application Auto Scaling policies on the service.
    assert "application-autoscaling:DescribeScalingPolicies for prod/web" in err
    assert "check the network path" in err
    assert "internal error" not in err


def test_once_failure_lists_every_failed_service() -> None:
    one = AwsError("a failed", hint="check a")
    assert once_failure([("c/a", one)]) is one
    both = once_failure([("c/a", one), ("c/b", RuntimeError("boom"))])
    assert isinstance(both, AwsError) and both.hint == "check a"
    assert both.message == ("discovery failed for 2 service(s): c/a: a failed (check: check a); "
                            "c/b: RuntimeError: boom")


def test_daemon_logs_an_unreachable_endpoint_with_what_to_check(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio

    from eden.scaler.config import parse_config
    from eden.scaler.wiring import build_daemon

    endpoint = f"http://127.0.0.1:{closed_port()}"
    cfg = parse_config({"scaler": {"metrics": False},
                        "aws": {"region": "eu-west-3", "endpoint_url": endpoint},
                        "services": [{"cluster": "prod", "service": "web", "max": 10,
                                      "target": 10}]})
    caplog.set_level(logging.WARNING, logger="eden.scaler")
    daemon = build_daemon(cfg)
    decisions = asyncio.run(daemon.tick())
    assert decisions == [None]
    assert daemon.statuses[0].reason.startswith("no discovery yet: ecs:DescribeServices")
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith("discovery of prod/web failed (attempt 1): ecs:DescribeServices "
                           f"for cluster prod: cannot reach AWS at {endpoint} (region "
                           "eu-west-3)")
    assert line.endswith("nothing discovered yet; retrying on the next tick")


def test_run_once_exits_non_zero_when_discovery_failed(
    moto_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clients = moto_clients(moto_url)
    svc = create_service(clients)
    cfg = write_config(tmp_path / "scaler.toml", moto_url)
    cfg.write_text(cfg.read_text().replace('region = "eu-west-3"', 'region = "us-east-1"')
                   .replace('cluster = "prod"', f'cluster = "{svc.cluster}"')
                   .replace('service = "web"', 'service = "gone"'))
    code = main(["scale", "run", "--config", str(cfg), "--once"])
    err = capsys.readouterr().err
    assert code == 4, err
    assert f"error: service gone not found in cluster {svc.cluster}" in err
