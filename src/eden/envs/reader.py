"""Reads the world for the planner: the reference stack and what one environment has.

Read-only. Independent reads run in parallel, in two rounds: round one needs only the
profile (the listener, the zone, the image, the reference service, and what each resource
module reads under the environment's names); round two reads what round one pointed at
(the reference's task definition and target group, the ALB, and the DNS record, whose
name needs the zone's). A plan costs two round trips of latency, not a dozen, and
anything the profile points at that does not exist is reported before a single resource
is created.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from eden.aws import Aws, ImageCheck
from eden.config import Profile
from eden.core.arns import alb_of_listener
from eden.core.naming import EnvNames, names_for
from eden.envs import reference
from eden.envs.resources import RESOURCES
from eden.envs.resources.base import Collect, Current, ReadContext, Reference
from eden.errors import AwsError, AwsUnreachable, ConfigError, EdenError

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot:
    """Everything the planner needs for one environment."""

    names: EnvNames
    listener_arn: str
    zone_name: str
    current: Current
    reference: Reference | None  # None for delete, which needs only what exists
    image: ImageCheck | None  # None: no image to check (delete)


@dataclass(frozen=True)
class _RoundOne:
    listener: Future[dict[str, Any]]
    zone: Future[str | None]
    image: Future[ImageCheck] | None
    reference_service: Future[dict[str, Any] | None] | None
    rules: Future[list[dict[str, Any]]]
    collectors: dict[str, Collect]
    alb: reference.AlbReads | None  # started in round one when the ALB is known by then


class Reader:
    def __init__(self, aws: Aws, pool: ThreadPoolExecutor):
        self.aws = aws
        self.pool = pool

    def submit(self, what: str, fn: Callable[[], T]) -> Future[T]:
        """Runs a read in the pool; an AWS refusal says which read it was."""

        def run() -> T:
            try:
                return fn()
            except AwsUnreachable:
                raise
            except AwsError as exc:
                raise AwsError(
                    f"{what}: {exc.message}",
                    code=exc.code,
                    operation=exc.operation,
                    where=exc.where,
                    hint=exc.hint,
                ) from exc

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
        """Reads in two rounds of parallel calls; raises a clear error for a broken profile."""
        first = self._round_one(profile, names_in_zone, image, with_reference, known_host)
        # --- round two: what round one pointed at ----------------------------------------
        listener = first.listener.result()
        zone_name = first.zone.result()
        if zone_name is None:
            raise ConfigError(
                f"hosted zone {profile.zone_id} does not exist",
                where=f"profile {profile.name}: zone_id",
                hint="set zone_id to the Route 53 zone the environments' names live in",
            )
        names = names_in_zone(zone_name)
        listener_arn = str(listener["ListenerArn"])
        if not profile.listener_arns:
            elbv2 = self.aws.elbv2
            rules = self.submit("read the listener rules", lambda: elbv2.rules(listener_arn))
            _chain(rules, first.rules)
        collect_reference = None
        if first.reference_service is not None:
            alb = first.alb or reference.start_alb_reads(
                self.aws, self.submit, str(listener["LoadBalancerArn"])
            )
            usage = reference.start_usage(self.aws, self.submit, alb, listener_arn, first.rules)
            collect_reference = reference.start_reading(
                self.aws,
                self.submit,
                profile,
                reference.found(profile, first.reference_service.result()),
                listener,
                zone_name,
                first.rules,
                usage,
            )
        found = {key: collect(names) for key, collect in first.collectors.items()}
        return Snapshot(
            names=names,
            listener_arn=listener_arn,
            zone_name=zone_name,
            current=Current.of(**found),
            reference=collect_reference() if collect_reference else None,
            image=first.image.result() if first.image else None,
        )

    def _round_one(
        self,
        profile: Profile,
        names_in_zone: Callable[[str], EnvNames],
        image: str | None,
        with_reference: bool,
        known_host: str | None,
    ) -> _RoundOne:
        """Starts every read that needs only the profile and the zone-free names."""
        aws = self.aws
        alb_arn = (
            alb_of_listener(profile.listener_arns[0])
            if profile.listener_arns
            else profile.alb_arns[0]
            if profile.alb_arns
            else None
        )
        rules: Future[list[dict[str, Any]]] = Future()
        if profile.listener_arns:
            arn = profile.listener_arns[0]
            _chain(self.submit("read the listener rules", lambda: aws.elbv2.rules(arn)), rules)
        document = None
        if profile.endpoints:
            e = profile.endpoints
            document = self.submit(
                f"read s3://{e.bucket}/{e.key}", lambda: aws.s3.get_json(e.bucket, e.key)
            )
        ctx = ReadContext(
            profile=profile,
            aws=aws,
            draft=names_in_zone("zone.invalid"),  # every name but the host is zone-free
            known_host=known_host,
            deleting=not with_reference,
            submit=self.submit,
            rules=rules,
            document=document,
        )
        return _RoundOne(
            listener=self.submit("read the shared listener", lambda: self._listener(profile)),
            zone=self.submit(
                "read the hosted zone", lambda: aws.route53.zone_name(profile.zone_id)
            ),
            image=self.submit("look up the image in ECR", lambda: aws.ecr.check_image(image))
            if image
            else None,
            reference_service=self.submit(
                "read the reference service", lambda: reference.read_service(aws, profile)
            )
            if with_reference
            else None,
            rules=rules,
            collectors={r.key: r.read(ctx) for r in RESOURCES},
            alb=reference.start_alb_reads(aws, self.submit, alb_arn)
            if with_reference and alb_arn
            else None,
        )

    def _listener(self, profile: Profile) -> dict[str, Any]:
        if profile.listener_arns:
            arn = profile.listener_arns[0]
            listener = self.aws.elbv2.describe_listener(arn)
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
        listener = self.aws.elbv2.https_listener_of(alb)
        if listener is None:
            raise ConfigError(
                f"load balancer {alb} does not exist or has no HTTPS:443 listener",
                where=f"profile {profile.name}: alb_arn",
                hint="add an HTTPS:443 listener to the shared ALB, or fix alb_arn",
            )
        return listener


def _chain(source: Future[T], target: Future[T]) -> None:
    """Completes ``target`` with ``source``'s result or error when it is done."""

    def copy(done: Future[T]) -> None:
        exc = done.exception()
        if exc is not None:
            target.set_exception(exc)
        else:
            target.set_result(done.result())

    source.add_done_callback(copy)


