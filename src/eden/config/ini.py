"""The 2019 tool's INI file (``~/.eden/config``), imported as eden profiles.

Each section is a profile (``[profile NAME]`` is read as ``NAME``). These are the keys
read, and what each becomes in eden's TOML profile:

==========================  ==============================  ==========================
2019 key                    eden field                      older 2019 name
==========================  ==============================  ==========================
``reference_service_arn``   ``reference_service``
``target_cluster``          ``cluster``
``master_alb_arn``          ``alb_arn``
``dynamic_zone_id``         ``zone_id``
``name_prefix``             ``name_prefix``
``domain_name_prefix``      ``domain_prefix``
``target_container``        ``container``                   ``target_container_name``
``region``                  ``region``
``endpoint_s3_bucket_name`` ``endpoints.bucket``            ``config_bucket_name``
``endpoint_s3_key``         ``endpoints.key``               ``config_bucket_key``
``endpoint_update_key``     ``endpoints.update_key``        ``config_update_key``
``endpoint_env_type``       ``endpoints.env_type``          ``config_env_type``
``endpoint_name_prefix``    ``endpoints.name_prefix``       ``config_name_prefix``
==========================  ==============================  ==========================

The older names are what the 2019 tool wrote before it renamed its keys in January
2020; a file may use either name of a key, not both. Ignored on purpose: ``api_token``
(the 2019 tool's API setting; eden's API keys are made with ``eden apikey``) and
``dynamic_zone_name`` (eden reads the zone's name from Route 53 by its id). Any other
key is an error that names it and suggests the nearest known key, so a typo such as
``endpoint_s3_bucket`` is never silently dropped.
"""

from __future__ import annotations

import configparser
import difflib
from pathlib import Path
from typing import Any

from eden.config.validate import build_profile
from eden.errors import ConfigError

# 2019 key -> eden's top-level field
INI_PROFILE_KEYS = {
    "reference_service_arn": "reference_service",
    "target_cluster": "cluster",
    "master_alb_arn": "alb_arn",
    "dynamic_zone_id": "zone_id",
    "name_prefix": "name_prefix",
    "domain_name_prefix": "domain_prefix",
    "target_container": "container",
    "region": "region",
}
# 2019 key -> field of eden's [endpoints] table
INI_ENDPOINT_KEYS = {
    "endpoint_s3_bucket_name": "bucket",
    "endpoint_s3_key": "key",
    "endpoint_update_key": "update_key",
    "endpoint_env_type": "env_type",
    "endpoint_name_prefix": "name_prefix",
}
# older 2019 name -> the 2019 name it was renamed to
INI_OLD_NAMES = {
    "target_container_name": "target_container",
    "config_bucket_name": "endpoint_s3_bucket_name",
    "config_bucket_key": "endpoint_s3_key",
    "config_update_key": "endpoint_update_key",
    "config_env_type": "endpoint_env_type",
    "config_name_prefix": "endpoint_name_prefix",
}
INI_IGNORED_KEYS = ("api_token", "dynamic_zone_name")
INI_KNOWN_KEYS = (*INI_PROFILE_KEYS, *INI_ENDPOINT_KEYS, *INI_OLD_NAMES, *INI_IGNORED_KEYS)


def import_ini(path: Path) -> dict[str, dict[str, Any]]:
    """Profiles of the 2019 tool's INI file, in eden's TOML form.

    Every imported profile is validated, so a broken one is reported, in the INI file's
    own key names, before anything is written.
    """
    if not path.exists():
        raise ConfigError(f"{path} does not exist", hint="give the path of the 2019 config file")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ConfigError(f"{path} is not an INI file: {exc}", where=str(path)) from exc
    out: dict[str, dict[str, Any]] = {}
    for section in parser.sections():
        name = section.removeprefix("profile ").strip()
        where = f"{path} [{section}]"
        values = _section_values(dict(parser.items(section)), where)
        try:
            build_profile(name, values, where=where)
        except ConfigError as exc:
            raise _in_ini_terms(exc, where) from exc
        out[name] = values
    if not out:
        raise ConfigError(f"{path} has no profiles (INI sections)", where=str(path))
    return out


def _section_values(raw: dict[str, str], where: str) -> dict[str, Any]:
    """One section's keys in eden's form; unknown or doubled keys raise ConfigError."""
    _refuse_unknown(raw, where)
    values: dict[str, Any] = {}
    endpoints: dict[str, str] = {}
    for key, value in raw.items():
        current = INI_OLD_NAMES.get(key, key)
        if current != key and current in raw:
            raise ConfigError(
                f"{key} and {current} are the same setting (its older and newer name)",
                where=where,
                hint=f"keep {current} and remove {key}",
            )
        value = value.strip().strip('"')
        if current in INI_PROFILE_KEYS:
            values[INI_PROFILE_KEYS[current]] = value
        elif current in INI_ENDPOINT_KEYS:
            endpoints[INI_ENDPOINT_KEYS[current]] = value
    if endpoints:
        values["endpoints"] = endpoints
    return values


def _refuse_unknown(raw: dict[str, str], where: str) -> None:
    unknown = [key for key in raw if key not in INI_KNOWN_KEYS]
    if not unknown:
        return
    named = []
    for key in unknown:
        close = difflib.get_close_matches(key, [*INI_PROFILE_KEYS, *INI_ENDPOINT_KEYS], n=1)
        named.append(f"{key} (did you mean {close[0]}?)" if close else key)
    raise ConfigError(
        f"unknown key(s) in the 2019 config: {', '.join(named)}",
        where=where,
        hint="the keys eden reads: "
        + ", ".join([*INI_PROFILE_KEYS, *INI_ENDPOINT_KEYS])
        + f"; ignored: {', '.join(INI_IGNORED_KEYS)}",
    )


def _in_ini_terms(exc: ConfigError, where: str) -> ConfigError:
    """A validation error about eden's field, reworded with the INI key that set it."""
    field = exc.message.split(" ", 1)[0]
    key = _ini_key_of(field)
    if key is None:
        return ConfigError(exc.message, where=where, hint=exc.hint)
    hint = f"set {key} in this section (eden's profile field {field})"
    if exc.hint and not exc.hint.startswith("set "):  # advice in TOML terms is left out
        hint += f"; {exc.hint}"
    return ConfigError(key + exc.message[len(field) :], where=where, hint=hint)


def _ini_key_of(field: str) -> str | None:
    if field == "listener_arn":  # the 2019 file names the ALB; eden finds its listener
        field = "alb_arn"
    if field.startswith("endpoints."):
        wanted = {v: k for k, v in INI_ENDPOINT_KEYS.items()}
        return wanted.get(field.removeprefix("endpoints."))
    return {v: k for k, v in INI_PROFILE_KEYS.items()}.get(field)
