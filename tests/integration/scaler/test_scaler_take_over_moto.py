"""Next to AWS's own scaling, against a moto server: refuse, or take over and hand back.

moto 5.2 does not implement DescribeScalingActivities (it answers 500), so what --shadow
reads is tested in the unit tests against a stand-in with the real call's shape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scaler_it_helpers import MotoService, create_service, moto_clients

from eden.aws.clients import AwsClients
from eden.cli import main
from eden.errors import ConfigError
from eden.scaler.aws_scaling import DIMENSION, TakeOver, attached_policies
from eden.scaler.config import parse_config

pytestmark = pytest.mark.integration


def attach_target_tracking(clients: AwsClients, svc: MotoService) -> Any:
    aas = clients.client("application-autoscaling")
    rid = f"service/{svc.cluster}/{svc.service}"
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=rid,
                                 ScalableDimension=DIMENSION, MinCapacity=1, MaxCapacity=10)
    aas.put_scaling_policy(
        PolicyName="cpu50", ServiceNamespace="ecs", ResourceId=rid,
        ScalableDimension=DIMENSION, PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 50.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
    return aas


def service_config(svc: MotoService, **extra: Any) -> Any:
    return parse_config({"services": [{"cluster": svc.cluster, "service": svc.service,
                                       "max": 10, "target": 10, **extra}]}).services[0]


def suspended(aas: Any, svc: MotoService) -> dict[str, bool]:
    found = aas.describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[f"service/{svc.cluster}/{svc.service}"])
    return dict(found["ScalableTargets"][0].get("SuspendedState", {}))


def test_a_service_aws_scales_is_refused_unless_taken_over(moto_url: str) -> None:
    clients = moto_clients(moto_url)
    svc, quiet = create_service(clients), create_service(clients)
    aas = attach_target_tracking(clients, svc)
    assert [(p.name, p.kind) for p in attached_policies(aas, service_config(svc))] == [
        ("cpu50", "TargetTrackingScaling")]
    assert attached_policies(aas, service_config(quiet)) == []
    guard = TakeOver(aas, [service_config(quiet), service_config(svc)])
    with pytest.raises(ConfigError, match=f"Application Auto Scaling already scales "
                                          f"{svc.cluster}/web: cpu50 \\(TargetTrackingScaling\\)"):
        guard.claim()
    assert guard.suspended == []


def test_take_over_suspends_aws_scaling_and_hands_it_back(moto_url: str) -> None:
    clients = moto_clients(moto_url)
    svc = create_service(clients)
    aas = attach_target_tracking(clients, svc)
    guard = TakeOver(aas, [service_config(svc, take_over=True)])
    guard.claim()
    assert suspended(aas, svc) == {"DynamicScalingInSuspended": True,
                                   "DynamicScalingOutSuspended": True,
                                   "ScheduledScalingSuspended": False}
    guard.release()
    assert suspended(aas, svc) == {"DynamicScalingInSuspended": False,
                                   "DynamicScalingOutSuspended": False,
                                   "ScheduledScalingSuspended": False}
    assert guard.suspended == []


def test_run_once_refuses_with_the_config_exit_code(moto_url: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    clients = moto_clients(moto_url)
    svc = create_service(clients)
    attach_target_tracking(clients, svc)
    cfg = tmp_path / "scaler.toml"
    cfg.write_text("\n".join([
        "[scaler]", "metrics = false", "[aws]", 'region = "us-east-1"',
        f'endpoint_url = "{moto_url}"', "[[services]]", f'cluster = "{svc.cluster}"',
        'service = "web"', "max = 10", "target = 10"]) + "\n")
    assert main(["scale", "run", "--config", str(cfg), "--once"]) == 3
    err = capsys.readouterr().err
    assert "two scalers on one service fight" in err and "eden scale run --shadow" in err
    # A dry run acts on nothing, so it is allowed next to AWS's scaling.
    assert main(["scale", "run", "--config", str(cfg), "--once", "--dry-run"]) == 0
