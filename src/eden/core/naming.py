"""Branch names -> names AWS accepts. Pure: no I/O, same input same output.

A branch name is arbitrary text (``feature/JIRA-123_Ünïcode``, ``日本語ブランチ``, 200
characters). Every AWS name eden makes from it has its own limit (target group 32, DNS
label 63, ECS 255). The rules:

* **Readable.** Text is transliterated to ASCII with anyascii (ISC licence): Latin letters
  lose their accents (``Ünï`` -> ``uni``, ``ß`` -> ``ss``), Cyrillic and Greek are
  romanised (``логин`` -> ``login``), kana are romanised and each kanji or hanzi or
  Hangul syllable becomes its reading, one hyphen-separated syllable each (``日本語ブランチ``
  -> ``ri-ben-yu-buranchi``), and emoji become their names (``🚀`` -> ``rocket``).
  Readable beats perfect.
* **Hashed when it has to be.** A character with no reading is dropped; a branch with
  nothing readable left becomes ``b-<hash>``. A name cut to fit a limit ends in ``-<hash>``.
* **One hash.** The hash is always the first 7 hex digits of SHA-256 of the whole branch
  name, so the environment's name, its target group, its host and its services (a group's
  members too) all carry the same one.

An environment's *name* (its key in state and in tags) is the alias when the user gave one,
else the slug of the branch, cut to ``NAME_MAX``. Resource names derive from the name, not
from the branch, so an alias shortens every resource at once.

These rules apply to new environments only: an existing environment keeps the names stored
in its record (docs/architecture.md, "Where names are made and stored").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from anyascii import anyascii

from eden.core.limits import DNS_LABEL_MAX, DNS_NAME_MAX, ECS_NAME_MAX
from eden.core.limits import TARGET_GROUP_NAME_MAX as TARGET_GROUP_MAX
from eden.errors import UsageError

NAME_MAX = 40  # long enough to read, short enough for `eden-<name>` to stay readable
BRANCH_MAX = 255  # git's own practical limit per ref component on most file systems
HASH_LEN = 7

_FORBIDDEN_IN_BRANCH = set(" ~^:?*[\\")
_ALIAS_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


@dataclass(frozen=True)
class EnvNames:
    """Every name one environment uses; stored in state so it never has to be guessed."""

    name: str  # key in state and in the `eden:env` tag
    branch: str
    task_family: str
    service: str
    target_group: str
    host: str  # fully qualified, lower case, no trailing dot
    endpoint_name: str  # the entry's `name` in the endpoints document


def short_hash(text: str, length: int = HASH_LEN) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def validate_branch(branch: str) -> str:
    """Reject what git itself rejects as a branch name, with a message that says why.

    Unicode is allowed (git allows it); spaces, ``..``, control characters and the
    other characters git forbids are not, because a CI would never produce them and
    they almost always mean a quoting mistake.
    """
    if branch is None or branch == "":
        raise UsageError(
            "the environment name is empty", hint="give a branch name, e.g. feature/login"
        )
    if len(branch) > BRANCH_MAX:
        raise UsageError(
            f"the branch name is {len(branch)} characters; at most {BRANCH_MAX} are allowed",
            hint="use a shorter branch name",
        )
    problems: list[str] = []
    if any(ord(c) < 32 or ord(c) == 127 for c in branch):
        problems.append("control characters")
    bad = sorted({c for c in branch if c in _FORBIDDEN_IN_BRANCH})
    if bad:
        shown = ", ".join("space" if c == " " else repr(c) for c in bad)
        problems.append(f"the character(s) {shown}")
    if ".." in branch:
        problems.append("'..'")
    if "@{" in branch:
        problems.append("'@{'")
    if branch.startswith(("-", "/", ".")) or branch.endswith(("/", ".", ".lock")):
        problems.append("a leading '-', '/' or '.' or a trailing '/', '.' or '.lock'")
    if "//" in branch or "/." in branch:
        problems.append("an empty or hidden path component ('//' or '/.')")
    if branch == "@":
        problems.append("the name '@'")
    if problems:
        raise UsageError(
            f"{branch!r} is not a valid branch name: it contains {'; '.join(problems)}",
            hint="use the git branch name as it is (git check-ref-format --branch NAME)",
        )
    return branch


def transliterate(text: str) -> str:
    """ASCII text that reads like ``text``; a syllable of an ideographic or Hangul script
    (which anyascii gives capitalised: ``Ri``, ``Ben``) is set apart by hyphens."""
    parts: list[str] = []
    for ch in text:
        if ch.isascii():
            parts.append(ch)
            continue
        reading = anyascii(ch)
        if len(reading) > 1 and reading[0].isupper() and reading[1:].islower():
            parts.append(f"-{reading}-")
        else:
            parts.append(reading)
    return "".join(parts)


def slugify(text: str) -> str:
    """Lower-case ASCII letters, digits and single hyphens; may be empty."""
    slug = re.sub(r"[^a-z0-9]+", "-", transliterate(text).lower())
    return slug.strip("-")


def fit(text: str, limit: int, *, digest: str | None = None) -> str:
    """``text`` if it fits in ``limit``; else a cut of it plus ``-<digest>`` (by default
    the hash of ``text``). A text that already ends in ``-<digest>`` is cut before it, so
    the digest appears once."""
    if len(text) <= limit:
        return text
    digest = digest or short_hash(text)
    base = text.removesuffix(f"-{digest}")
    head = base[: limit - len(digest) - 1].rstrip("-")
    return f"{head}-{digest}" if head else digest[:limit]


def validate_alias(alias: str) -> str:
    if not alias or len(alias) > NAME_MAX or not _ALIAS_RE.fullmatch(alias):
        raise UsageError(
            f"alias {alias!r} must be 1-{NAME_MAX} lower-case letters, digits or '-', "
            "starting and ending with a letter or digit",
            hint="for example --alias login-v2",
        )
    return alias


def env_name(branch: str, alias: str | None = None) -> str:
    """The environment's short name: the alias, else the branch's slug fitted to NAME_MAX."""
    if alias is not None:
        return validate_alias(alias)
    validate_branch(branch)
    slug = slugify(branch)
    if not slug:
        # Nothing in the branch has a reading: the hash is its only readable form.
        return f"b-{short_hash(branch)}"
    return fit(slug, NAME_MAX, digest=short_hash(branch))


def resource_name(prefix: str, name: str, limit: int, digest: str) -> str:
    """``<prefix>-<name>``, fitted to ``limit``, cut with the environment's one hash."""
    return fit(f"{prefix}-{name}", limit, digest=digest).strip("-")


