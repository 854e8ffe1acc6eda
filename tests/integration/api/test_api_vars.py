"""REST v1 /vars over HTTP against moto: set, read (redacted), remove, refuse; every
answer checked against the server's own OpenAPI description, which must be valid."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_helpers import wait_for
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

from eden.config import write_profile
from eden.config.files import read_file
from eden.sandbox.seed import sandbox_clients

pytestmark = pytest.mark.integration

PATH = "/api/v1/vars/feature/api"
SPEC = "/api/v1/vars/{name}"


def _spec(api: Any) -> dict[str, Any]:
    """The live server's OpenAPI description, checked to be valid OpenAPI."""
    spec: dict[str, Any] = api.client.get("/openapi.json").json()
    validate_spec(spec)  # raises with the first problem
    return spec


def _conforms(spec: dict[str, Any], method: str, answer: httpx.Response) -> None:
    """``answer`` is what the description of ``method`` /vars/{name} says it may be."""
    documented = spec["paths"][SPEC][method]["responses"][str(answer.status_code)]
    schema = documented["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": spec["components"]})
    errors = [e.message for e in validator.iter_errors(answer.json())]
    assert errors == [], (method, answer.status_code, errors)


def _app(api: Any, revision: str) -> dict[str, Any]:
    ecs = sandbox_clients(api.moto_url).client("ecs")
    td = ecs.describe_task_definition(taskDefinition=revision)["taskDefinition"]
    return next(c for c in td["containerDefinitions"] if c["name"] == "app")


