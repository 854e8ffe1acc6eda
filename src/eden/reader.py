"""Reads the world for the planner: the reference stack and what one environment has.

Read-only. Independent reads run in parallel (two rounds: the reference service and the
listener first, then what they point at), so a plan costs two round trips of latency,
not a dozen. Anything the profile points at that does not exist is reported here, before
a single resource is created.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from eden.aws.ops import Aws, aws_error
from eden.config import Profile
from eden.errors import AwsUnreachable, ConfigError, EdenError
from eden.naming import EnvNames
from eden.planner import Current, ListenerRule, Reference, container_port

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot:
    """Everything the planner needs for one environment."""

    names: EnvNames
    listener_arn: str
    zone_name: str
    current: Current
    reference: Reference | None  # None for delete, which needs only what exists
    image_found: bool | None  # None: not an ECR image, or not checked


class Reader:
    def __init__(self, aws: Aws, pool: ThreadPoolExecutor):
        self.aws = aws
        self.pool = pool

    def _submit(self, what: str, fn: Callable[[], T]) -> Future[T]:
        def run() -> T:
            try:
                return fn()
            except ClientError as exc:
                raise aws_error(exc, what) from exc

        return self.pool.submit(run)

    def snapshot(
        self,
        profile: Profile,
        names_in_zone: Callable[[str], EnvNames],
        *,
        image: str | None = None,
        with_reference: bool = True,
        known_host: str | None = None,
    ) -> Snapshot:
        """Reads in two rounds of parallel calls; raises a clear error for a broken profile.

        Round one needs only the profile: the listener, the zone, the image, the reference
        service, the rules and what exists under the environment's names. Round two reads
        what round one pointed at: the reference task definition and target group, the
        ALB, and the DNS records (their names need the zone's name).
        """
        draft = names_in_zone("zone.invalid")  # every name but the host is zone-free
        aws = self.aws
        svc_t = profile.service
        listener_f = self._submit("read the shared listener", lambda: self._listener(profile))
        zone_f = self._submit("read the hosted zone", lambda: aws.zone_name(profile.zone_id))
        image_f = (
            self._submit("look up the image in ECR", lambda: aws.image_exists(image))
            if image
            else None
        )
        ref_svc_f = (
            self._submit(
                "read the reference service",
                lambda: aws.describe_service(profile.cluster, svc_t.reference_service),
            )
            if with_reference
            else None
        )
        rules_f = (
            self._submit("read the listener rules", lambda: aws.rules(profile.listener_arns[0]))
            if profile.listener_arns
            else None
        )
        env_svc_f = self._submit(
            "read the environment's service",
            lambda: aws.describe_service(profile.cluster, draft.service),
        )
        tds_f = self._submit(
            "list the environment's task definitions",
            lambda: aws.task_definition_arns(draft.task_family),
        )
        tg_f = self._submit(
            "read the environment's target group",
            lambda: aws.target_group_arn_by_name(draft.target_group),
        )
        # A host known from state lets the record read join round one (delete's only
        # round-two read otherwise); it is checked against the computed host below.
        record_f = (
            self._submit(
                "read the environment's DNS record",
                lambda: aws.record(profile.zone_id, known_host),
            )
            if known_host
            else None
        )
        doc_f = None
        if profile.endpoints:
            e = profile.endpoints
            doc_f = self._submit(
                f"read s3://{e.bucket}/{e.key}", lambda: aws.get_json(e.bucket, e.key)
            )

        # --- round two ------------------------------------------------------------------
        listener = listener_f.result()
        zone_name = zone_f.result()
        if zone_name is None:
            raise ConfigError(
                f"hosted zone {profile.zone_id} does not exist",
                where=f"profile {profile.name}: zone_id",
                hint="set zone_id to the Route 53 zone the environments' names live in",
            )
        names = names_in_zone(zone_name)
        listener_arn = str(listener["ListenerArn"])
        if rules_f is None:
            rules_f = self._submit("read the listener rules", lambda: aws.rules(listener_arn))
        if record_f is None or names.host != known_host:
            record_f = self._submit(
                "read the environment's DNS record",
                lambda: aws.record(profile.zone_id, names.host),
            )
        reference_f = None
        if ref_svc_f is not None:
            service = ref_svc_f.result()
            if service is None:
                raise ConfigError(
                    f"reference service {svc_t.reference_service} is not an ACTIVE service "
                    f"in cluster {profile.cluster}",
                    where=f"profile {profile.name}: reference_service / cluster",
                    hint="check the names with `aws ecs list-services --cluster CLUSTER`",
                )
            reference_f = self._reference(profile, service, listener, zone_name, rules_f)
        rules = tuple(parse_rule(r) for r in rules_f.result())
        rule = next((r for r in rules if names.host in r.hosts), None)
        entry = False
        if doc_f is not None and profile.endpoints:
            doc, _ = doc_f.result()
            entry = has_entry(doc, names.endpoint_name, profile.endpoints.update_key)
        tds = tds_f.result()
        current = Current(
            task_definition_arn=tds[-1] if tds else None,
            task_definition_arns=tuple(tds),
            target_group_arn=tg_f.result(),
            rule_arn=rule.arn if rule else None,
            service=env_svc_f.result(),
            record=record_f.result(),
            endpoint_entry=entry,
        )
        return Snapshot(
            names=names,
            listener_arn=listener_arn,
            zone_name=zone_name,
            current=current,
            reference=reference_f() if reference_f else None,
            image_found=image_f.result() if image_f else None,
        )

    def _listener(self, profile: Profile) -> dict[str, Any]:
        if profile.listener_arns:
            arn = profile.listener_arns[0]
            listener = self.aws.describe_listener(arn)
            if listener is None:
                raise ConfigError(
                    f"listener {arn} does not exist",
                    where=f"profile {profile.name}: listener_arn",
                    hint="set listener_arn to the HTTPS:443 listener of the shared ALB",
                )
            if listener.get("Protocol") != "HTTPS":
                raise ConfigError(
                    f"listener {arn} is {listener.get('Protocol')}:{listener.get('Port')}, "
                    "not HTTPS",
                    where=f"profile {profile.name}: listener_arn",
                    hint="environments are served over HTTPS: use the ALB's HTTPS:443 listener",
                )
            return listener
        alb = profile.alb_arns[0]
        listener = self.aws.https_listener_of(alb)
        if listener is None:
            raise ConfigError(
                f"load balancer {alb} does not exist or has no HTTPS:443 listener",
                where=f"profile {profile.name}: alb_arn",
                hint="add an HTTPS:443 listener to the shared ALB, or fix alb_arn",
            )
        return listener

    def _reference(
        self,
        profile: Profile,
        service: dict[str, Any],
        listener: dict[str, Any],
        zone_name: str,
        rules_f: Future[list[dict[str, Any]]],
    ) -> Callable[[], Reference]:
        """Starts the round-two reads of the reference; the returned call collects them."""
        aws = self.aws
        container, port = container_port(service, profile.service.container)
        lb = next(lb for lb in service["loadBalancers"] if lb["containerName"] == container)
        tg_arn = lb.get("targetGroupArn")
        if not tg_arn:
            raise ConfigError(
                "the reference service uses a classic load balancer, not a target group",
                hint="clone a service behind an application load balancer",
            )
        td_f = self._submit(
            "read the reference task definition",
            lambda: aws.describe_task_definition(service["taskDefinition"]),
        )
        tg_f = self._submit(
            "read the reference target group", lambda: aws.describe_target_group(tg_arn)
        )
        alb_arn = str(listener["LoadBalancerArn"])
        alb_f = self._submit("read the shared ALB", lambda: aws.describe_load_balancer(alb_arn))
        wildcard_f = self._submit(
            "read the wildcard record", lambda: aws.record(profile.zone_id, f"*.{zone_name}")
        )

        def collect() -> Reference:
            td = td_f.result()
            if td is None:
                raise ConfigError(f"task definition {service['taskDefinition']} cannot be read")
            tg = tg_f.result()
            if tg is None:
                raise ConfigError(f"reference target group {tg_arn} does not exist")
            alb = alb_f.result()
            if alb is None:
                raise ConfigError(f"shared load balancer {alb_arn} does not exist")
            wildcard = wildcard_f.result()
            dns = str(alb["DNSName"]).rstrip(".").lower()
            alias = (wildcard or {}).get("AliasTarget", {}).get("DNSName", "")
            return Reference(
                service=service,
                task_definition=td[0],
                task_definition_tags=td[1],
                target_group=tg,
                container=container,
                container_port=port,
                listener_arn=str(listener["ListenerArn"]),
                alb_dns_name=str(alb["DNSName"]),
                alb_zone_id=str(alb["CanonicalHostedZoneId"]),
                zone_name=zone_name,
                rules=tuple(parse_rule(r) for r in rules_f.result()),
                wildcard_record=bool(alias) and alias.rstrip(".").lower().endswith(dns),
            )

        return collect


def parse_rule(raw: dict[str, Any]) -> ListenerRule:
    hosts: list[str] = []
    for cond in raw.get("Conditions", []):
        if cond.get("Field") == "host-header":
            values = cond.get("HostHeaderConfig", {}).get("Values") or cond.get("Values") or []
            hosts.extend(v.lower() for v in values)
    tgs = [
        a["TargetGroupArn"]
        for a in raw.get("Actions", [])
        if a.get("Type") == "forward" and a.get("TargetGroupArn")
    ]
    prio = raw.get("Priority")
    return ListenerRule(
        arn=str(raw["RuleArn"]),
        priority=None if prio in (None, "default") else int(prio),
        hosts=tuple(hosts),
        target_group_arns=tuple(tgs),
    )


def has_entry(doc: Any, name: str, update_key: str) -> bool:
    if not isinstance(doc, dict):
        return False
    return any(
        isinstance(e, dict) and e.get("name") == name and update_key in e
        for e in doc.get("environments", [])
    )


def check_reachable(reader: Reader, profile: Profile) -> list[tuple[str, bool, str]]:
    """`eden config check`: each thing the profile points at, and whether it answers."""
    results: list[tuple[str, bool, str]] = []
    try:
        snap = reader.snapshot(profile, lambda zone: _probe_names(profile, zone))
        ref = snap.reference
        assert ref is not None
        results.append(("shared listener", True, snap.listener_arn))
        results.append(("hosted zone", True, f"{profile.zone_id} ({snap.zone_name})"))
        results.append(
            (
                "reference service",
                True,
                f"{profile.service.reference_service} in {profile.cluster}, "
                f"container {ref.container}:{ref.container_port}",
            )
        )
        used = len([r for r in ref.rules if r.priority is not None])
        results.append(("listener rules", True, f"{used} of 100 in use"))
    except AwsUnreachable:
        raise  # nothing could be checked: that is the one answer, with AWS's exit code
    except EdenError as exc:
        results.append(
            ("reference stack", False, exc.message + (f" -- {exc.hint}" if exc.hint else ""))
        )
    if profile.endpoints:
        e = profile.endpoints
        try:
            ok = reader.aws.bucket_exists(e.bucket)
            results.append(
                (
                    "endpoints bucket",
                    ok,
                    f"s3://{e.bucket}/{e.key}"
                    if ok
                    else f"bucket {e.bucket} does not exist or is not readable",
                )
            )
        except ClientError as exc:
            results.append(("endpoints bucket", False, aws_error(exc, "read the bucket").message))
    return results


def _probe_names(profile: Profile, zone: str) -> EnvNames:
    from eden.naming import names_for

    return names_for(
        "eden-config-check",
        name_prefix=profile.name_prefix,
        domain_prefix=profile.service.domain_prefix,
        zone_name=zone,
    )
