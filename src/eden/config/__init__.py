"""Profiles: what eden clones, where it puts things, and how it reaches AWS.

A profile lives in a TOML file (``--config``, ``$EDEN_CONFIG``, ``./eden.toml``, then
the user config dir) under ``[profiles.NAME]``. Values are merged with the precedence
flag > ``EDEN_*`` environment variable > file > default, then validated field by field so
that one message names the field and says how to fix it.

The package, one concern a module:

* ``model``: ``Profile`` and its parts, the file's fields, and the way back to the file;
* ``files``: finding, reading and writing the profiles file (``tomlw`` writes TOML);
* ``load``: which profile, and the precedence of flags, environment and file;
* ``validate``: the top-level fields; ``tables``: ``[endpoints]`` and ``[env]``;
* ``ini``: the 2019 tool's INI file.

Import from here: the names below are the package's surface.
"""

from eden.config.files import (
    CONFIG_FILE_NAME,
    config_file_candidates,
    find_config_file,
    profile_names,
    read_file,
    remove_profile,
    write_profile,
)
from eden.config.ini import import_ini
from eden.config.load import load_profile, merge_values, resolve_profile_name
from eden.config.model import (
    DEFAULT_DOMAIN_PREFIX,
    DEFAULT_NAME_PREFIX,
    DEFAULT_TTL_HOURS,
    EndpointsDoc,
    Profile,
    ServiceTemplate,
    profile_to_toml_values,
)
from eden.config.validate import build_profile, cluster_from_service_arn

__all__ = [
    "CONFIG_FILE_NAME",
    "DEFAULT_DOMAIN_PREFIX",
    "DEFAULT_NAME_PREFIX",
    "DEFAULT_TTL_HOURS",
    "EndpointsDoc",
    "Profile",
    "ServiceTemplate",
    "build_profile",
    "cluster_from_service_arn",
    "config_file_candidates",
    "find_config_file",
    "import_ini",
    "load_profile",
    "merge_values",
    "profile_names",
    "profile_to_toml_values",
    "read_file",
    "remove_profile",
    "resolve_profile_name",
    "write_profile",
]
