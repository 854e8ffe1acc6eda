"""What the HTTP server needs to know that a profile does not say.

Profiles describe what to clone; the server adds who may call it (API keys live in the
state store), how to verify GitHub (a webhook secret) and how to turn a pull request into
an image URI (a template). Those live in an ``[api]`` table of the same ``eden.toml``,
beside ``[profiles.*]``, so one file configures a deployment::

    [api]
    webhook_secret = "..."              # or $EDEN_WEBHOOK_SECRET
    registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    image_template = "{registry}/{repo}:{sha}"
    webhook_profile = "dev"             # the profile a webhook acts on by default

    [api.profiles.dev]                  # per-profile overrides of the three above
    image_template = "{registry}/api:{short_sha}"
    trigger = "label"                   # deploy PRs with the label only (default: "always")
    label = "preview"

    [api.github]                        # reporting to GitHub (eden.github.settings)

Nothing here talks to AWS; the settings are plain data so tests can build them directly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eden.aws.clients import AwsClients
from eden.config import Profile, find_config_file, read_file
from eden.errors import ConfigError
from eden.github.events import TRIGGERS, Trigger
from eden.github.settings import GitHubSettings, parse_github
from eden.state.base import StateStore

DEFAULT_IMAGE_TEMPLATE = "{registry}/{repo}:{sha}"
MAX_BODY_BYTES = 64 * 1024
# GitHub caps a webhook payload at 25 MB, and a PR description alone may hold 65,536
# characters (up to ~260 KB of UTF-8, more once JSON-escaped): the webhook route takes what
# GitHub can send, so no delivery (above all a `closed` one) is ever lost to its size.
MAX_WEBHOOK_BYTES = 25 * 1024 * 1024
_HOOK_FIELDS = ("webhook_secret", "registry", "image_template")


@dataclass(frozen=True)
class WebhookSettings:
    """How one profile answers GitHub: the shared secret and the image template."""

    secret: str | None = None
    registry: str = ""
    image_template: str = DEFAULT_IMAGE_TEMPLATE
    # Pull requests from forks run code from outside the repository: off unless asked,
    # and then each commit of a fork needs a maintainer's label (see eden.github.events).
    allow_forks: bool = False
    trigger: str = "always"  # always: every pull request; label: those with ``label``
    label: str = "preview"

    @property
    def policy(self) -> Trigger:
        return Trigger(self.trigger, self.label, self.allow_forks)


@dataclass
class ApiSettings:
    """Everything ``create_app`` needs. Only ``config`` is usually given; tests inject more.

    ``store`` replaces every profile's state store (and holds the API keys); ``clients``
    builds the AWS clients for a profile (the benchmark injects latency with it).
    """

    config: Path | None = None
    default_profile: str | None = None
    store: StateStore | None = None
    clients: Callable[[Profile], AwsClients] | None = None
    webhook: WebhookSettings = field(default_factory=WebhookSettings)
    webhook_profile: str | None = None
    profile_webhooks: Mapping[str, WebhookSettings] = field(default_factory=dict)
    max_body_bytes: int = MAX_BODY_BYTES
    max_webhook_bytes: int = MAX_WEBHOOK_BYTES
    workers: int = 8
    actor: str = "eden-api"
    github: GitHubSettings | None = None

    def config_path(self) -> Path:
        return find_config_file(self.config)

    def webhook_for(self, profile: str) -> WebhookSettings:
        return self.profile_webhooks.get(profile, self.webhook)

    def secrets(self) -> list[str]:
        """Every webhook secret configured (one per profile at most), for checking a
        signature before the body says which repository, and so which profile, it is."""
        found = [self.webhook.secret, *(h.secret for h in self.profile_webhooks.values())]
        return list(dict.fromkeys(s for s in found if s))


def load_settings(
    config: str | os.PathLike[str] | None = None,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ApiSettings:
    """Settings from the ``[api]`` table of the profiles file and ``$EDEN_*`` variables."""
    env = os.environ if environ is None else environ
    path = find_config_file(config, env)
    raw = read_file(path).get("api", {})
    if not isinstance(raw, Mapping):
        raise ConfigError("[api] must be a table", where=str(path))
    base = _webhook(raw, WebhookSettings(), where=f"{path} [api]")
    if env.get("EDEN_WEBHOOK_SECRET"):
        base = replace(base, secret=env["EDEN_WEBHOOK_SECRET"])
    if env.get("EDEN_IMAGE_REGISTRY"):
        base = replace(base, registry=env["EDEN_IMAGE_REGISTRY"])
    per_profile: dict[str, WebhookSettings] = {}
    profiles = raw.get("profiles", {})
    if not isinstance(profiles, Mapping):
        raise ConfigError("[api.profiles] must be a table of tables", where=str(path))
    for name, values in profiles.items():
        if not isinstance(values, Mapping):
            raise ConfigError(f"[api.profiles.{name}] must be a table", where=str(path))
        per_profile[str(name)] = _webhook(values, base, where=f"{path} [api.profiles.{name}]")
    hook_profile = raw.get("webhook_profile")
    if hook_profile is not None and not isinstance(hook_profile, str):
        raise ConfigError("api.webhook_profile must be a string", where=str(path))
    github = raw.get("github", {})
    if not isinstance(github, Mapping):
        raise ConfigError("[api.github] must be a table", where=str(path))
    return ApiSettings(
        config=path,
        default_profile=profile,
        webhook=base,
        webhook_profile=hook_profile,
        profile_webhooks=per_profile,
        github=parse_github(github, env, where=f"{path} [api.github]", base_dir=path.parent),
    )


def _webhook(raw: Mapping[str, Any], base: WebhookSettings, *, where: str) -> WebhookSettings:
    values: dict[str, str | None] = {
        "webhook_secret": base.secret,
        "registry": base.registry,
        "image_template": base.image_template,
    }
    for key in _HOOK_FIELDS:
        if key in raw:
            if not isinstance(raw[key], str):
                raise ConfigError(f"{key} must be a string", where=where)
            values[key] = raw[key]
    allow_forks = raw.get("allow_forks", base.allow_forks)
    if not isinstance(allow_forks, bool):
        raise ConfigError("allow_forks must be true or false", where=where)
    template = values["image_template"] or DEFAULT_IMAGE_TEMPLATE
    check_template(template, where=where)
    trigger = raw.get("trigger", base.trigger)
    if trigger not in TRIGGERS:
        raise ConfigError(
            f"trigger must be one of {', '.join(TRIGGERS)}, not {trigger!r}", where=where
        )
    label = raw.get("label", base.label)
    if not isinstance(label, str) or not label.strip() or len(label) > 50:
        raise ConfigError("label must be a label name (1-50 characters)", where=where)
    return WebhookSettings(
        values["webhook_secret"],
        values["registry"] or "",
        template,
        allow_forks=allow_forks,
        trigger=str(trigger),
        label=label.strip(),
    )


TEMPLATE_FIELDS = ("registry", "owner", "repo", "full_name", "sha", "short_sha", "branch", "number")


def check_template(template: str, *, where: str = "image_template") -> None:
    """Fail at start-up, not on the first pull request, when a template names a typo."""
    sample = dict.fromkeys(TEMPLATE_FIELDS, "x")
    try:
        template.format(**sample)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"image_template {template!r} is not usable: {exc}",
            where=where,
            hint=f"use only the fields {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}",
        ) from None
