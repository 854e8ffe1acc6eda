"""The list over HTTP: pages walked to the end, filters, the lean view, bad paging input,
and the OpenAPI description of it all, on a fleet of 120 environments in two profiles."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import fleet_record

from eden.api.listing import SUMMARY_FIELDS

pytestmark = pytest.mark.integration

def _walk(api: Any, params: dict[str, Any]) -> tuple[list[tuple[str, str]], int]:
    """Every page from the first, following `next`; the (profile, name) seen, in order,
    and how many pages it took. Checks each page's size and its Link header."""
    seen: list[tuple[str, str]] = []
    r = api.client.get("/api/v1/environments", params=params, headers=api.as_reader())
    pages = 0
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        assert len(body["environments"]) <= params.get("limit", 100)
        seen += [(e["profile"], e["name"]) for e in body["environments"]]
        if body["next"] is None:
            assert body["next_cursor"] is None and "link" not in r.headers
            return seen, pages
        assert r.headers["link"] == f'<{body["next"]}>; rel="next"'
        assert f"cursor={body['next_cursor']}" in body["next"]
        r = api.client.get(body["next"], headers=api.as_reader())


def test_walking_every_page_lists_each_environment_once_in_order(fleet: Any) -> None:
    seen, pages = _walk(fleet, {"view": "summary", "limit": 7})
    expected = [("other", f"env-{i:03d}") for i in range(20)]
    expected += [("sandbox", f"env-{i:03d}") for i in range(100)]
    assert seen == expected  # profile, then name; none twice, none missed
    assert pages == 18  # 120 / 7, the last page short


def test_the_default_page_of_the_lean_view_is_100(fleet: Any) -> None:
    body = fleet.client.get("/api/v1/environments", params={"view": "summary"},
                            headers=fleet.as_reader()).json()
    assert len(body["environments"]) == 100
    assert body["next_cursor"] is not None
    assert body["profiles"] == ["other", "sandbox"]


def test_without_paging_parameters_the_answer_is_what_it_was(fleet: Any) -> None:
    """Clients written before pages (the 2023 dashboard, scripts) get every environment,
    in full, in the same shape: `next` is added and null."""
    r = fleet.client.get("/api/v1/environments", headers=fleet.as_reader())
    body = r.json()
    assert len(body["environments"]) == 120
    assert body["next"] is None
    one = body["environments"][0]
    cost = one.pop("cost")  # added (docs/sleep-wake.md): these records have no task history
    assert cost["unknown"] == "no task history yet (kept from the next deploy, sleep or wake)"
    assert one == {**fleet_record(0, "other").as_dict(),
                   "expires_at": fleet_record(0, "other").last_deploy_at + 24 * 3600}
    by_profile = fleet.client.get("/api/v1/environments", params={"profile": "other"},
                                  headers=fleet.as_reader()).json()
    assert [e["name"] for e in by_profile["environments"]] == [f"env-{i:03d}" for i in range(20)]
    assert by_profile["profiles"] == ["other"]


def test_filters_by_profile_status_and_branch_prefix_across_pages(fleet: Any) -> None:
    seen, _ = _walk(fleet, {"profile": "sandbox", "status": "failed", "limit": 5,
                            "view": "summary"})
    assert seen == [("sandbox", f"env-{i:03d}") for i in range(100) if i % 4 == 2]
    seen, _ = _walk(fleet, {"branch_prefix": "fix/", "status": ["creating", "failed"],
                            "limit": 4})
    assert seen == [(p, f"env-{i:03d}") for p, n in (("other", 20), ("sandbox", 100))
                    for i in range(n) if i % 3 == 1 and i % 4 in (2, 3)]
    nothing = fleet.client.get("/api/v1/environments", params={"branch_prefix": "Feature/"},
                               headers=fleet.as_reader()).json()
    assert nothing["environments"] == [] and nothing["next"] is None


