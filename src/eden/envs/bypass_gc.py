"""`eden gc` for the ALBs' CI bypass rules (``resources/bypass_rule.py``).

A create makes an ALB's bypass rule and the delete of its last environment removes it,
but a delete that failed half-way, a concurrent create, the bypass turned off in the
profile, or a rotated secret can leave a rule that should not be there or holds the old
secret. Every `eden gc` looks at each ALB of the pool: this profile's bypass rules (by
their tags: ``eden:shared=bypass``) are removed where no environment of the zone is left
or the profile has no bypass (or another header) now, and given the secret of
``[access] bypass_secret_env`` where it changed, so rotating is: set the new secret, run
`eden gc` (or any create), restart `eden serve` with it. gc makes no missing rule: the
next create on that ALB does (it knows the waker group's VPC from the reference).
"""

from __future__ import annotations

from dataclasses import dataclass

from eden.aws import Aws
from eden.config import Profile
from eden.core.tags import MANAGED_BY, TAG_PROFILE
from eden.envs.resources import bypass_rule as br
from eden.envs.resources.base import ListenerRule
from eden.envs.resources.listener_rule import parse_rule


@dataclass(frozen=True)
class Change:
    rule_arn: str
    action: str  # "delete" or "set the secret of"
    why: str

    def describe(self) -> str:
        return f"{self.action} the CI bypass rule {self.rule_arn}: {self.why}"


def decide(
    profile: Profile, rules: list[ListenerRule], ours: set[str], zone: str, secret: str | None
) -> list[Change]:
    """What to change on one listener (pure): ``ours`` are the ARNs tagged as this
    profile's bypass rules."""
    access = profile.access
    header = access.bypass_header if access else None
    variable = f"${access.bypass_secret_env}" if access else "the secret"
    envs = [r for r in rules if r.arn not in ours and r.priority is not None
            and any(br.in_zone(h, zone) for h in r.hosts)]  # fmt: skip
    changes = []
    for rule in (r for r in rules if r.arn in ours):
        if header is None or header not in rule.header_digests:
            changes.append(Change(rule.arn, "delete", "the profile has no such bypass now"))
        elif not envs:
            changes.append(Change(rule.arn, "delete", "no environment is left on its ALB"))
        elif secret is not None and rule.header_digests[header] != br.secret_digest(secret):
            changes.append(Change(rule.arn, "set the secret of", f"{variable} changed"))
    return changes


def _ours(tags: dict[str, str], profile: str) -> bool:
    return (tags.get(MANAGED_BY) == "eden" and tags.get(TAG_PROFILE) == profile
            and tags.get(br.TAG_SHARED) == "bypass")  # fmt: skip


def listeners(aws: Aws, profile: Profile) -> list[str]:
    found = []
    for entry in profile.listener_arns or profile.alb_arns:
        if ":listener/" in entry:
            found.append(entry)
            continue
        info = aws.elbv2.https_listener_of(entry)
        if info:
            found.append(str(info["ListenerArn"]))
    return found


def sweep(aws: Aws, profile: Profile, secret: str | None, *, dry_run: bool) -> list[Change]:
    """Each listener's changes, made unless ``dry_run``; returns them."""
    zone = aws.route53.zone_name(profile.zone_id)
    if zone is None:
        return []
    made: list[Change] = []
    for listener in listeners(aws, profile):
        raw = aws.elbv2.rules(listener)
        rules = [parse_rule(r) for r in raw]
        candidates = [r.arn for r in rules if r.header_digests and r.priority is not None]
        tags = aws.elbv2.tags(candidates) if candidates else {}
        ours = {arn for arn, t in tags.items() if _ours(t, profile.name)}
        for change in decide(profile, rules, ours, zone, secret):
            if not dry_run:
                _apply(aws, profile, change, zone, secret)
            made.append(change)
    return made


def _apply(aws: Aws, profile: Profile, change: Change, zone: str, secret: str | None) -> None:
    if change.action == "delete":
        aws.elbv2.delete_rule(change.rule_arn)
        return
    header = str(profile.access.bypass_header if profile.access else "")
    assert secret is not None  # ``decide`` sets a secret only when there is one
    aws.elbv2.modify_rule({"RuleArn": change.rule_arn,
                           "Conditions": br.conditions(header, zone, secret)})  # fmt: skip
