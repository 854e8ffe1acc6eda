"""``[api.github.repositories]``: a repository maps to a profile, or to one service of a
group's profile (``PROFILE:ROLE``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eden.errors import ConfigError
from eden.github.settings import parse_github


def test_a_mapping_names_a_profile_and_optionally_a_service() -> None:
    mapped = {"Acme/Web": "shop:web", "acme/api": "dev"}
    found = parse_github({"repositories": mapped}, {}, where="t", base_dir=Path("."))
    assert found is not None
    assert dict(found.repositories) == {"acme/web": "shop", "acme/api": "dev"}
    assert (found.service_for("ACME/web"), found.service_for("acme/api")) == ("web", None)
    with pytest.raises(ConfigError, match="must map to a profile name, or PROFILE:ROLE"):
        bad = {"repositories": {"acme/web": "shop:Web Front"}}
        parse_github(bad, {}, where="t", base_dir=Path("."))
