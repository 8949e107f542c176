"""What a benchmark reports: figures, a ratio against its same-run baseline, targets, JSON."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass
class Check:
    """A target or an invariant: what was expected, what was measured, whether it held."""

    name: str
    expected: str
    measured: str
    ok: bool


@dataclass
class Result:
    """One benchmark's outcome."""

    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    def check(self, name: str, expected: str, measured: Any, ok: bool) -> None:
        self.checks.append(Check(name, expected, str(measured), bool(ok)))

    def print(self) -> None:
        print(f"\n== {self.name}")
        for key, value in self.figures.items():
            print(f"   {key:<42} {value}")
        for c in self.checks:
            mark = "ok  " if c.ok else "MISS"
            print(f"   [{mark}] {c.name}: {c.measured} (target {c.expected})")


def ratio(value: float, baseline: float) -> float:
    return round(value / baseline, 3) if baseline else 0.0


def machine() -> dict[str, Any]:
    """Where and with what the figures were measured."""
    import fastapi
    import sqlalchemy
    import uvicorn

    load = os.getloadavg()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "kernel": platform.release(),
        "fastapi": fastapi.__version__,
        "uvicorn": uvicorn.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": _sqlite_version(),
        "postgresql": _postgres_version(),
        "wrk": _wrk_version(),
        "commit": _git_commit(),
    }


def write_json(path: Path, quick: bool, env: dict[str, Any], results: list[Result]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "quick": quick,
        "machine": env,
        "results": [asdict(r) for r in results],
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def _postgres_version() -> str:
    try:
        import psycopg

        from bench.process import postgres_base_url

        with psycopg.connect(postgres_base_url(), connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"
    except Exception:
        return "unavailable"


def _wrk_version() -> str:
    try:
        out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        return (out.stdout or out.stderr).splitlines()[0].strip()
    except (OSError, IndexError):
        return "missing"


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        )
        return out.stdout.strip()
    except OSError:
        return "?"
