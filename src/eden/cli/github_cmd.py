"""``eden github status PR`` and ``eden github sync``: a pull request's preview as eden
and GitHub each see it, and putting GitHub right after deletes outside the server."""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING

import click

from eden.api.settings import load_settings
from eden.cli.common import Options, common_options, out, print_json, when
from eden.config import load_profile
from eden.envs.engine import Engine
from eden.envs.records import EnvRecord
from eden.errors import ConfigError, UsageError
from eden.github.settings import GitHubSettings
from eden.wiring import open_engine

if TYPE_CHECKING:  # the HTTP side needs the api extra (httpx): imported when run
    from eden.github.view import PreviewView


@click.group("github")
def github() -> None:
    """Pull request previews on GitHub (needs [api.github] in eden.toml)."""


def _settings(opts: Options) -> GitHubSettings:
    found = load_settings(opts.config).github
    if found is None or not found.reports:
        raise ConfigError(
            "eden has no GitHub credentials",
            hint="add [api.github] with app_id and private_key_file, or token, to eden.toml "
            "(or set $EDEN_GITHUB_TOKEN)",
        )
    return found


def _repository(settings: GitHubSettings, repo: str | None) -> str:
    if repo is not None:
        if repo.count("/") != 1:
            raise UsageError(f"--repo {repo!r} must be OWNER/NAME")
        return repo
    mapped = sorted(settings.repositories)
    if len(mapped) == 1:
        return mapped[0]
    raise UsageError(
        "which repository? --repo OWNER/NAME",
        hint=f"[api.github.repositories] maps {len(mapped)} repositories",
    )


class _Engines:
    """One engine per profile, opened when first needed."""

    def __init__(self, stack: ExitStack, config: str | None):
        self.stack, self.config, self.engines = stack, config, dict[str, Engine]()

    def find(self, profile: str, origin: str) -> EnvRecord | None:
        if profile not in self.engines:
            engine = open_engine(load_profile(profile, config=self.config))
            self.engines[profile] = self.stack.enter_context(engine)
        return self.engines[profile].find_by_origin(origin)


@github.command("status")
@click.argument("number", metavar="PR", type=click.IntRange(1))
@click.option("--repo", metavar="OWNER/NAME", help="The repository (default: the one mapped).")
@common_options()
def status(number: int, repo: str | None, opts: Options) -> None:
    """What eden believes about pull request PR's preview, and what GitHub shows."""
    from eden.github.service import client_for
    from eden.github.view import look

    settings = _settings(opts)
    repository = _repository(settings, repo)
    profile = opts.profile or settings.profile_for(repository)
    with ExitStack() as stack:
        engines = _Engines(stack, opts.config)
        origin = f"github:{repository.lower()}#{number}"
        record = engines.find(profile, origin) if profile else None
        client = client_for(settings)
        stack.callback(client.transport.close)
        view = look(client, repository, number, record, settings.check_name)
    if opts.json:
        print_json(view.as_dict())
        return
    _print(view)


def _print(view: PreviewView) -> None:
    out.print(f"{view.repository}#{view.number} (head {str(view.head_sha)[:7]})", markup=False)
    e = view.eden
    if e is None:
        out.print("  eden:    no environment", markup=False)
    else:
        pin = ", pinned" if e["pinned"] else ""
        out.print(f"  eden:    {e['env']} {e['status']}{pin} at {e['url']}", markup=False)
        out.print(
            f"           image {e['image']}, last deploy {when(e['last_deploy_at'])}", markup=False
        )
    g = view.github
    d = g["deployment"]
    shown = f"{d['state']} ({d['description']})" if d else "no deployment"
    out.print(f"  GitHub:  pull request {g['state']}; deployment {shown}", markup=False)
    c = g["check"]
    check = f"{c['kind']} {c['status']} {c['result'] or ''}".strip() if c else "none"
    out.print(f"           check: {check}; comment: {g['comment'] or 'none'}", markup=False)
    for line in view.disagreements or ["eden and GitHub agree"]:
        out.print(f"  {'!' if view.disagreements else '='} {line}", markup=False)


@github.command("sync")
@click.option("--repo", metavar="OWNER/NAME", help="Only this repository.")
@common_options()
def sync(repo: str | None, opts: Options) -> None:
    """Mark previews GitHub shows as live, but that eden has deleted, inactive.

    Run it after `eden gc` (the server's sweep does the same every sweep_seconds).
    """
    from eden.github.service import GitHubService

    settings = _settings(opts)
    with ExitStack() as stack:
        engines = _Engines(stack, opts.config)
        service = GitHubService(settings, engines.find)
        stack.callback(service.close)
        fixed = service.sweep([repo] if repo else None)
    if opts.json:
        print_json({"fixed": fixed})
    else:
        out.print(f"{fixed} preview(s) marked deleted on GitHub", markup=False)
