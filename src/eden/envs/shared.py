"""Writes to what every environment shares: the endpoints document. The engine hands one
of these to the executor; the actions use it.

``DirectWrites`` runs each write as it comes (a dry run, a test, one process alone).
``LeasedWrites`` is what the engine uses: edits of the endpoints document are grouped
(``DocumentWriter``) and written under a lease in the state store, on top of S3's own
conditional writes. (Rule priorities need no lease: see ``resources/listener_rule``; room
on the ALB is claimed in ``quota``.)
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from eden.aws import Aws
from eden.aws.s3 import CONFLICT_CODES, JsonObject
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
    known: JsonObject | None = None,
) -> tuple[list[bool], JsonObject | None]:
    """Read once, apply every edit, write once if any changed it (IfMatch / IfNoneMatch).

    On a lost race the edits are applied again to the fresh document; they are pure
    functions of the document, so that is safe. The object's own attributes (cache
    control, metadata...) are written back as they were, unless ``overrides`` sets them.
    ``known``: the document as this process last wrote it; the first try writes on top of
    it without reading (IfMatch its ETag: if anyone wrote since, S3 refuses and the
    document is read). Edits that change nothing in it are run again on the document as
    read (no write would have checked that ``known`` is still current). Returns each
    edit's result and the document as now written.
    """
    for attempt in range(DOCUMENT_RETRIES):
        current = known if known is not None else aws.s3.get_json(bucket, key)
        doc = endpoints_doc.checked(copy.deepcopy(current.doc), f"s3://{bucket}/{key}")
        results = [edit(doc) for edit in edits]
        if not any(results):
            if known is not None:  # "no change" is only true of the document as it is
                known = None
                continue
            return results, current
        try:
            written = aws.s3.put_json(
                bucket, key, doc, if_match=current.etag, kept=current.kept, overrides=overrides
            )
            return results, written
        except AwsError as exc:
            if exc.code not in CONFLICT_CODES or attempt == DOCUMENT_RETRIES - 1:
                raise
            if known is not None:  # written by someone else since: read it, no race lost
                known = None
                continue
            sleep(random.uniform(0.01, 0.05 * 2 ** min(attempt, 4)))
    raise AssertionError("unreachable")


class DirectWrites:
    def __init__(self, aws: Aws, overrides: Mapping[str, Any] | None = None):
        self.aws = aws
        self.overrides = dict(overrides or {})

    def edit_document(self, bucket: str, key: str, edit: Edit) -> bool:
        return apply_edits(self.aws, bucket, key, [edit], overrides=self.overrides)[0][0]


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
        # Each document as this process last wrote it: the next group writes on top of it
        # without reading it first (one round trip fewer under the lease). Only the group's
        # leader touches it, one group of a key at a time.
        self._written: dict[str, JsonObject | None] = {}

    def edit_document(self, bucket: str, key: str, edit: Edit) -> bool:
        """Edits from this process's threads are grouped, so a burst of creates (API
        server) or deletes (gc) costs one write (and one read, the first time)."""
        lease_key = shared_key(f"endpoints:{bucket}/{key}")

        def apply(edits: list[Edit]) -> list[bool]:
            known = self._written.pop(lease_key, None)
            results, now = apply_edits(
                self.aws, bucket, key, edits, overrides=self.overrides, known=known
            )
            self._written[lease_key] = now
            return results

        return self._writer.submit(lease_key, edit, apply)

