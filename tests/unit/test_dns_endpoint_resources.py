"""The DNS record and the endpoints entry resources on their own: their plans for a
worker, a wildcard zone and what exists; their removals; what the record keeps; the
document edits their actions make (a stub shared writer). Pure: no AWS."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from test_planner import NAMES, ZONE_ID, make_profile, make_reference, make_request

from eden.core.endpoints_doc import Edit
from eden.envs.plan import Step
from eden.envs.resources import dns_record, endpoints_entry
from eden.envs.resources.base import Current, PlanInput, Planned, RemoveInput

PROFILE = make_profile()
ENDPOINTS = PROFILE.endpoints


def plan_input(current: Current | None = None, **reference: Any) -> PlanInput:
    return PlanInput(PROFILE, make_request(), make_reference(**reference), current or Current())


def worker() -> PlanInput:
    return PlanInput(PROFILE, make_request(), replace(make_reference(), target_group=None),
                     Current())


# --- the DNS record ---------------------------------------------------------------------


def test_dns_a_worker_gets_no_record() -> None:
    assert dns_record.plan(worker()) == Planned()


def test_dns_a_wildcard_zone_gets_a_note_not_a_record() -> None:
    assert dns_record.plan(plan_input(wildcard_record=True)) == Planned(
        notes=(f"the zone's wildcard record already sends {NAMES.host} to the shared ALB",))


def test_dns_an_existing_record_is_not_redone() -> None:
    found = {"Name": NAMES.host + ".", "Type": "A"}
    assert dns_record.plan(plan_input(Current.of(dns_record=found))) == Planned()


def test_dns_the_new_record_and_its_undo() -> None:
    (step,) = dns_record.plan(plan_input()).steps
    assert step.undo == Step(
        "undo_dns_record", "route53.delete_record", {"HostedZoneId": ZONE_ID, "Name": NAMES.host},
        (), f"remove the record {NAMES.host}",
        decided_at_apply={"ResourceRecordSet": "the A record at the host, read when deleting"},
    )
    assert step.description == f"point {NAMES.host} at the shared ALB"


def test_dns_removal_only_of_a_record_that_exists() -> None:
    assert dns_record.remove(RemoveInput(PROFILE, NAMES, Current())) is None
    found = Current.of(dns_record={"Name": NAMES.host + "."})
    step = dns_record.remove(RemoveInput(PROFILE, NAMES, found, after=("service",)))
    assert step is not None
    assert (step.id, step.depends_on) == ("dns_record", ("service",))


def test_dns_the_record_keeps_the_change_else_the_name_found() -> None:
    made = dns_record.Pointed(NAMES.host, "C123")
    assert dns_record.record(made, None) == {"name": NAMES.host, "change": "C123"}
    assert dns_record.record(None, {"Name": NAMES.host + "."}) == {"name": NAMES.host}
    assert dns_record.record(None, None) is None


# --- the endpoints entry ----------------------------------------------------------------


def test_entry_none_without_a_document_for_a_worker_or_when_it_exists() -> None:
    no_doc = PlanInput(replace(PROFILE, endpoints=None), make_request(), make_reference(),
                       Current())
    assert endpoints_entry.plan(no_doc) == Planned()
    assert endpoints_entry.plan(worker()) == Planned()
    assert endpoints_entry.plan(plan_input(Current.of(endpoint=True))) == Planned()


def test_entry_the_new_entry_and_its_undo() -> None:
    (step,) = endpoints_entry.plan(plan_input()).steps
    assert step.description == "add dev-feature-login to s3://dev-endpoints/endpoints.json"
    assert step.undo == Step(
        "undo_endpoint", "s3.endpoints_remove",
        {"Bucket": "dev-endpoints", "Key": "endpoints.json", "Name": "dev-feature-login",
         "UpdateKey": "api"},
        (), "remove dev-feature-login from s3://dev-endpoints/endpoints.json",
        decided_at_apply={"document": "edited as it is when the step runs (conditional write)"},
    )


def test_entry_removal_only_with_a_document_and_an_entry() -> None:
    assert endpoints_entry.remove(RemoveInput(PROFILE, NAMES, Current())) is None
    no_doc = replace(PROFILE, endpoints=None)
    assert endpoints_entry.remove(RemoveInput(no_doc, NAMES, Current.of(endpoint=True))) is None
    step = endpoints_entry.remove(RemoveInput(PROFILE, NAMES, Current.of(endpoint=True),
                                              after=("dns_record",)))
    assert step is not None
    assert (step.params["UpdateKey"], step.depends_on) == ("api", ("dns_record",))


def test_entry_a_removal_without_a_key_uses_the_documents_update_key() -> None:
    assert ENDPOINTS is not None
    step = endpoints_entry.removal("x", ENDPOINTS, NAMES, key="")
    assert step.params["UpdateKey"] == ENDPOINTS.update_key == "api"
    assert endpoints_entry.removal("x", ENDPOINTS, NAMES, key="web").params["UpdateKey"] == "web"


def test_entry_the_record_keeps_the_name_written() -> None:
    assert endpoints_entry.record(endpoints_entry.Written("dev-x", False), True) == {
        "name": "dev-x"}
    assert endpoints_entry.record(None, True) is None


class Shared:
    """The shared writer: applies each edit to one in-memory document."""

    def __init__(self) -> None:
        self.doc: dict[str, Any] = {"environments": []}
        self.where: list[tuple[str, str]] = []

    def edit_document(self, bucket: str, key: str, edit: Edit) -> bool:
        self.where.append((bucket, key))
        return edit(self.doc)


def test_entry_actions_edit_the_document_through_the_shared_writer() -> None:
    (step,) = endpoints_entry.plan(plan_input()).steps
    shared = Shared()
    ctx: Any = SimpleNamespace(shared=shared)
    assert endpoints_entry.upsert(ctx, step.params) == endpoints_entry.Written(
        "dev-feature-login", True)
    assert shared.doc == {"environments": [
        {"name": "dev-feature-login", "env": "dev", "api": NAMES.host}]}
    assert step.undo is not None
    assert endpoints_entry.delete(ctx, step.undo.params) == endpoints_entry.Written(
        "dev-feature-login", True)
    assert endpoints_entry.delete(ctx, step.undo.params).changed is False
    assert shared.doc == {"environments": []}
    assert shared.where == [("dev-endpoints", "endpoints.json")] * 3


class Route53:
    """upsert_alias answers a change id; delete_record what it read and deleted (or None)."""

    def __init__(self, found: dict[str, Any] | None) -> None:
        self.found = found

    def upsert_alias(self, zone: str, name: str, alias: str, alias_zone: str) -> str:
        return f"C-{zone}-{name}"

    def delete_record(self, zone: str, name: str) -> dict[str, Any] | None:
        return self.found


def test_dns_actions_report_the_change_and_what_was_deleted() -> None:
    (step,) = dns_record.plan(plan_input()).steps
    found = {"Name": NAMES.host + ".", "Type": "A"}
    ctx: Any = SimpleNamespace(aws=SimpleNamespace(route53=Route53(found)))
    assert dns_record.upsert(ctx, step.params) == dns_record.Pointed(
        NAMES.host, f"C-{ZONE_ID}-{NAMES.host}")
    assert step.undo is not None
    assert dns_record.delete(ctx, step.undo.params) == dns_record.RecordRemoved(True, found)
    gone: Any = SimpleNamespace(aws=SimpleNamespace(route53=Route53(None)))
    assert dns_record.delete(gone, step.undo.params) == dns_record.RecordRemoved(False, None)
