"""A registered target is its id and its port (as on AWS), in moto's target group object."""

from __future__ import annotations

import pytest
from moto.elbv2.exceptions import InvalidTargetError
from moto.elbv2.models import FakeTargetGroup

from eden.sandbox import target_keys


@pytest.fixture
def group() -> FakeTargetGroup:
    target_keys.install()  # idempotent; the suite's AWS model installed it already
    return FakeTargetGroup(
        "eden-a", "123456789012", "us-east-1", "vpc-1", "HTTP", "8080", target_type="ip"
    )


def states(group: FakeTargetGroup) -> list[tuple[str, int, str]]:
    found = [group.health_for(t, None) for t in group.targets.values()]
    return sorted((h.instance_id, int(h.port), h.status) for h in found)


def test_one_ip_on_two_ports_is_two_targets(group: FakeTargetGroup) -> None:
    group.register([{"Id": "127.0.0.1", "Port": 40001}, {"Id": "127.0.0.1", "Port": 40002}])
    assert states(group) == [("127.0.0.1", 40001, "healthy"), ("127.0.0.1", 40002, "healthy")]


def test_the_groups_own_port_keeps_motos_key(group: FakeTargetGroup) -> None:
    group.register([{"Id": "10.0.1.5", "Port": 8080}, {"Id": "10.0.1.6"}])
    assert sorted(group.targets) == ["10.0.1.5", "10.0.1.6"]


def test_deregistering_one_port_keeps_the_other(group: FakeTargetGroup) -> None:
    group.register([{"Id": "127.0.0.1", "Port": 40001}, {"Id": "127.0.0.1", "Port": 40002}])
    group.deregister([{"Id": "127.0.0.1", "Port": 40001}])
    assert states(group) == [("127.0.0.1", 40002, "healthy")]
    gone = group.health_for({"Id": "127.0.0.1", "Port": 40001}, None)
    assert (gone.status, gone.reason) == ("unused", "Target.NotRegistered")
    never = group.health_for({"Id": "127.0.0.1", "Port": 40999}, None)
    assert (never.status, never.reason) == ("unavailable", "Target.NotRegistered")


def test_deregistering_an_unknown_port_is_refused(group: FakeTargetGroup) -> None:
    group.register([{"Id": "127.0.0.1", "Port": 40001}])
    with pytest.raises(InvalidTargetError, match="specified target does not exist"):
        group.deregister([{"Id": "127.0.0.1", "Port": 40002}])
