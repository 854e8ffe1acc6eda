"""`eden sleep --idle`: the sweep's report, as text or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eden.cli.common import Options, out, print_json
from eden.errors import ExecutionFailed

if TYPE_CHECKING:
    from eden.envs.engine import Engine


def sleep_idle(engine: Engine, dry_run: bool, opts: Options) -> None:
    from eden.envs.idle import sweep
    from eden.envs.sleep import Power

    result = sweep(Power(engine), now=engine.clock(), dry_run=dry_run)
    if opts.json:
        print_json({**result.as_dict(), "dry_run": dry_run})
    else:
        minutes = engine.profile.sleep.idle_minutes
        out.print(f"idle limit: {minutes} min (profile {engine.profile.name})", markup=False)
        for v in result.verdicts:
            verb = ("would sleep" if dry_run else "sleeps") if v.idle else "stays"
            if v.name in result.failed:
                verb = "FAILED"
            elif v.name in result.busy:
                verb = "stays (another operation holds it; the next sweep tries again)"
            out.print(f"  {v.name}: {verb} ({result.failed.get(v.name, v.why)})", markup=False)
        for name in result.pre_wake:
            done = "would wake" if dry_run else "wakes" if name in result.woken else "stays"
            out.print(f"  {name}: {done} (office hours began; pre_wake)", markup=False)
    if result.failed:
        raise ExecutionFailed(
            f"{len(result.failed)} environment(s) could not be put to sleep or woken",
            hint="see the reasons above; `eden show NAME` for each",
        )
