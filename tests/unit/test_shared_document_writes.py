"""envs/shared.py ``apply_edits`` with the document this process last wrote (``known``):
it is written on without a read, but never trusted for "nothing to change"."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from eden.aws.s3 import JsonObject
from eden.envs.shared import apply_edits
from eden.errors import AwsError


class FakeS3:
    """One object; IfMatch is checked as S3 does."""

    def __init__(self, doc: dict[str, Any], etag: str):
        self.doc, self.etag, self.log = doc, etag, []

    def get_json(self, bucket: str, key: str) -> JsonObject:
        self.log.append("get")
        return JsonObject(self.doc, self.etag)

    def put_json(self, bucket: str, key: str, doc: Any, *, if_match: str | None,
                 kept: Any = None, overrides: Any = None) -> JsonObject:
        self.log.append(f"put if-match {if_match}")
        if if_match != self.etag:
            raise AwsError("precondition failed", code="PreconditionFailed")
        self.doc, self.etag = doc, f"{self.etag}+"
        return JsonObject(doc, self.etag)


def _add(name: str) -> Any:
    def edit(doc: dict[str, Any]) -> bool:
        if any(e["name"] == name for e in doc["environments"]):
            return False
        doc["environments"].append({"name": name, "env": "dev", "api": f"{name}.example"})
        return True
    return edit


def _entries(*names: str) -> dict[str, Any]:
    return {"environments": [{"name": n, "env": "dev", "api": f"{n}.example"} for n in names]}


def test_an_edit_is_written_on_the_known_document_without_a_read() -> None:
    s3 = FakeS3(_entries("a"), "v1")
    results, now = apply_edits(SimpleNamespace(s3=s3), "b", "k", [_add("b")],
                               known=JsonObject(_entries("a"), "v1"))
    assert (results, s3.log) == ([True], ["put if-match v1"])
    assert now is not None and now.etag == "v1+"


def test_a_write_made_meanwhile_is_read_and_kept() -> None:
    s3 = FakeS3(_entries("a", "by-hand"), "v2")
    results, _ = apply_edits(SimpleNamespace(s3=s3), "b", "k", [_add("b")],
                             known=JsonObject(_entries("a"), "v1"), sleep=lambda _s: None)
    assert (results, s3.log) == ([True], ["put if-match v1", "get", "put if-match v2"])
    assert [e["name"] for e in s3.doc["environments"]] == ["a", "by-hand", "b"]


def test_nothing_to_change_in_the_known_document_is_checked_on_the_document_itself() -> None:
    s3 = FakeS3(_entries(), "v2")  # "a" was removed by hand since this process wrote v1
    results, _ = apply_edits(SimpleNamespace(s3=s3), "b", "k", [_add("a")],
                             known=JsonObject(_entries("a"), "v1"))
    assert (results, s3.log) == ([True], ["get", "put if-match v2"])
    assert [e["name"] for e in s3.doc["environments"]] == ["a"]
