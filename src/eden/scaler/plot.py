"""Draw a simulation as a PNG: load, capacity running and capacity desired over time.

matplotlib is imported only here and only when a plot is asked for (Agg backend, no
display), so the daemon and ``--help`` never pay for it.
"""

from __future__ import annotations

from pathlib import Path

from eden.errors import UsageError
from eden.scaler.simulate import SimResult


def write_plot(results: list[SimResult], capacity: float, out: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise UsageError(
            "--plot needs matplotlib", hint="pip install 'matplotlib>=3.8'"
        ) from exc
    if not results:
        raise UsageError("nothing to plot")
    fig, ax = plt.subplots(figsize=(10, 4.5), dpi=100)
    first = results[0].series
    ax.plot(first.t, first.load, color="black", linewidth=1.0, label="load (in flight)")
    for r in results:
        s = r.series
        ax.step(s.t, [n * capacity for n in s.running], where="post",
                label=f"{r.policy}: running capacity")
        ax.step(s.t, [n * capacity for n in s.desired], where="post", linestyle="--",
                alpha=0.7, label=f"{r.policy}: desired capacity")
    ax.set_xlabel("seconds")
    ax.set_ylabel("requests in flight")
    ax.set_title(f"trace {results[0].trace}: capacity {capacity:g} per task")
    ax.legend(loc="upper right", fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    try:
        fig.savefig(out, format="png")
    except OSError as exc:
        raise UsageError(f"cannot write plot {out}: {exc}") from exc
    finally:
        plt.close(fig)
