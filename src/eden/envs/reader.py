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

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from eden.aws import Aws, ImageCheck
from eden.config import Profile, ServiceTemplate
from eden.core.arns import alb_of_listener
from eden.core.naming import EnvNames, names_for
from eden.envs import reference
from eden.envs.resources import RESOURCES
from eden.envs.resources.base import AlbUsage, Collect, Current, ReadContext, Reference
from eden.errors import AwsError, AwsUnreachable, ConfigError, EdenError

T = TypeVar("T")


@dataclass(frozen=True)
class MemberSpec:
    """One service of an environment to read: which, under which names."""

    member: ServiceTemplate
    names_in_zone: Callable[[str], EnvNames]
    image: str | None = None  # looked up in ECR when given
    known_host: str | None = None  # from state: lets the DNS read join round one


@dataclass(frozen=True)
class MemberSnapshot:
    member: ServiceTemplate
    names: EnvNames
    current: Current
    reference: Reference | None  # None for delete, which needs only what exists
    image: ImageCheck | None  # None: no image to check


@dataclass(frozen=True)
class Snapshot:
    """Everything the planner needs for one environment (each of its services)."""

    members: tuple[MemberSnapshot, ...]
    listener_arn: str
    zone_name: str

    # One service's environment (the common case) reads as it always did.
    @property
    def names(self) -> EnvNames:
        return self.members[0].names

    @property
    def current(self) -> Current:
        return self.members[0].current

    @property
    def reference(self) -> Reference | None:
        return self.members[0].reference

    @property
    def image(self) -> ImageCheck | None:
        return self.members[0].image


@dataclass(frozen=True)
class _Started:
    """A member's round-one reads."""

    spec: MemberSpec
    image: Future[ImageCheck] | None
    reference_service: Future[dict[str, Any] | None] | None
    collectors: dict[str, Collect]


@dataclass(frozen=True)
class _RoundOne:
    listener: Future[dict[str, Any]]
    zone: Future[str | None]
    rules: Future[list[dict[str, Any]]]
    members: list[_Started]
    alb: reference.AlbReads | None  # started in round one when the ALB is known by then