def check_reachable(reader: Reader, profile: Profile) -> list[tuple[str, bool, str]]:
    """`eden config check`: each thing the profile points at, and whether it answers.

    An unreachable AWS is not a finding but the one answer: it is raised, with AWS's
    exit code, instead of being listed.
    """
    results = _check(lambda: _reference_checks(reader, profile), "reference stack")
    if profile.endpoints:
        e = profile.endpoints

        def bucket() -> list[tuple[str, bool, str]]:
            ok = reader.aws.s3.bucket_exists(e.bucket)
            where = f"s3://{e.bucket}/{e.key}"
            return [("endpoints bucket", ok, where if ok else f"bucket {e.bucket} does not "
                     "exist or is not readable")]

        results += _check(bucket, "endpoints bucket")
    return results


def _check(
    run: Callable[[], list[tuple[str, bool, str]]], what: str
) -> list[tuple[str, bool, str]]:
    try:
        return run()
    except AwsUnreachable:
        raise
    except EdenError as exc:
        return [(what, False, exc.message + (f" -- {exc.hint}" if exc.hint else ""))]


def _reference_checks(reader: Reader, profile: Profile) -> list[tuple[str, bool, str]]:
    snap = reader.snapshot(profile, lambda zone: _probe_names(profile, zone))
    ref = snap.reference
    assert ref is not None
    used = len([r for r in ref.rules if r.priority is not None])
    return [
        ("shared listener", True, snap.listener_arn),
        ("hosted zone", True, f"{profile.zone_id} ({snap.zone_name})"),
        (
            "reference service",
            True,
            f"{profile.service.reference_service} in {profile.cluster}, "
            f"container {ref.container}:{ref.container_port}",
        ),
        ("listener rules", True, f"{used} of 100 in use"),
    ]


def _probe_names(profile: Profile, zone: str) -> EnvNames:
    return names_for(
        "eden-config-check",
        name_prefix=profile.name_prefix,
        domain_prefix=profile.service.domain_prefix,
        zone_name=zone,
    )
