"""How eden reaches GitHub: where its API is, who eden is there, which repository is
which profile. Read from the ``[api.github]`` table of ``eden.toml`` (and ``$EDEN_GITHUB_*``)::

    [api.github]
    api_url = "https://api.github.com"      # GitHub Enterprise Server: https://HOST/api/v3
    app_id = "123456"                       # a GitHub App (check runs) ...
    private_key_file = "/etc/eden/app.pem"  # ... or $EDEN_GITHUB_PRIVATE_KEY (the PEM text)
    # token = "..."                         # or a token ($EDEN_GITHUB_TOKEN): commit statuses
    ready_timeout = 600                     # seconds a deploy may take to serve
    public_url = "https://eden.example.com" # where deployment statuses link to operations

    [api.github.repositories]
    "acme/api" = "dev"                      # owner/name = the profile its PRs deploy with
    "acme/web" = "shop:web"                 # a group's member: PROFILE:ROLE (the service
                                            # its PRs build; the others keep their images)

Plain data and its validation only: nothing here talks to GitHub.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from eden.errors import ConfigError

GITHUB_API = "https://api.github.com"
DEFAULT_CHECK = "eden/preview"
_MAPPED_RE = re.compile(r"^[^:\s]+(:[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?)?$")  # PROFILE[:ROLE]
_NUMBERS = ("ready_timeout", "max_wait", "timeout", "repair_seconds", "sweep_seconds")


@dataclass(frozen=True)
class GitHubSettings:
    api_url: str = GITHUB_API
    token: str | None = None
    app_id: str | None = None
    private_key: str | None = field(default=None, repr=False)
    repositories: Mapping[str, str] = field(default_factory=dict)  # lower owner/name -> profile
    # lower owner/name -> the role of the group's service its pull requests build
    services: Mapping[str, str] = field(default_factory=dict)
    check_name: str = DEFAULT_CHECK
    ready_timeout: float = 600.0
    public_url: str | None = None
    max_wait: float = 10.0  # the longest eden waits on GitHub (rate limit, retries) per call
    timeout: float = 10.0  # one HTTP request
    repair_seconds: float = 60.0  # how often failed reports are retried
    sweep_seconds: float = 600.0  # how often deployments are checked against environments

    @property
    def reports(self) -> bool:
        """Whether eden has credentials to write statuses, comments and checks."""
        return bool(self.token or self.app_id)

    @property
    def uses_app(self) -> bool:
        return self.app_id is not None

    def profile_for(self, repository: str) -> str | None:
        return self.repositories.get(repository.lower())

    def service_for(self, repository: str) -> str | None:
        """The group member a repository builds (``"shop:web"``), or None: the first."""
        return self.services.get(repository.lower())


def _str(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and key == "app_id":
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key} must be a non-empty string", where=where)
    return value.strip()


def check_api_url(url: str, where: str) -> str:
    """github.com's API, or a GitHub Enterprise Server's ``https://HOST/api/v3``."""
    url = url.rstrip("/")
    parts = urlsplit(url)
    host = parts.hostname or ""
    loopback = _is_loopback(host)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigError(
            f"api_url {url!r} must be an https URL", where=where, hint=f"e.g. {GITHUB_API}"
        )
    if host == "api.github.com" and parts.path not in ("", "/"):
        raise ConfigError(f"api_url {url!r}: github.com's API has no path", where=where)
    if host != "api.github.com" and not parts.path.endswith("/api/v3"):
        raise ConfigError(
            f"api_url {url!r} is neither github.com's API nor a GitHub Enterprise Server's",
            where=where,
            hint=f"GitHub Enterprise Server's API is https://{host or 'HOST'}/api/v3",
        )
    return url


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def parse_github(
    raw: Mapping[str, Any], environ: Mapping[str, str], *, where: str, base_dir: Path
) -> GitHubSettings | None:
    """The ``[api.github]`` table; None when neither it nor ``$EDEN_GITHUB_*`` exist.
    Without credentials the repositories still map to profiles, but nothing is reported."""
    token = environ.get("EDEN_GITHUB_TOKEN") or _str(raw, "token", where)
    app_id = environ.get("EDEN_GITHUB_APP_ID") or _str(raw, "app_id", where)
    key = environ.get("EDEN_GITHUB_PRIVATE_KEY") or _private_key(raw, where, base_dir)
    if not (token or app_id or raw):
        return None
    if app_id and not key:
        raise ConfigError(
            "a GitHub App needs its private key",
            where=where,
            hint="private_key_file = the App's .pem, or $EDEN_GITHUB_PRIVATE_KEY",
        )
    numbers = {k: _number(raw, k, where) for k in _NUMBERS if k in raw}
    return GitHubSettings(
        api_url=check_api_url(_str(raw, "api_url", where) or GITHUB_API, where),
        token=None if app_id else token,
        app_id=app_id,
        private_key=key if app_id else None,
        repositories=_repositories(raw.get("repositories", {}), where),
        services=_services(raw.get("repositories", {})),
        check_name=_str(raw, "check_name", where) or DEFAULT_CHECK,
        public_url=(_str(raw, "public_url", where) or "").rstrip("/") or None,
        **numbers,
    )


def _number(raw: Mapping[str, Any], key: str, where: str) -> float:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{key} must be a number of seconds (0 or more)", where=where)
    return float(value)


def _private_key(raw: Mapping[str, Any], where: str, base_dir: Path) -> str | None:
    name = _str(raw, "private_key_file", where)
    if name is None:
        return None
    path = Path(name).expanduser()
    path = path if path.is_absolute() else base_dir / path
    try:
        return path.read_text()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the GitHub App private key {path}: {exc.strerror}", where=where
        ) from None


def _repositories(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise ConfigError("[api.github.repositories] must be a table", where=where)
    out: dict[str, str] = {}
    for repo, profile in raw.items():
        name = str(repo)
        if name.count("/") != 1 or not all(name.split("/")):
            raise ConfigError(
                f"repository {name!r} must be written owner/name", where=f"{where}.repositories"
            )
        if not isinstance(profile, str) or not _MAPPED_RE.fullmatch(profile):
            raise ConfigError(
                f"repository {name!r} must map to a profile name, or PROFILE:ROLE for one "
                f"service of a group, not {profile!r}",
                where=f"{where}.repositories",
            )
        out[name.lower()] = profile.split(":", 1)[0]
    return out


def _services(raw: Any) -> dict[str, str]:
    """The roles of ``"PROFILE:ROLE"`` mappings (already validated by ``_repositories``)."""
    return {
        str(repo).lower(): value.split(":", 1)[1]
        for repo, value in raw.items()
        if isinstance(value, str) and ":" in value
    }
