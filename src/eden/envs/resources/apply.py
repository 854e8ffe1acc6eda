"""What a resource's actions work with when the executor runs them."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from eden.aws import Aws
from eden.core.endpoints_doc import Edit


class SharedWrites(Protocol):
    """Writes to what every environment shares, handed to the actions by the engine:
    ``edit_document`` applies one edit to the endpoints document with a conditional write
    (several edits may be committed together). Without a state store (tests, a dry run)
    it runs directly."""

    def edit_document(self, bucket: str, key: str, edit: Edit) -> bool: ...


@dataclass(frozen=True)
class Apply:
    """What an action works with: AWS, and the shared writes."""

    aws: Aws
    shared: SharedWrites
    # Attributes every write of the endpoints document sets (profile settings), e.g. ACL.
    document_overrides: Mapping[str, Any] = field(default_factory=dict)
    sleep: Callable[[float], None] = time.sleep  # between retries; tests pass a fake
    clock: Callable[[], float] = time.monotonic
    # What a long step is waiting for, for the progress display (set per step).
    progress: Callable[[str], None] = lambda _message: None
    # The OIDC client secret for new listener rules (``[access]``), read from the
    # environment variable the profile names; never part of a plan.
    client_secret: str | None = None
    # The CI bypass secret for the ALB's bypass rule (``bypass_rule``), the same way.
    bypass_secret: str | None = None


Action = Callable[[Apply, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Removed:
    """What a removal step reports: whether there was something to remove."""

    deleted: bool
