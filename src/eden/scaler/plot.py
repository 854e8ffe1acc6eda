"""Draw simulations as one PNG: a panel per policy, side by side, on the same axes.

Each panel shows the load, the capacity running and the capacity asked for (in requests
in flight, from 0), the same in tasks on the right-hand axis, under-provisioned time
shaded, and the policy's scores. matplotlib is imported only here and only when a plot
is asked for (Agg backend, no display), so the daemon and ``--help`` never pay for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eden.errors import UsageError
from eden.scaler.sim_model import SimSettings
from eden.scaler.simulate import SimResult

MATPLOTLIB_HINT = ("install matplotlib 3.8 or later (pip install 'matplotlib>=3.8', or "
                   "eden's `plot` extra)")


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise UsageError("--plot needs matplotlib, which is not installed",
                         hint=MATPLOTLIB_HINT) from exc
    return plt


def score_text(r: SimResult) -> str:
    react = "-" if r.time_to_react is None else f"{r.time_to_react:g} s"
    return (f"react {react}\nunder {r.under_task_seconds:,.0f} task-s\n"
            f"over {r.over_task_seconds:,.0f} task-s\ncost {r.cost_task_seconds:,.0f} task-s\n"
            f"changes {r.scale_changes}\nrefused {100 * r.refused_share:.1f} %")


def _panel(ax: Any, r: SimResult, capacity: float) -> None:
    s = r.series
    ax.plot(s.t, s.load, color="black", linewidth=0.9, label="load (in flight)")
    ax.step(s.t, [n * capacity for n in s.running], where="post", color="tab:blue",
            label="capacity running")
    ax.step(s.t, [n * capacity for n in s.desired], where="post", color="tab:orange",
            linestyle="--", alpha=0.8, label="capacity asked for")
    short = [r < n for r, n in zip(s.running, s.needed, strict=True)]
    top = max(max(s.load, default=0.0), max(s.desired, default=0) * capacity) * 1.05 or 1.0
    ax.fill_between(s.t, 0, top, where=short, step="post", color="tab:red", alpha=0.15,
                    linewidth=0, label="under-provisioned")
    ax.set_title(r.policy)
    ax.set_xlabel("seconds")
    ax.grid(alpha=0.3)
    ax.text(0.02, 0.97, score_text(r), transform=ax.transAxes, va="top", fontsize="small",
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8})
    tasks = ax.secondary_yaxis("right", functions=(lambda x: x / capacity,
                                                   lambda x: x * capacity))
    tasks.set_ylabel("tasks")


def write_plot(results: list[SimResult], sim: SimSettings, out: Path) -> None:
    if not results:
        raise UsageError("nothing to plot")
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(results), figsize=(5.5 * len(results), 4.8), dpi=100,
                             sharex=True, sharey=True, squeeze=False)
    for ax, r in zip(axes[0], results, strict=True):
        _panel(ax, r, sim.capacity)
    axes[0][0].set_ylabel("requests in flight")
    axes[0][0].set_ylim(bottom=0)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize="small")
    fig.suptitle(f"trace {results[0].trace}: capacity {sim.capacity:g}/task, start "
                 f"{sim.start_delay_min:g}-{sim.start_delay_max:g} s, drain {sim.drain:g} s")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    try:
        fig.savefig(out, format="png")
    except OSError as exc:
        raise UsageError(f"cannot write plot {out}: {exc}") from exc
    finally:
        plt.close(fig)
