"""``eden endpoints sync``: rebuild eden's entries in the endpoints document from state."""

from __future__ import annotations

from eden.core import endpoints_doc, naming
from eden.envs.engine import Engine
from eden.errors import UsageError


def sync_endpoints(engine: Engine, *, dry_run: bool = False) -> dict[str, list[str]]:
    """Makes eden's entries in the document match the environments in state.

    An entry is eden's when it looks like one this profile makes (``entry_matcher``);
    anything else in the document is left alone. Names are the stored ones.
    """
    profile = engine.profile
    doc_cfg = profile.endpoints
    if doc_cfg is None:
        raise UsageError(
            f"profile {profile.name} has no [endpoints] table",
            hint="add one with bucket, key and update_key to keep a document",
        )
    zone = engine.aws.route53.zone_name(profile.zone_id) or ""
    expected: dict[str, str] = {}
    for record in engine.environments():
        names = record.stored_names() or naming.names_for(
            record.branch,
            name_prefix=profile.name_prefix,
            domain_prefix=profile.service.domain_prefix,
            zone_name=zone,
            endpoint_prefix=doc_cfg.name_prefix,
            alias=record.alias,
        )
        expected[names.endpoint_name] = names.host
    ours = endpoints_doc.entry_matcher(
        name_prefix=doc_cfg.name_prefix,
        update_key=doc_cfg.update_key,
        domain_prefix=profile.service.domain_prefix,
        zone=zone,
    )
    report: dict[str, list[str]] = {"added": [], "removed": []}

    def edit(doc: dict[str, object]) -> bool:
        added, removed = endpoints_doc.sync_entries(
            doc,
            expected,
            env_type=doc_cfg.env_type,
            update_key=doc_cfg.update_key,
            is_ours=ours,
        )
        report["added"], report["removed"] = added, removed
        return bool(added or removed) and not dry_run

    engine.shared.edit_document(doc_cfg.bucket, doc_cfg.key, edit)
    return report