def test_the_lean_view_holds_its_fields_with_the_full_views_values(fleet: Any) -> None:
    params = {"profile": "sandbox", "limit": 3}
    lean = fleet.client.get("/api/v1/environments", params={**params, "view": "summary"},
                            headers=fleet.as_reader()).json()["environments"]
    full = fleet.client.get("/api/v1/environments", params=params,
                            headers=fleet.as_reader()).json()["environments"]
    assert [list(e) for e in lean] == [list(SUMMARY_FIELDS)] * 3
    assert lean == [{k: e[k] for k in SUMMARY_FIELDS} for e in full]


def test_a_cursor_belongs_to_its_filters(fleet: Any) -> None:
    first = fleet.client.get("/api/v1/environments", params={"status": "ready", "limit": 2},
                             headers=fleet.as_reader()).json()
    cursor = first["next_cursor"]
    other = fleet.client.get("/api/v1/environments", params={"status": "failed",
                                                             "cursor": cursor},
                             headers=fleet.as_reader())
    assert other.status_code == 422
    assert other.json()["message"].startswith("cursor does not belong to this listing")
    # The page size and the view may change along the walk.
    bigger = fleet.client.get("/api/v1/environments", headers=fleet.as_reader(), params={
        "status": "ready", "limit": 3, "view": "summary", "cursor": cursor})
    assert [e["name"] for e in bigger.json()["environments"]] == [
        "env-004", "env-005", "env-008"]


@pytest.mark.parametrize(("params", "says"), [
    ({"limit": "0"}, "limit: Input should be greater than or equal to 1"),
    ({"limit": "501"}, "limit: Input should be less than or equal to 500"),
    ({"limit": "ten"}, "limit: Input should be a valid integer"),
    ({"view": "everything"}, "view: Input should be 'full' or 'summary'"),
    ({"status": "broken"}, "status.0: Input should be 'creating', 'ready', 'failed'"),
    ({"status": ["true", "ready"]}, "status=true|false (health and drift, the old way) cannot"),
    ({"cursor": "not a cursor"}, "cursor is not one this server gave (cut short or edited?)"),
    ({"cursor": "W1siYSJdXQ"}, "cursor is not one this server gave (cut short or edited?)"),
    ({"cursor": "x" * 1025}, "cursor: String should have at most 1024 characters"),
    ({"branch_prefix": "f" * 256}, "branch_prefix: String should have at most 255 characters"),
])
def test_bad_paging_input_is_a_422_that_says_what_is_allowed(
    fleet: Any, params: dict[str, Any], says: str
) -> None:
    r = fleet.client.get("/api/v1/environments", params=params, headers=fleet.as_reader())
    assert r.status_code == 422, r.text
    assert says in r.json()["message"]


def test_a_tampered_cursor_is_refused(fleet: Any) -> None:
    cursor = fleet.client.get("/api/v1/environments", params={"limit": 1},
                              headers=fleet.as_reader()).json()["next_cursor"]
    for bad in (cursor[:-3], cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]):
        r = fleet.client.get("/api/v1/environments", params={"cursor": bad},
                             headers=fleet.as_reader())
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["hint"].startswith("start again without cursor")


def test_the_openapi_description_has_the_new_parameters(fleet: Any) -> None:
    spec = fleet.client.get("/openapi.json").json()
    op = spec["paths"]["/api/v1/environments"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert set(params) == {"profile", "status", "health", "branch_prefix", "view", "limit",
                           "cursor"}
    limit = params["limit"]["schema"]["anyOf"][0]
    assert (limit["minimum"], limit["maximum"]) == (1, 500)
    assert params["view"]["schema"]["enum"] == ["full", "summary"]
    assert "next_cursor" in params["cursor"]["description"]
    assert "304" in op["responses"]
    answer = spec["components"]["schemas"]["EnvironmentList"]["properties"]
    assert set(answer) == {"profiles", "environments", "next", "next_cursor"}
    one = spec["paths"]["/api/v1/environments/{name}"]["get"]
    assert "304" in one["responses"]