def test_vars_round_trip_over_http(api: Any) -> None:
    writer, reader = api.as_writer(), api.as_reader()
    r = api.client.put("/api/v1/environments/feature/api",
                       json={"image": api.seeded.image_uris[0]}, headers=writer)  # fmt: skip
    assert r.status_code == 201, r.text
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:previews/db-AbCdEf"
    spec = _spec(api)
    assert spec["paths"][SPEC]["put"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/VarsChanged"}

    put = api.client.put(PATH, headers=writer, json={
        "env": {"SESSION_SECRET": "hunter2", "MODE": "fast"},
        "secrets": {"DB_PASSWORD": secret},
    })  # fmt: skip
    assert put.status_code == 200, put.text
    _conforms(spec, "put", put)
    body = put.json()
    assert (body["changed"], body["deployed"], body["outcome"]["operation"]) == (
        True, True, "deploy",
    )  # fmt: skip
    assert "hunter2" not in put.text  # not in the vars, the record or the plan's params
    app = _app(api, "eden-feature-api:2")
    assert {e["name"]: e["value"] for e in app["environment"]}["SESSION_SECRET"] == "hunter2"
    assert app["secrets"] == [{"name": "DB_PASSWORD", "valueFrom": secret}]

    got = api.client.get(PATH, headers=reader)
    assert got.status_code == 200, got.text
    _conforms(spec, "get", got)
    assert [(v["name"], v["value"], v["value_from"]) for v in got.json()["vars"]] == [
        ("DB_PASSWORD", None, secret), ("MODE", "fast", None), ("SESSION_SECRET", "****", None),
    ]  # fmt: skip
    shown = api.client.get(PATH, params={"show_values": "true"}, headers=reader)
    assert shown.status_code == 403 and "needs a write key" in shown.json()["message"]
    shown = api.client.get(PATH, params={"show_values": "true"}, headers=writer)
    assert shown.json()["vars"][2]["value"] == "hunter2"
    env = api.client.get("/api/v1/environments/feature/api", headers=reader).json()
    assert env["extra"]["vars"]["env"]["SESSION_SECRET"] == "****"

    gone = api.client.delete(PATH, params=[("key", "SESSION_SECRET"), ("key", "NOPE")],
                             headers=writer)  # fmt: skip
    assert gone.status_code == 200, gone.text
    _conforms(spec, "delete", gone)
    assert gone.json()["messages"] == [
        "not set on feature-api, so nothing to unset: NOPE",
        f"feature-api exists: deploying {api.seeded.image_uris[0]}",
    ]
    assert [v["name"] for v in gone.json()["vars"]] == ["DB_PASSWORD", "MODE"]
    after = _app(api, "eden-feature-api:3")["environment"]
    assert "SESSION_SECRET" not in {e["name"] for e in after}


def test_vars_refusals_over_http_change_nothing(api: Any) -> None:
    writer = api.as_writer()
    r = api.client.put("/api/v1/environments/feature/api",
                       json={"image": api.seeded.image_uris[0]}, headers=writer)  # fmt: skip
    assert r.status_code == 201, r.text
    spec = _spec(api)
    for method, body, error, fragment in [
        ("PUT", {"secrets": {"DB": "arn:aws:kms:us-east-1:123456789012:key/x"}}, "UsageError",
         "ECS reads secrets from Secrets Manager (secretsmanager) and SSM"),
        ("PUT", {"secrets": {"DB": "prod/db"}}, "UsageError", "does not start with one"),
        ("PUT", {"env": {"A": "1"}, "secrets": {"A": "/x"}}, "UsageError", "A given twice"),
        ("PUT", {"env": {"1A": "x"}}, "ValidationError", "env.1A.[key]: String should match"),
        ("PUT", {"envs": {"A": "1"}}, "ValidationError", "envs: Extra inputs are not permitted"),
        ("DELETE", None, "ValidationError", "key: Field required"),
    ]:  # fmt: skip
        answer = api.client.request(method, PATH, json=body, headers=writer)
        assert answer.status_code == 422, (body, answer.text)
        _conforms(spec, method.lower(), answer)
        assert answer.json()["error"] == error, answer.text
        assert fragment in answer.json()["message"], answer.text

    # The profile now denies /prod/*: a preview may not read it, refused before any deploy.
    values = {**_profile_values(api), "deny_secrets": ["/prod/*"]}
    write_profile(api.config, "sandbox", values, default=True)  # the server reads it again
    denied = api.client.put(PATH, json={"secrets": {"DB": "/prod/db"}}, headers=writer)
    assert denied.status_code == 422, denied.text
    _conforms(spec, "put", denied)
    assert denied.json()["message"] == (
        "secret DB: /prod/db is denied by profile sandbox (deny_secrets: /prod/*): "
        "previews may not read it"
    )

    missing = api.client.put("/api/v1/vars/feature/none", json={"env": {"A": "1"}}, headers=writer)
    assert missing.status_code == 404, missing.text
    assert "no environment 'feature/none'" in missing.json()["message"]
    read_only = api.client.put(PATH, json={"env": {"A": "1"}}, headers=api.as_reader())
    assert read_only.status_code == 403, read_only.text
    ecs = sandbox_clients(api.moto_url).client("ecs")
    revisions = ecs.list_task_definitions(familyPrefix="eden-feature-api")["taskDefinitionArns"]
    assert [r.rsplit(":", 1)[1] for r in revisions] == ["1"]
    assert api.client.get(PATH, headers=writer).json()["vars"] == []


def _profile_values(api: Any) -> dict[str, Any]:
    return dict(read_file(api.config)["profiles"]["sandbox"])


def test_vars_in_the_background_and_kept_for_later(api: Any) -> None:
    writer = api.as_writer()
    r = api.client.put("/api/v1/environments/feature/api",
                       json={"image": api.seeded.image_uris[0]}, headers=writer)  # fmt: skip
    assert r.status_code == 201, r.text
    kept = api.client.put(PATH, params={"deploy": "false"}, json={"env": {"A": "1"}},
                          headers=writer)  # fmt: skip
    assert kept.status_code == 200 and kept.json()["pending"] is True
    assert kept.json()["deployed"] is False
    queued = api.client.put(PATH, params={"wait": "false"}, json={"env": {"B": "2"}},
                            headers=writer)  # fmt: skip
    assert queued.status_code == 202, queued.text
    op = wait_for(api.client, queued.headers["Location"], writer)
    assert op["status"] == "succeeded", op
    assert op["kind"] == "vars" and op["result"]["operation"] == "deploy"
    env = {e["name"]: e["value"] for e in _app(api, "eden-feature-api:2")["environment"]}
    assert (env["A"], env["B"]) == ("1", "2")
    assert api.client.get(PATH, headers=writer).json()["pending"] is False
