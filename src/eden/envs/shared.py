"""Writes to what every environment shares: the endpoints document. The engine hands one
of these to the executor; the actions use it.

``DirectWrites`` runs each write as it comes (a dry run, a test, one process alone).
``LeasedWrites`` is what the engine uses: edits of the endpoints document are grouped
(``DocumentWriter``) and written under a lease in the state store, on top of S3's own
conditional writes. (Rule priorities need no lease: see ``resources/listener_rule``; room
on the ALB is claimed in ``quota``.)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from eden.aws import Aws
from eden.aws.s3 import CONFLICT_CODES
from eden.core import endpoints_doc
from eden.core.endpoints_doc import Edit
from eden.envs.docwriter import DocumentWriter
from eden.errors import AwsError
from eden.state.base import StateStore
from eden.state.leases import LockPolicy, held, new_owner, shared_key

DOCUMENT_RETRIES = 10


def apply_edits(
    aws: Aws,
    bucket: str,
    key: str,
    edits: list[Edit],
    *,
    overrides: Mapping[str, Any] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[bool]:
    """Read once, apply every edit, write once if any changed it (IfMatch / IfNoneMatch).

    On a lost race the edits are applied again to the fresh document; they are pure
    functions of the document, so that is safe. The object's own attributes (cache
    control, metadata...) are written back as they were, unless ``overrides`` sets them.
    """
    for attempt in range(DOCUMENT_RETRIES):
        current = aws.s3.get_json(bucket, key)
        doc = endpoints_doc.checked(current.doc, f"s3://{bucket}/{key}")
        results = [edit(doc) for edit in edits]
        if not any(results):
            return results
        try:
            aws.s3.put_json(
                bucket, key, doc, if_match=current.etag, kept=current.kept, overrides=overrides
            )
            return results
        except AwsError as exc:
            if exc.code not in CONFLICT_CODES or attempt == DOCUMENT_RETRIES - 1:
                raise
            sleep(random.uniform(0.01, 0.05 * 2 ** min(attempt, 4)))
    raise AssertionError("unreachable")


class DirectWrites:
    def __init__(self, aws: Aws, overrides: Mapping[str, Any] | None = None):
        self.aws = aws
        self.overrides = dict(overrides or {})

    def edit_document(self, bucket: str, key: str, edit: Edit) -> bool:
        return apply_edits(self.aws, bucket, key, [edit], overrides=self.overrides)[0]


class LeasedWrites:
    def __init__(
        self,
        aws: Aws,
        store: StateStore,
        policy: LockPolicy,
        overrides: Mapping[str, Any] | None = None,
    ):
        self.aws = aws
        self.store = store
        self.policy = policy
        self.overrides = dict(overrides or {})
        self._writer = DocumentWriter(lambda k: held(store, k, new_owner(), policy))

    def edit_document(self, bucket: str, key: str, edit: Edit) -> bool:
        """Edits from this process's threads are grouped, so a burst of creates (API
        server) or deletes (gc) costs one read and one write."""
        return self._writer.submit(
            shared_key(f"endpoints:{bucket}/{key}"),
            edit,
            lambda edits: apply_edits(self.aws, bucket, key, edits, overrides=self.overrides),
        )