class Reader:
    def __init__(self, aws: Aws, pool: ThreadPoolExecutor):
        self.aws = aws
        self.pool = pool
        self._in_flight: dict[tuple[str, ...], Future[Any]] = {}
        self._in_flight_lock = threading.Lock()

    def shared(self, key: tuple[str, ...], what: str, fn: Callable[[], T]) -> Future[T]:
        """A read of what eden never changes (the reference service, the shared listener,
        the zone) that concurrent operations ask for at the same moment is made once: a
        create that starts while the same read is on its way takes that read's answer.
        An API server's burst of creates then reads the reference once, not once each."""
        with self._in_flight_lock:
            running = self._in_flight.get(key)
            if running is not None and not running.done():
                return running
            started = self.submit(what, fn)
            self._in_flight[key] = started
            return started

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

    def _shared_for(self, alb_arn: str) -> Callable[[str, Callable[[], Any]], Future[Any]]:
        """``shared`` for the reads of one ALB (its listeners and target groups: creates in
        flight are counted from state by the quota ledger, not from these)."""
        return lambda what, fn: self.shared((what, alb_arn), what, fn)

    def snapshot(
        self,
        profile: Profile,
        names_in_zone: Callable[[str], EnvNames],
        *,
        image: str | None = None,
        with_reference: bool = True,
        known_host: str | None = None,
    ) -> Snapshot:
        """A single-service environment (see ``snapshot_group``)."""
        spec = MemberSpec(profile.service, names_in_zone, image, known_host)
        return self.snapshot_group(profile, [spec], with_reference=with_reference)

    def snapshot_group(
        self,
        profile: Profile,
        specs: list[MemberSpec],
        *,
        with_reference: bool = True,
        shared_alb: str | None = None,
    ) -> Snapshot:
        """Reads in two rounds of parallel calls, every service of the environment at
        once; raises a clear error for a broken profile. ``shared_alb``: which of the
        profile's ALBs (a listener or ALB ARN of its pool), default the first."""
        entry = shared_alb or (profile.listener_arns or profile.alb_arns)[0]
        first = self._round_one(profile, specs, with_reference, entry)
        # --- round two: what round one pointed at ----------------------------------------
        listener = first.listener.result()
        zone_name = first.zone.result()
        if zone_name is None:
            raise ConfigError(
                f"hosted zone {profile.zone_id} does not exist",
                where=f"profile {profile.name}: zone_id",
                hint="set zone_id to the Route 53 zone the environments' names live in",
            )
        listener_arn = str(listener["ListenerArn"])
        if not _is_listener(entry):
            elbv2 = self.aws.elbv2
            rules = self.submit("read the listener rules", lambda: elbv2.rules(listener_arn))
            _chain(rules, first.rules)
        usage = None
        if with_reference:
            alb_arn = str(listener["LoadBalancerArn"])
            alb = first.alb or reference.start_alb_reads(
                self.aws, self._shared_for(alb_arn), alb_arn
            )
            usage = reference.start_usage(self.aws, self.submit, alb, listener_arn, first.rules)
        members = []
        for started in first.members:
            members.append(self._member(profile, started, listener, zone_name, first, usage))
        return Snapshot(tuple(m() for m in members), listener_arn, zone_name)

    def _member(
        self,
        profile: Profile,
        started: _Started,
        listener: dict[str, Any],
        zone_name: str,
        first: _RoundOne,
        usage: Callable[[], AlbUsage] | None,
    ) -> Callable[[], MemberSnapshot]:
        """Starts a member's round-two reads; the returned call collects them."""
        spec = started.spec
        names = spec.names_in_zone(zone_name)
        collect_reference = None
        if started.reference_service is not None and usage is not None:
            service = reference.found(profile, spec.member, started.reference_service.result())
            collect_reference = reference.start_reading(
                self.aws, self.submit, profile, spec.member, service, listener, zone_name,
                first.rules, usage,
            )

        def collect() -> MemberSnapshot:
            found = {key: read(names) for key, read in started.collectors.items()}
            return MemberSnapshot(
                member=spec.member,
                names=names,
                current=Current.of(**found),
                reference=collect_reference() if collect_reference else None,
                image=started.image.result() if started.image else None,
            )

        return collect

    def _round_one(
        self, profile: Profile, specs: list[MemberSpec], with_reference: bool, entry: str
    ) -> _RoundOne:
        """Starts every read that needs only the profile and the zone-free names."""
        aws = self.aws
        alb_arn = alb_of_listener(entry) if _is_listener(entry) else entry
        rules: Future[list[dict[str, Any]]] = Future()
        if _is_listener(entry):
            _chain(self.submit("read the listener rules", lambda: aws.elbv2.rules(entry)), rules)
        document = None
        if profile.endpoints:
            e = profile.endpoints
            document = self.submit(
                f"read s3://{e.bucket}/{e.key}", lambda: aws.s3.get_json(e.bucket, e.key)
            )
        members = [
            self._start_member(profile, spec, with_reference, rules, document) for spec in specs
        ]
        return _RoundOne(
            listener=self.shared(
                ("listener", entry),
                "read the shared listener",
                lambda: self._listener(profile, entry),
            ),
            zone=self.shared(
                ("zone", profile.zone_id),
                "read the hosted zone",
                lambda: aws.route53.zone_name(profile.zone_id),
            ),
            rules=rules,
            members=members,
            alb=reference.start_alb_reads(aws, self._shared_for(alb_arn), alb_arn)
            if with_reference and alb_arn
            else None,
        )

    def _start_member(
        self,
        profile: Profile,
        spec: MemberSpec,
        with_reference: bool,
        rules: Future[list[dict[str, Any]]],
        document: Future[Any] | None,
    ) -> _Started:
        aws = self.aws
        ctx = ReadContext(
            profile=profile,
            aws=aws,
            draft=spec.names_in_zone("zone.invalid"),  # every name but the host is zone-free
            known_host=spec.known_host,
            deleting=not with_reference,
            submit=self.submit,
            rules=rules,
            document=document,
            member=spec.member,
        )
        image = spec.image
        return _Started(
            spec=spec,
            image=self.submit("look up the image in ECR", lambda: aws.ecr.check_image(image))
            if image
            else None,
            reference_service=self.shared(
                ("reference", profile.cluster, spec.member.reference_service),
                f"read the reference service {spec.member.reference_service}",
                lambda: reference.read_service(aws, profile, spec.member),
            )
            if with_reference
            else None,
            collectors={r.key: r.read(ctx) for r in RESOURCES},
        )

    def _listener(self, profile: Profile, entry: str) -> dict[str, Any]:
        if _is_listener(entry):
            arn = entry
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
        alb = entry
        listener = self.aws.elbv2.https_listener_of(alb)
        if listener is None:
            raise ConfigError(
                f"load balancer {alb} does not exist or has no HTTPS:443 listener",
                where=f"profile {profile.name}: alb_arn",
                hint="add an HTTPS:443 listener to the shared ALB, or fix alb_arn",
            )
        return listener


def _is_listener(arn: str) -> bool:
    return ":listener/" in arn


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
