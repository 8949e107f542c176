"""`python -m bench [--quick] [NAME ...]`: run pagerd's benchmarks, print, write JSON.

Names: ingest, dedup, first_page, timers, storm, flood, history, schedules, alertmanager,
restart, render (default: all, in that order).
`--quick` uses small sizes (each benchmark well under a minute); the default sizes are the
ones docs/benchmarks.md reports. Results go to bench/results/latest.json (or --out).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from bench.process import workdir
from bench.report import Result, machine, write_json

Runner = Callable[[bool, Path, list[str]], Result]


def _runners() -> dict[str, Runner]:
    from bench.alertmanager import run_alertmanager
    from bench.first_page import run_first_page
    from bench.flood import run_flood
    from bench.history import run_history
    from bench.ingest import run_dedup, run_ingest
    from bench.render import run_render
    from bench.restart import run_restart
    from bench.schedules import run_schedules
    from bench.storm import run_storm
    from bench.timers import run_timers

    return {
        "ingest": run_ingest,
        "dedup": run_dedup,
        "first_page": run_first_page,
        "timers": run_timers,
        "storm": run_storm,
        "flood": run_flood,
        "history": run_history,
        "schedules": run_schedules,
        "alertmanager": run_alertmanager,
        "restart": run_restart,
        "render": run_render,
    }


MEMORY_LIMIT_MB = 200.0
_PEAK = "peak RSS of a pagerd process, MB"


def _check_memory(result: Result) -> None:
    peak = result.figures.get(_PEAK)
    if peak is not None:
        result.check(
            "pagerd resident memory",
            f"< {MEMORY_LIMIT_MB:.0f} MB",
            f"{peak} MB",
            peak < MEMORY_LIMIT_MB,
        )


def main() -> None:
    runners = _runners()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*runners, []], metavar="NAME")
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute each")
    parser.add_argument(
        "--backend",
        action="append",
        choices=["sqlite", "postgres"],
        help="databases to run on (default: both)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/latest.json"))
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgres"]
    env = machine()
    print(f"pagerd benchmarks ({'quick' if args.quick else 'full'}): {env}")
    results: list[Result] = []
    with workdir() as directory:
        for name in args.names or list(runners):
            result = runners[name](args.quick, directory, backends)
            _check_memory(result)
            result.print()
            results.append(result)
            write_json(args.out, args.quick, env, results)
    missed = [f"{r.name}: {c.name}" for r in results for c in r.checks if not c.ok]
    print(
        f"\nwrote {args.out}; {len(missed)} target(s) missed" + "".join(f"\n  {m}" for m in missed)
    )


if __name__ == "__main__":
    main()
