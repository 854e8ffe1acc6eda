"""`eden ls` as text: which columns, how wide, and how a long value wraps. Pure.

In a terminal the table fits its width: NAME, BRANCH, STATUS and the image (its registry
host left out, its tag kept) always show; the URL and the dates come in when there is
room. A long branch wraps inside its column instead of being cut. Anywhere else (a pipe,
a file) every column shows in full, one row a line, so ``grep`` and ``awk`` see whole
values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

GAP = 2  # spaces between columns


@dataclass(frozen=True)
class Column:
    title: str
    wraps: bool = False  # may fold over several lines when the terminal is narrow
    required: bool = False  # always shown, whatever the width
    min_width: int = 0


# Display order. Required columns always show; the others join, in PRIORITY order, while
# they fit.
COLUMNS = (
    Column("NAME", required=True),
    Column("BRANCH", wraps=True, required=True, min_width=12),
    Column("URL"),  # whole or not at all: it is there to be copied
    Column("IMAGE", wraps=True, required=True, min_width=12),
    Column("CREATED"),
    Column("LAST DEPLOY"),
    Column("STATUS", required=True),
    Column("ALB"),  # with a pool of shared ALBs: which one
    Column("HEALTH", wraps=True, min_width=16),  # `ls` without --no-status
    Column("DRIFT"),
)
PRIORITY = ("HEALTH", "DRIFT", "ALB", "URL", "LAST DEPLOY", "CREATED")

_REGISTRY = re.compile(r"^(?:[^/]*[.:][^/]*|localhost)/")


def short_image(image: str) -> str:
    """``123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:v1`` -> ``api:v1``: the registry
    host goes (the same for every row), the repository and the tag or digest stay."""
    return _REGISTRY.sub("", image, count=1)


def cell_width(text: str) -> int:
    """Terminal cells: East Asian wide characters (kanji, kana, most emoji) take two,
    combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def fold(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken after '/', '-' or '_' when one
    is near the end of a line, else anywhere."""
    if width <= 0 or cell_width(text) <= width:
        return [text]
    lines: list[str] = []
    rest = text
    while cell_width(rest) > width:
        cut = _cut_at(rest, width)
        lines.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        lines.append(rest)
    return lines


def _cut_at(text: str, width: int) -> int:
    """How many characters of ``text`` fill at most ``width`` cells (at least one)."""
    used = 0
    end = 0
    for i, ch in enumerate(text):
        w = 0 if unicodedata.combining(ch) else cell_width(ch)
        if used + w > width:
            break
        used += w
        end = i + 1
    end = max(end, 1)
    soft = max(text.rfind(sep, 0, end) for sep in "/-_")
    return soft + 1 if soft >= end // 2 else end


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_width(text))


def choose_columns(
    rows: Sequence[Mapping[str, str]], width: int | None
) -> dict[str, int]:
    """Column title -> width, in display order, for the columns the rows have. ``width``
    None: every column, full width. Otherwise the required columns first (narrowed to fit),
    then each optional one in PRIORITY order if there is room left for it: whole, or for a
    wrapping one, at least its minimum (it never narrows a required column)."""
    present = [c for c in COLUMNS if not rows or c.title in rows[0]]
    natural = {
        c.title: max([cell_width(c.title), *(cell_width(r[c.title]) for r in rows)])
        for c in present
    }
    if width is None:
        return natural
    widths = _fit({c.title: natural[c.title] for c in present if c.required}, width)
    for title in PRIORITY:
        column = next((c for c in present if c.title == title), None)
        if column is None:
            continue
        room = width - _total(widths) - GAP
        floor = max(column.min_width, cell_width(title)) if column.wraps else natural[title]
        if room >= floor:
            widths[title] = min(natural[title], room)
    return {c.title: widths[c.title] for c in present if c.title in widths}


def _total(widths: Mapping[str, int]) -> int:
    return sum(widths.values()) + GAP * (len(widths) - 1)


def _fit(widths: dict[str, int], width: int) -> dict[str, int]:
    """Narrows the wrapping columns, a cell at a time from the widest, until the table
    fits, so that they end up about as wide as each other; never below a column's
    minimum (a terminal narrower than that overflows: nothing is cut)."""
    floors = {
        c.title: max(c.min_width, cell_width(c.title))
        for c in COLUMNS
        if c.wraps and c.title in widths
    }
    widths = dict(widths)
    while _total(widths) > width:
        room = [t for t in floors if widths[t] > floors[t]]
        if not room:
            break
        widths[max(room, key=lambda t: widths[t])] -= 1
    return widths


def render(rows: Sequence[Mapping[str, str]], width: int | None) -> list[str]:
    """The table's lines. In a terminal (``width`` set) images lose their registry."""
    if width is not None:
        rows = [{**r, "IMAGE": short_image(r["IMAGE"])} for r in rows]
    widths = choose_columns(rows, width)
    lines = [_line(list(widths.items()))]
    for row in rows:
        cells = {t: fold(row[t], w) if width is not None else [row[t]] for t, w in widths.items()}
        height = max(len(c) for c in cells.values())
        for i in range(height):
            parts = [(cells[t][i] if i < len(cells[t]) else "", w) for t, w in widths.items()]
            lines.append(_line(parts))
    return lines


def _line(parts: Sequence[tuple[str, int]]) -> str:
    return (" " * GAP).join(_pad(text, w) for text, w in parts).rstrip()


__all__ = ["COLUMNS", "cell_width", "choose_columns", "fold", "render", "short_image"]
