"""Convert the NASA-HTTP 1995 access logs into the simulator's traces/nasa-*.json.

    .venv/bin/python bench/scaler/convert_nasa.py --logs NASA_access_log_Jul95 NASA_access_log_Aug95
    .venv/bin/python bench/scaler/convert_nasa.py --per-second workload.txt

Input, either:

* the two raw logs from the Internet Traffic Archive (ftp://ita.ee.lbl.gov/traces/
  NASA_access_log_Jul95.gz and ..._Aug95.gz, gunzipped): one request per line, timestamps
  with one-second resolution, time zone -0400; or
* their per-second request counts, space-separated, July's log then August's with the
  seconds without requests as 0 (the file ``dataset/nasa/workload.tbz2`` of the public
  repository reconfigurable-ml-pipeline/web-service-datasets holds exactly this; the
  counts are checked against the archive's published totals before anything is written).

Output: two 72-hour windows, requests per second averaged per minute and scaled to
requests in flight (x ``--scale``: a service that many times NASA-KSC's 1995 traffic, at
one second per request), one point per minute; the simulator interpolates between points.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from eden.scaler.traces import Trace

OUT = Path(__file__).resolve().parents[2] / "traces"
# The archive's published totals (https://ita.ee.lbl.gov/html/contrib/NASA-HTTP.html).
JUL_REQUESTS, AUG_REQUESTS = 1_891_714, 1_569_898
JUL_START = datetime(1995, 7, 1, 0, 0, 1)  # first request of each log (local time, -0400)
AUG_START = datetime(1995, 8, 1, 0, 0, 1)
JUL_SECONDS = 2_381_545  # 01/Jul 00:00:01 .. 28/Jul 13:32:25, the last request of July's log
SOURCE = ("NASA-HTTP: all HTTP requests to the NASA Kennedy Space Center WWW server, "
          "July and August 1995, collected by Jim Dumoulin (KSC), contributed by Martin "
          "Arlitt and Carey Williamson (University of Saskatchewan) to the Internet Traffic "
          "Archive, https://ita.ee.lbl.gov/html/contrib/NASA-HTTP.html")
LICENCE = "Internet Traffic Archive: 'The traces may be freely redistributed.'"
_STAMP = re.compile(r"\[(\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2})")


@dataclass(frozen=True)
class Window:
    name: str
    start: datetime
    hours: int
    scale: float
    what: str


WINDOWS = (
    Window("nasa-jul95", datetime(1995, 7, 12), 72, 1000.0,
           "NASA-KSC WWW, 12-14 Jul 1995 (STS-70 launched 13 Jul 09:41 local)"),
    Window("nasa-aug95", datetime(1995, 8, 7), 72, 2500.0,
           "NASA-KSC WWW, 7-9 Aug 1995 (Monday to Wednesday)"),
)


def counts_from_logs(paths: list[Path]) -> dict[datetime, int]:
    counts: dict[datetime, int] = {}
    for path in paths:
        with path.open(encoding="latin-1") as lines:
            for line in lines:
                match = _STAMP.search(line)
                if match is None:
                    continue
                try:
                    at = datetime.strptime(match.group(1), "%d/%b/%Y:%H:%M:%S")
                except ValueError:
                    continue
                counts[at] = counts.get(at, 0) + 1
    return counts


def counts_from_per_second(path: Path) -> dict[datetime, int]:
    values = [int(v) for v in path.read_text().split()]
    jul, aug = sum(values[:JUL_SECONDS]), sum(values[JUL_SECONDS:])
    # A line or two without a parseable timestamp is dropped by any converter.
    if abs(jul - JUL_REQUESTS) > 5 or abs(aug - AUG_REQUESTS) > 5:
        raise SystemExit(f"{path}: {jul} + {aug} requests, the archive says "
                         f"{JUL_REQUESTS} + {AUG_REQUESTS}: not the NASA-HTTP counts")
    counts = {}
    for i, n in enumerate(values):
        if n:
            start, offset = (JUL_START, i) if i < JUL_SECONDS else (AUG_START, i - JUL_SECONDS)
            counts[start + timedelta(seconds=offset)] = n
    return counts


def window_trace(counts: dict[datetime, int], w: Window) -> Trace:
    load = []
    for minute in range(w.hours * 60):
        first = w.start + timedelta(minutes=minute)
        total = sum(counts.get(first + timedelta(seconds=s), 0) for s in range(60))
        load.append(total / 60 * w.scale)
    description = (f"{w.what}: requests per second averaged per minute, x{w.scale:g} "
                   "as requests in flight (1 s per request)")
    return Trace(w.name, 60.0, tuple(load), description, source=SOURCE, licence=LICENCE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--logs", type=Path, nargs="+", help="the raw NASA_access_log files")
    group.add_argument("--per-second", type=Path, help="per-second counts (see above)")
    args = parser.parse_args()
    counts = counts_from_logs(args.logs) if args.logs else counts_from_per_second(args.per_second)
    for w in WINDOWS:
        trace = window_trace(counts, w)
        path = OUT / f"{w.name}.json"
        path.write_text(trace.to_json(), encoding="utf-8")
        print(f"wrote {path}: {len(trace.load)} points, peak {max(trace.load):.0f} in flight")


if __name__ == "__main__":
    main()
