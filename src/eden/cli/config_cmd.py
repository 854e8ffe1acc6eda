"""`eden config init | check | show | import`: write, verify and read profiles."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import click

from eden.aws import Aws, AwsClients, AwsSettings
from eden.cli.common import Options, common_options, done, err, out, print_json
from eden.cli.state_cmd import STATE_OPTION
from eden.config import (
    build_profile,
    cluster_from_service_arn,
    find_config_file,
    import_ini,
    profile_names,
    profile_to_toml_values,
    read_file,
    remove_profile,
    resolve_profile_name,
    tomlw,
    write_profile,
)
from eden.core.urls import is_loopback_url
from eden.envs.reader import Reader, check_reachable
from eden.errors import ConfigError, EdenError, NotFound, UsageError
from eden.state.base import StateStore, open_store
from eden.wiring import aws_settings


@click.group()
def config() -> None:
    """Profiles: what to clone and where environments go."""


_INIT_FIELDS = (
    ("reference_service", "Reference ECS service to clone (name or ARN)"),
    ("listener_arn", "HTTPS:443 listener ARN of the shared ALB"),
    ("zone_id", "Route 53 hosted zone id of the environments' host names"),
    ("cluster", "ECS cluster of the reference service"),
)
_PROFILE_KEYS = (
    "reference_service",
    "cluster",
    "listener_arn",
    "zone_id",
    "region",
    "name_prefix",
    "domain_prefix",
    "container",
)


@config.command()
@click.option("--reference-service", metavar="NAME|ARN", help="The ECS service to clone.")
@click.option("--cluster", help="Its cluster (not needed with a full service ARN).")
@click.option("--listener-arn", metavar="ARN", help="HTTPS:443 listener of the shared ALB.")
@click.option("--zone-id", metavar="ID", help="Route 53 zone of the environments' names.")
@click.option("--region", help="AWS region (default: from the ARNs or the AWS config).")
@click.option(
    "--name-prefix", default="eden", show_default=True, help="Prefix of AWS resource names."
)
@click.option("--domain-prefix", default="api", show_default=True, help="First part of host names.")
@click.option("--container", help="Container whose image changes (default: the load balancer's).")
@click.option("--endpoints-bucket", metavar="BUCKET", help="S3 bucket of the endpoints document.")
@click.option("--endpoints-key", default="endpoints.json", show_default=True)
@click.option("--endpoints-update-key", default="api", show_default=True)
@click.option("--endpoints-env-type", default="dev", show_default=True)
@click.option("--force", is_flag=True, help="Replace the profile if it exists.")
@common_options()
def init(opts: Options, force: bool, **fields: Any) -> None:
    """Write a profile (asks for what is missing when run in a terminal, offering the
    clusters, services and zones it can list with your AWS credentials)."""
    path = find_config_file(opts.config)
    name = opts.profile or "default"
    if name in profile_names(path) and not force:
        raise UsageError(
            f"profile {name!r} already exists in {path}", hint="add --force to replace it"
        )
    missing = _missing_init_fields(fields)
    if missing and not sys.stdin.isatty():
        raise UsageError(
            "missing " + ", ".join(f"--{k.replace('_', '-')}" for k, _ in missing),
            hint="; ".join(f"--{k.replace('_', '-')}: {label}" for k, label in missing)
            + " (run it in a terminal to be asked)",
        )
    if missing:
        _ask_init_fields(fields, _InitOffers(_offer_settings(fields.get("region"))))
    values: dict[str, Any] = {k: fields[k] for k in _PROFILE_KEYS if fields.get(k)}
    if fields.get("endpoints_bucket"):
        values["endpoints"] = {
            "bucket": fields["endpoints_bucket"],
            "key": fields["endpoints_key"],
            "update_key": fields["endpoints_update_key"],
            "env_type": fields["endpoints_env_type"],
        }
    build_profile(name, values, where=f"profile {name}")
    write_profile(path, name, values)
    config_option = f" --config {shlex.quote(opts.config)}" if opts.config else ""
    check = f"eden config check -p {name}{config_option}"
    message = f"wrote profile [bold]{name}[/bold] to {path}; check it with `{check}`"
    done(opts, message, {"profile": name, "config": str(path), "next": check})


def _missing_init_fields(fields: dict[str, Any]) -> list[tuple[str, str]]:
    """What ``init`` still needs; the cluster unless the service ARN names it."""
    missing = [(k, label) for k, label in _INIT_FIELDS[:3] if not fields.get(k)]
    if _needs_cluster(fields):
        label = _INIT_FIELDS[3][1]
        if not fields.get("reference_service"):
            label += " (not needed when --reference-service is a full service ARN)"
        missing.append(("cluster", label))
    return missing


def _ask_init_fields(fields: dict[str, Any], offers: _InitOffers) -> None:
    """Asks in a terminal: the cluster first, so that its services can be offered."""
    if _needs_cluster(fields):
        fields["cluster"] = _choose(_INIT_FIELDS[3][1], offers.listed("clusters", offers.clusters))
    if not fields.get("reference_service"):
        cluster = fields.get("cluster") or ""
        services = offers.listed(f"services of {cluster}", lambda: offers.services(cluster))
        fields["reference_service"] = _choose(_INIT_FIELDS[0][1], services)
    if not fields.get("listener_arn"):
        fields["listener_arn"] = _choose(_INIT_FIELDS[1][1], [])
    if not fields.get("zone_id"):
        fields["zone_id"] = _choose(_INIT_FIELDS[2][1], offers.listed("zones", offers.zones))


def _needs_cluster(fields: dict[str, Any]) -> bool:
    """No cluster given, and no service ARN that names one (new-format ARNs do)."""
    reference = fields.get("reference_service")
    return not fields.get("cluster") and not (reference and cluster_from_service_arn(reference))


def _choose(label: str, options: list[tuple[str, str]]) -> str:
    """A prompt that takes a value, or the number of one of ``options`` (value, note)."""
    shown = options[:_MAX_OFFERED]
    for i, (value, note) in enumerate(shown, 1):
        out.print(f"  {i}) {value}{f'  ({note})' if note else ''}", markup=False)
    if len(options) > len(shown):
        out.print(f"  ... and {len(options) - len(shown)} more: type the name")
    answer = str(click.prompt(label, default=shown[0][0] if len(shown) == 1 else None)).strip()
    if answer.isdigit() and 1 <= int(answer) <= len(shown):
        return shown[int(answer) - 1][0]
    return answer


_MAX_OFFERED = 30


def _offer_settings(region: str | None) -> AwsSettings:
    """Where ``init`` looks for things to offer: the flag's region, else $EDEN_REGION, and
    $EDEN_ENDPOINT_URL (the sandbox's fixed credentials on a loopback endpoint). One
    attempt with a short timeout: an offer is not worth waiting for."""
    endpoint = os.environ.get("EDEN_ENDPOINT_URL") or None
    sandbox = is_loopback_url(endpoint) and not os.environ.get("AWS_ACCESS_KEY_ID")
    return AwsSettings(
        region=region or os.environ.get("EDEN_REGION") or None,
        endpoint_url=endpoint,
        max_attempts=1,
        connect_timeout=2.0,
        read_timeout=5.0,
        access_key_id="sandbox" if sandbox else None,
        secret_access_key="sandbox" if sandbox else None,
    )


class _InitOffers:
    """What ``config init`` can offer to pick from, read through the AWS seam."""

    def __init__(self, settings: AwsSettings):
        self.aws = Aws(AwsClients(settings))

    def clusters(self) -> list[tuple[str, str]]:
        return [(name, "") for name in self.aws.ecs.cluster_names()]

    def services(self, cluster: str) -> list[tuple[str, str]]:
        return [(name, "") for name in self.aws.ecs.service_names(cluster)]

    def zones(self) -> list[tuple[str, str]]:
        return self.aws.route53.zones()

    def listed(
        self, what: str, fetch: Callable[[], list[tuple[str, str]]]
    ) -> list[tuple[str, str]]:
        """``fetch()``, or nothing to offer when AWS cannot be asked (no credentials, no
        network, no permission): the user types the value instead."""
        try:
            return fetch()
        except EdenError as exc:  # any failure only means there is no list to show
            err.print(f"  (could not list {what}: {exc.message}; type it)", markup=False)
            return []


_STATE_OPTION_LS = click.option(
    "--state",
    "state_url",
    envvar="EDEN_STATE",
    metavar="URL",
    help="List the team store's profiles instead [env EDEN_STATE].",
)


@config.command()
@common_options()
def check(opts: Options) -> None:
    """Validate a profile and check that what it points at exists and answers."""
    profile = opts.load()
    pool = ThreadPoolExecutor(max_workers=8)
    try:
        reader = Reader(Aws(AwsClients(aws_settings(profile))), pool)
        results = check_reachable(reader, profile)
    finally:
        pool.shutdown()
    ok = all(r[1] for r in results)
    if opts.json:
        print_json(
            {
                "profile": profile.name,
                "ok": ok,
                "checks": [{"check": c, "ok": k, "detail": d} for c, k, d in results],
            }
        )
    else:
        out.print(f"profile [bold]{profile.name}[/bold]: fields valid")
        for check_name, good, detail in results:
            mark = "[green]✓[/green]" if good else "[red]✗[/red]"
            out.print(f"  {mark} {check_name}: {detail}")
    if not ok:
        raise ConfigError(
            f"profile {profile.name} points at something that is not there",
            hint="fix the field named above, then run `eden config check` again",
        )


@config.command(name="show")
@common_options()
def show_config(opts: Options) -> None:
    """Show the merged profile (file, EDEN_* variables and defaults)."""
    profile = opts.load()
    values = profile_to_toml_values(profile)
    if opts.json:
        print_json({"profile": profile.name, **values})
    else:
        click.echo(tomlw.dumps({"profiles": {profile.name: values}}), nl=False)


@config.command(name="ls")
@_STATE_OPTION_LS
@common_options()
def list_profiles(state_url: str | None, opts: Options) -> None:
    """List the profiles in the file (or, with --state, in the team store)."""
    if state_url:
        with closing(open_store(state_url)) as store:
            remote = store.list_profiles()
        if opts.json:
            print_json({"state": state_url, "profiles": remote})
        else:
            out.print(f"{state_url}:")
            for n in remote:
                out.print(f"  {n}")
        return
    path = find_config_file(opts.config)
    names = profile_names(path)
    default = resolve_profile_name(None, read_file(path)) if names else None
    if opts.json:
        print_json({"file": str(path), "default": default, "profiles": names})
        return
    out.print(f"{path}:")
    for n in names:
        out.print(f"  {n}{'  (default)' if n == default else ''}")


@config.command(name="import")
@click.argument("path", type=click.Path(path_type=Path), default=Path("~/.eden/config"))
@click.option("--force", is_flag=True, help="Replace profiles that already exist.")
@common_options()
def import_(path: Path, force: bool, opts: Options) -> None:
    """Import the 2019 tool's INI config (default ~/.eden/config) as eden profiles."""
    target = find_config_file(opts.config)
    profiles = import_ini(path.expanduser())
    existing = set(profile_names(target))
    clash = sorted(existing & set(profiles))
    if clash and not force:
        raise UsageError(
            f"profile(s) {', '.join(clash)} already exist in {target}",
            hint="add --force to replace them",
        )
    for name, values in profiles.items():
        write_profile(target, name, values)
    lines = [f"imported profile [bold]{name}[/bold] into {target}" for name in profiles]
    done(opts, "\n".join(lines), {"imported": list(profiles), "config": str(target)})


def _team_store(state_url: str | None, opts: Options) -> StateStore:
    """The store named by --state, else the profile's own state store."""
    if state_url:
        return open_store(state_url)
    return open_store(opts.load().state_url())


@config.command()
@click.argument("name", required=False)
@STATE_OPTION
@common_options()
def push(name: str | None, state_url: str | None, opts: Options) -> None:
    """Share profile NAME (default: the current one) through the team state store."""
    path = find_config_file(opts.config)
    data = read_file(path)
    name = name or resolve_profile_name(opts.profile, data)
    values = data.get("profiles", {}).get(name)
    if values is None:
        raise UsageError(f"profile {name!r} is not in {path}", hint="see `eden config ls`")
    build_profile(name, values, where=f"{path} [profiles.{name}]")
    with closing(_team_store(state_url, opts)) as store:
        store.put_profile(name, dict(values))
    done(opts, f"pushed profile [bold]{name}[/bold]", {"pushed": name})


@config.command()
@click.argument("name")
@click.option("--force", is_flag=True, help="Replace the local profile if it exists.")
@STATE_OPTION
@common_options()
def pull(name: str, force: bool, state_url: str | None, opts: Options) -> None:
    """Copy profile NAME from the team state store into the local profiles file."""
    if not state_url:
        raise UsageError(
            "--state is required to pull", hint="e.g. --state dynamodb://eden?region=eu-west-1"
        )
    with closing(open_store(state_url)) as store:
        values = store.get_profile(name)
    if values is None:
        raise NotFound(
            f"profile {name!r} is not in the team store", hint="see `eden config ls --state URL`"
        )
    path = find_config_file(opts.config)
    if name in profile_names(path) and not force:
        raise UsageError(
            f"profile {name!r} already exists in {path}", hint="add --force to replace it"
        )
    build_profile(name, values, where=f"team store: {name}")
    write_profile(path, name, values)
    done(opts, f"pulled profile [bold]{name}[/bold] into {path}",
         {"pulled": name, "config": str(path)})


@config.command()
@click.argument("name")
@STATE_OPTION
@common_options()
def rm(name: str, state_url: str | None, opts: Options) -> None:
    """Remove profile NAME from the team store (with --state) or from the local file."""
    if state_url:
        with closing(open_store(state_url)) as store:
            removed = store.delete_profile(name)
        where = "the team store"
    else:
        path = find_config_file(opts.config)
        removed = remove_profile(path, name)
        where = str(path)
    if not removed:
        raise NotFound(f"profile {name!r} is not in {where}")
    done(opts, f"removed profile [bold]{name}[/bold] from {where}",
         {"removed": name, "from": where})
