"""The environment's entry in the endpoints document that client apps read (resource 6).

``{"name": "<endpoint-prefix>-<name>", "env": ..., "<update_key>": host}``. The edit is a
pure function of the document, applied when the step runs to the document as it is then
(with an S3 conditional write, and grouped with other environments' edits), so what it
changes is decided at apply. Entries eden did not make are never touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eden.config import EndpointsDoc
from eden.core import endpoints_doc
from eden.core.naming import EnvNames
from eden.envs.plan import Step
from eden.envs.resources.apply import Apply
from eden.envs.resources.base import Collect, PlanInput, Planned, ReadContext, RemoveInput, Resource

KEY = "endpoint"
_DOCUMENT = {"document": "edited as it is when the step runs (conditional write)"}


@dataclass(frozen=True)
class Written:
    Name: str
    changed: bool  # False: the document already had it


def read(ctx: ReadContext) -> Collect:
    doc = ctx.document
    cfg = ctx.profile.endpoints

    def collect(names: EnvNames) -> bool | None:
        if doc is None or cfg is None:
            return None
        found = endpoints_doc.has_entry(doc.result().doc, names.endpoint_name, ctx.endpoint_key)
        return True if found else None

    return collect


def plan(p: PlanInput) -> Planned:
    e = p.profile.endpoints
    if e is None or p.current[KEY] or not p.served:
        return Planned()
    names = p.names
    step = Step(
        id=KEY,
        action="s3.endpoints_upsert",
        params={
            "Bucket": e.bucket,
            "Key": e.key,
            "Name": names.endpoint_name,
            "EnvType": e.env_type,
            "UpdateKey": p.endpoint_key,
            "Host": names.host,
        },
        description=f"add {names.endpoint_name} to s3://{e.bucket}/{e.key}",
        undo=removal(f"undo_{KEY}", e, names, key=p.endpoint_key),
        decided_at_apply=_DOCUMENT,
    )
    return Planned((step,))


def remove(r: RemoveInput) -> Step | None:
    e = r.profile.endpoints
    if e is None or not r.current[KEY]:
        return None
    return removal(KEY, e, r.names, r.after, key=r.endpoint_key)


def removal(
    step_id: str,
    e: EndpointsDoc,
    names: EnvNames,
    after: tuple[str, ...] = (),
    *,
    key: str | None = None,
) -> Step:
    params = {"Bucket": e.bucket, "Key": e.key, "Name": names.endpoint_name}
    params["UpdateKey"] = key or e.update_key
    what = f"remove {names.endpoint_name} from s3://{e.bucket}/{e.key}"
    return Step(step_id, "s3.endpoints_remove", params, after, what, decided_at_apply=_DOCUMENT)


def upsert(ctx: Apply, p: Mapping[str, Any]) -> Written:
    edit = endpoints_doc.upsert_edit(
        str(p["Name"]), str(p["EnvType"]), str(p["UpdateKey"]), str(p["Host"])
    )
    return Written(str(p["Name"]), ctx.shared.edit_document(str(p["Bucket"]), str(p["Key"]), edit))


def delete(ctx: Apply, p: Mapping[str, Any]) -> Written:
    edit = endpoints_doc.remove_edit(str(p["Name"]), str(p["UpdateKey"]))
    return Written(str(p["Name"]), ctx.shared.edit_document(str(p["Bucket"]), str(p["Key"]), edit))


def record(output: Written | None, found: bool | None) -> dict[str, Any] | None:
    if output is not None:
        return {"name": output.Name}
    return None


ACTIONS = {"s3.endpoints_upsert": upsert, "s3.endpoints_remove": delete}
RESOURCE = Resource.of_module(globals(), after=())
