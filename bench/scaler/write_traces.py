"""Regenerate the shipped load traces in traces/ from eden.scaler.traces (fixed seeds).

    .venv/bin/python bench/scaler/write_traces.py
"""

from __future__ import annotations

from pathlib import Path

from eden.scaler.traces import BUILTIN

OUT = Path(__file__).resolve().parents[2] / "traces"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, make in BUILTIN.items():
        path = OUT / f"{name}.json"
        path.write_text(make().to_json(), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