def names_for(
    branch: str,
    *,
    name_prefix: str,
    domain_prefix: str,
    zone_name: str,
    endpoint_prefix: str = "",
    alias: str | None = None,
) -> EnvNames:
    """All names of one environment, each within its AWS limit, with one hash."""
    name = env_name(branch, alias)
    digest = short_hash(branch)
    label = resource_name(domain_prefix, name, DNS_LABEL_MAX, digest)
    zone = zone_name.rstrip(".").lower()
    host = f"{label}.{zone}"
    if len(host) > DNS_NAME_MAX:
        raise UsageError(
            f"host name {host!r} is longer than {DNS_NAME_MAX} characters",
            hint="use a shorter --alias or a shorter zone",
        )
    ecs = resource_name(name_prefix, name, ECS_NAME_MAX, digest)
    return EnvNames(
        name=name,
        branch=branch,
        task_family=ecs,
        service=ecs,
        target_group=resource_name(name_prefix, name, TARGET_GROUP_MAX, digest),
        host=host,
        endpoint_name=f"{endpoint_prefix}-{name}" if endpoint_prefix else name,
    )


def member_names(base: EnvNames, *, role: str, name_prefix: str, domain_prefix: str) -> EnvNames:
    """The names of one service of a group, derived from the environment's own names.

    Its ECS service, task family and target group carry the role after the environment's
    name (``eden-feature-login-web``); its host has the service's domain prefix
    (``web-feature-login.zone``); its endpoints entry is the environment's (a group shares
    one entry, one key per service). Derived from the stored environment name, so they never
    change for an environment that exists.
    """
    zone = base.host.split(".", 1)[1] if "." in base.host else base.host
    digest = short_hash(base.branch)  # the environment's one hash
    label = resource_name(domain_prefix, base.name, DNS_LABEL_MAX, digest)
    host = f"{label}.{zone}"
    if len(host) > DNS_NAME_MAX:
        raise UsageError(
            f"host name {host!r} is longer than {DNS_NAME_MAX} characters",
            hint="use a shorter --alias or a shorter zone",
        )
    ecs = resource_name(name_prefix, f"{base.name}-{role}", ECS_NAME_MAX, digest)
    return EnvNames(
        name=base.name,
        branch=base.branch,
        task_family=ecs,
        service=ecs,
        target_group=resource_name(
            name_prefix, f"{base.name}-{role}", TARGET_GROUP_MAX, digest
        ),
        host=host,
        endpoint_name=base.endpoint_name,
    )
