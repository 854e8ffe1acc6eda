"""What each plan step's ``action`` does, as one function over ``Aws``.

Every action is idempotent: "already exists" on create and "not found" on delete are
success, so re-running a plan after a failure converges. Two actions race with other
environments over shared things and retry: the listener rule (its priority) and the
endpoints document (a read-modify-write made safe by S3 conditional writes).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from eden.aws.ops import Aws, error_code
from eden.errors import AwsError
from eden.planner import pick_priority
from eden.reader import parse_rule

Outputs = dict[str, Any]
Action = Callable[[Aws, Mapping[str, Any]], Outputs]

PRIORITY_RETRIES = 8
DOCUMENT_RETRIES = 10
IN_USE_RETRIES = 10


def register_task_definition(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    return {"taskDefinitionArn": aws.register_task_definition(p)}


def deregister_task_definitions(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    """Every revision at once: an environment deployed 50 times must not delete 50x slower."""
    arns = list(p["arns"])
    if not arns:
        return {"deregistered": 0}
    with ThreadPoolExecutor(max_workers=min(10, len(arns))) as pool:
        list(pool.map(aws.deregister_task_definition, arns))
        batches = [arns[i : i + 10] for i in range(0, len(arns), 10)]
        list(pool.map(aws.delete_task_definitions, batches))
    return {"deregistered": len(arns)}


def create_target_group(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    return {"TargetGroupArn": aws.create_target_group(p)}


def delete_target_group(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    # A rule deleted a moment ago can still hold the group briefly: ResourceInUse, retry.
    for attempt in range(IN_USE_RETRIES):
        try:
            return {"deleted": aws.delete_target_group(str(p["TargetGroupArn"]))}
        except ClientError as exc:
            if error_code(exc) != "ResourceInUse" or attempt == IN_USE_RETRIES - 1:
                raise
            time.sleep(min(0.2 * 2**attempt, 3.0))
    raise AssertionError("unreachable")


def create_rule(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    """Creates the host rule; on PriorityInUse re-reads the rules and picks another."""
    params = dict(p)
    host = params["Conditions"][0]["HostHeaderConfig"]["Values"][0]
    for attempt in range(PRIORITY_RETRIES):
        try:
            return {"RuleArn": aws.create_rule(params), "Priority": params["Priority"]}
        except ClientError as exc:
            if error_code(exc) != "PriorityInUse" or attempt == PRIORITY_RETRIES - 1:
                raise
            rules = [parse_rule(r) for r in aws.rules(str(params["ListenerArn"]))]
            mine = next((r for r in rules if host in r.hosts), None)
            if mine is not None:  # a concurrent run of this same environment made it
                return {"RuleArn": mine.arn, "Priority": mine.priority}
            params["Priority"] = pick_priority(
                host, [r.priority for r in rules], salt=attempt + 1 + random.randrange(1000)
            )
    raise AssertionError("unreachable")


def delete_rule(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    return {"deleted": aws.delete_rule(str(p["RuleArn"]))}


def create_service(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    svc = aws.create_service(p)
    return {"serviceArn": svc["serviceArn"]}


def update_service(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    svc = aws.update_service(**p)
    return {"serviceArn": svc["serviceArn"]}


def delete_service(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    return {"deleted": aws.delete_service(str(p["cluster"]), str(p["service"]))}


def upsert_alias(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    aws.upsert_alias(
        str(p["HostedZoneId"]), str(p["Name"]), str(p["AliasDnsName"]), str(p["AliasHostedZoneId"])
    )
    return {"Name": p["Name"]}


def delete_record(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    return {"deleted": aws.delete_record(str(p["HostedZoneId"]), str(p["Name"]))}


def add_entry(doc: dict[str, Any], name: str, env_type: str, update_key: str, host: str) -> None:
    """Sets ``update_key`` of entry ``name``; other keys and entries stay as they are."""
    entries = doc.setdefault("environments", [])
    for entry in entries:
        if isinstance(entry, dict) and entry.get("name") == name:
            entry[update_key] = host
            return
    entries.append({"name": name, "env": env_type, update_key: host})


def remove_entry(doc: dict[str, Any], name: str, update_key: str) -> bool:
    """Drops ``update_key`` from entry ``name``, and the entry when nothing else is left."""
    entries = doc.get("environments", [])
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and entry.get("name") == name and update_key in entry:
            del entry[update_key]
            if set(entry) <= {"name", "env"}:
                entries.pop(i)
            return True
    return False


def sync_entries(
    doc: dict[str, Any],
    expected: Mapping[str, str],
    *,
    env_type: str,
    update_key: str,
    is_ours: Callable[[Mapping[str, Any]], bool],
) -> tuple[list[str], list[str]]:
    """Makes eden's entries match ``expected`` (entry name -> host); others stay as they are.

    Returns the names added or corrected, and the names removed.
    """
    added: list[str] = []
    removed: list[str] = []
    for entry in list(doc.setdefault("environments", [])):
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name not in expected and is_ours(entry):
            remove_entry(doc, name, update_key)
            removed.append(name)
    current = {e.get("name"): e.get(update_key) for e in doc["environments"] if isinstance(e, dict)}
    for name, host in sorted(expected.items()):
        if current.get(name) != host:
            add_entry(doc, name, env_type, update_key, host)
            added.append(name)
    return added, removed


def edit_document(
    aws: Aws, bucket: str, key: str, edits: list[Callable[[dict[str, Any]], bool]]
) -> list[bool]:
    """Read once, apply every edit, write once if any changed it (IfMatch / IfNoneMatch).

    On a lost race the edits are applied again to the fresh document; they are pure
    functions of the document, so that is safe.
    """
    for attempt in range(DOCUMENT_RETRIES):
        doc, etag = aws.get_json(bucket, key)
        if doc is None:
            doc = {"environments": []}
        if not isinstance(doc, dict) or not isinstance(doc.get("environments", []), list):
            raise AwsError(
                f's3://{bucket}/{key} is not an endpoints document ({{"environments": [...]}})',
                hint="fix the document by hand; eden will not overwrite what it cannot read",
            )
        results = [edit(doc) for edit in edits]
        if not any(results):
            return results
        try:
            aws.put_json(bucket, key, doc, if_match=etag)
            return results
        except ClientError as exc:
            if error_code(exc) not in ("PreconditionFailed", "ConditionalRequestConflict", "412"):
                raise
            if attempt == DOCUMENT_RETRIES - 1:
                raise
            time.sleep(random.uniform(0.01, 0.05 * 2 ** min(attempt, 4)))
    raise AssertionError("unreachable")


def upsert_edit(p: Mapping[str, Any]) -> Callable[[dict[str, Any]], bool]:
    def edit(doc: dict[str, Any]) -> bool:
        add_entry(doc, str(p["Name"]), str(p["EnvType"]), str(p["UpdateKey"]), str(p["Host"]))
        return True

    return edit


def remove_edit(p: Mapping[str, Any]) -> Callable[[dict[str, Any]], bool]:
    def edit(doc: dict[str, Any]) -> bool:
        return remove_entry(doc, str(p["Name"]), str(p["UpdateKey"]))

    return edit


def endpoints_upsert(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    edit_document(aws, str(p["Bucket"]), str(p["Key"]), [upsert_edit(p)])
    return {"Name": p["Name"]}


def endpoints_remove(aws: Aws, p: Mapping[str, Any]) -> Outputs:
    removed = edit_document(aws, str(p["Bucket"]), str(p["Key"]), [remove_edit(p)])[0]
    return {"removed": removed}


ACTIONS: dict[str, Action] = {
    "ecs.register_task_definition": register_task_definition,
    "ecs.deregister_task_definitions": deregister_task_definitions,
    "ecs.create_service": create_service,
    "ecs.update_service": update_service,
    "ecs.delete_service": delete_service,
    "elbv2.create_target_group": create_target_group,
    "elbv2.delete_target_group": delete_target_group,
    "elbv2.create_rule": create_rule,
    "elbv2.delete_rule": delete_rule,
    "route53.upsert_alias": upsert_alias,
    "route53.delete_record": delete_record,
    "s3.endpoints_upsert": endpoints_upsert,
    "s3.endpoints_remove": endpoints_remove,
}
