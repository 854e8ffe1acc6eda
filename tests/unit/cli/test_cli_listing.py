"""`eden ls` as text: what shows at 80 columns, in a wide terminal and in a pipe."""

from __future__ import annotations

import pytest

from eden.cli.listing import cell_width, fold, render, short_image

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
SHA = "0123456789abcdef0123456789abcdef01234567"


def _row(name: str, branch: str, image: str, status: str = "ready") -> dict[str, str]:
    return {
        "NAME": name,
        "BRANCH": branch,
        "URL": f"https://api-{name}.dev.example.com",
        "IMAGE": image,
        "CREATED": "2026-11-25 22:00:00Z",
        "LAST DEPLOY": "2026-11-25 22:01:00Z",
        "STATUS": status,
    }


ROWS = [
    _row("feature-login", "feature/login", f"{ECR}/api:v1"),
    _row(
        "feature-jira-4242-make-the-check-1a2b3c4",  # 40 characters: the longest a name gets
        "feature/JIRA-4242-make-the-checkout-page-load-faster-for-everyone",
        f"{ECR}/team/api:{SHA}",
        "creating",
    ),
    _row("ri-ben-yu-buranchi", "日本語ブランチ", "nginx:1.27"),
]


def _cells(lines: list[str]) -> str:
    return "\n".join(lines)


def test_at_80_columns_name_branch_status_and_the_whole_tag_show() -> None:
    lines = render(ROWS, 80)
    assert all(cell_width(line) <= 80 for line in lines), lines
    assert lines[0].split() == ["NAME", "BRANCH", "IMAGE", "STATUS"]
    text = _cells(lines)
    for row in ROWS:
        assert row["NAME"] in text and row["STATUS"] in text
    assert "api:v1" in text and ECR not in text  # the registry goes, the tag stays
    # The long row: its branch and its 40-character git sha tag fold inside their
    # columns, never cut; joined back, each is whole.
    branch_column, image_column = lines[0].index("BRANCH"), lines[0].index("IMAGE")
    start = next(i for i, line in enumerate(lines) if line.startswith(ROWS[1]["NAME"]))
    end = next(i for i, line in enumerate(lines) if line.startswith(ROWS[2]["NAME"]))
    block = lines[start:end]
    branch = "".join(line[branch_column:image_column].strip() for line in block)
    tag = "".join(line[image_column:].split()[0] for line in block if len(line) > image_column)
    assert branch == ROWS[1]["BRANCH"]
    assert tag == f"team/api:{SHA}"
    assert lines[1].split() == ["feature-login", "feature/login", "api:v1", "ready"]


def test_a_wide_terminal_adds_the_url_and_dates() -> None:
    lines = render(ROWS, 300)
    assert lines[0].split() == [
        "NAME", "BRANCH", "URL", "IMAGE", "CREATED", "LAST", "DEPLOY", "STATUS"
    ]
    assert len(lines) == 1 + len(ROWS)  # nothing had to wrap
    assert "team/api:" + SHA in lines[2] and ECR not in lines[2]


def test_in_a_pipe_every_value_is_whole_one_row_a_line() -> None:
    lines = render(ROWS, None)
    assert len(lines) == 1 + len(ROWS)
    for line, row in zip(lines[1:], ROWS, strict=True):
        for value in row.values():
            assert value in line


def test_wide_characters_take_two_cells_and_columns_stay_aligned() -> None:
    assert cell_width("日本語") == 6 and cell_width("🚀") == 2 and cell_width("Ünï") == 3
    assert cell_width("U\u0308") == 1  # a combining mark takes no cell
    for width in (None, 120):
        lines = render(ROWS, width)
        starts = [line for line in lines if line.startswith(("feature-", "ri-ben"))]
        status_at = {
            cell_width(line[: line.rindex(row["STATUS"])])
            for line, row in zip(starts, ROWS, strict=True)
        }
        assert len(status_at) == 1, lines


@pytest.mark.parametrize(
    "image, shown",
    [
        (f"{ECR}/api:v1", "api:v1"),
        ("ghcr.io/org/app:1.2", "org/app:1.2"),
        ("localhost:5000/app:dev", "app:dev"),
        ("nginx:1.27", "nginx:1.27"),
        ("library/nginx@sha256:" + "a" * 64, "library/nginx@sha256:" + "a" * 64),
    ],
)
def test_short_image_drops_only_the_registry(image: str, shown: str) -> None:
    assert short_image(image) == shown


def test_fold_prefers_a_separator_and_never_loses_a_character() -> None:
    assert fold("feature/login", 20) == ["feature/login"]
    assert fold("feature/JIRA-4242-make", 12) == ["feature/", "JIRA-4242-", "make"]
    assert fold("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert fold("日本語ブランチ", 5) == ["日本", "語ブ", "ラン", "チ"]


def test_health_and_drift_take_the_room_left_and_never_narrow_a_required_column() -> None:
    short = [{**_row("feature-login", "feature/login", f"{ECR}/api:v1"),
              "HEALTH": "healthy 1/1 running", "DRIFT": "no"}]
    lines = render(short, 80)
    assert lines[0].split()[:6] == ["NAME", "BRANCH", "IMAGE", "STATUS", "HEALTH", "DRIFT"]
    assert lines[1].split()[:4] == ["feature-login", "feature/login", "api:v1", "ready"]
    assert all(cell_width(line) <= 80 for line in lines)
    crowded = [{**row, "HEALTH": "healthy 1/1 running", "DRIFT": "no"} for row in ROWS]
    lines = render(crowded, 80)
    assert lines[0].split() == ["NAME", "BRANCH", "IMAGE", "STATUS"]  # no room left
    assert render(crowded, None)[0].split()[-2:] == ["HEALTH", "DRIFT"]
