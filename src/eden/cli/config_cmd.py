"""`eden config init | check | show | import`: write, verify and read profiles."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click

from eden import tomlw
from eden.aws.clients import AwsClients
from eden.aws.ops import Aws
from eden.cli.common import Options, common_options, out, print_json
from eden.config import (
    build_profile,
    find_config_file,
    import_ini,
    profile_names,
    profile_to_toml_values,
    read_file,
    resolve_profile_name,
    write_profile,
)
from eden.errors import ConfigError, UsageError
from eden.factory import aws_settings
from eden.reader import Reader, check_reachable


@click.group()
def config() -> None:
    """Profiles: what to clone and where environments go."""


_INIT_FIELDS = (
    ("reference_service", "Reference ECS service (name or ARN)", True),
    ("cluster", "ECS cluster of the reference service", False),
    ("listener_arn", "HTTPS:443 listener ARN of the shared ALB", True),
    ("zone_id", "Route 53 hosted zone id", True),
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
@common_options(output=False)
def init(opts: Options, force: bool, **fields: Any) -> None:
    """Write a profile (asks for what is missing when run in a terminal)."""
    path = find_config_file(opts.config)
    name = opts.profile or "default"
    if name in profile_names(path) and not force:
        raise UsageError(
            f"profile {name!r} already exists in {path}", hint="add --force to replace it"
        )
    for key, label, required in _INIT_FIELDS:
        if not fields.get(key) and required:
            if not sys.stdin.isatty():
                raise UsageError(
                    f"--{key.replace('_', '-')} is required", hint=f"give {label.lower()}"
                )
            fields[key] = click.prompt(label)
    values: dict[str, Any] = {
        k: fields[k]
        for k in (
            "reference_service",
            "cluster",
            "listener_arn",
            "zone_id",
            "region",
            "name_prefix",
            "domain_prefix",
            "container",
        )
        if fields.get(k)
    }
    if fields.get("endpoints_bucket"):
        values["endpoints"] = {
            "bucket": fields["endpoints_bucket"],
            "key": fields["endpoints_key"],
            "update_key": fields["endpoints_update_key"],
            "env_type": fields["endpoints_env_type"],
        }
    build_profile(name, values, where=f"profile {name}")
    write_profile(path, name, values)
    out.print(
        f"wrote profile [bold]{name}[/bold] to {path}; check it with `eden config check -p {name}`"
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
@common_options()
def list_profiles(opts: Options) -> None:
    """List the profiles in the file."""
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
@common_options(output=False)
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
        out.print(f"imported profile [bold]{name}[/bold] into {target}")
