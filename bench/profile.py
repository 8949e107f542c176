"""`python -m bench.profile [--backend sqlite|postgres] [--seconds N] [--flood]`: profile ingest.

Starts `pagerd serve` on a seeded database, loads it with wrk as the ingest benchmark does
(or, with `--flood`, floods it as the flood benchmark does: 32 clients, one e-mail page per
alert through a local SMTP server), and records the server with py-spy (all threads, idle
excluded unless `--idle`) into folded stacks and a flat top list, printed at the end. For
finding where ingest time goes, or where the dispatcher waits, before optimising.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench.process import fresh_database, pagerd_running, workdir
from bench.seed import seed_services
from bench.wrk import run_wrk


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--gil", action="store_true", help="only samples holding the GIL")
    parser.add_argument("--idle", action="store_true", help="keep idle samples (waits)")
    parser.add_argument("--flood", action="store_true", help="the flood benchmark's load")
    parser.add_argument("--out", type=Path, default=Path("bench/results/profile.txt"))
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.flood:
        _profile_flood(args)
        return
    with workdir() as directory, fresh_database(args.backend, directory) as url:
        ids = [str(s.id) for s in seed_services(url, int(args.seconds * 1500) + 2000)]
        with pagerd_running(url, directory) as server:
            spy = _spy(server.process.pid, args)
            time.sleep(0.5)
            run = run_wrk(server.base_url, ids, directory, seconds=args.seconds)
            spy.wait()
    print(f"{run.rate:.1f} alerts/s; folded stacks in {args.out.with_suffix('.raw')}")
    _top(args.out.with_suffix(".raw"), args.out)


def _spy(pid: int, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--output",
            str(args.out.with_suffix(".raw")),
            "--duration",
            str(int(args.seconds)),
            "--rate",
            "200",
            "--threads",
            *(["--gil"] if args.gil else []),
            *(["--idle"] if args.idle else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _profile_flood(args: argparse.Namespace) -> None:
    import uuid

    from bench.flood import CLIENTS, flood
    from bench.receivers import smtp_server

    count = 5_000
    with (
        workdir() as directory,
        fresh_database(args.backend, directory) as url,
        smtp_server() as (port, _smtp),
    ):
        services = seed_services(
            url,
            count,
            targets=lambda i: [
                {"id": str(uuid.uuid4()), "channel": "email", "address": f"on-{i}@b.example"}
            ],
        )
        env = {
            "PAGERD_SMTP_HOST": "127.0.0.1",
            "PAGERD_SMTP_PORT": str(port),
            "PAGERD_SMTP_STARTTLS": "false",
        }
        with pagerd_running(url, directory, env=env) as server:
            spy = _spy(server.process.pid, args)
            time.sleep(0.5)
            work = [(str(s.id), i) for i, s in enumerate(services)]
            seconds, _, _ = flood(server.base_url, work, CLIENTS)
            spy.wait()
    print(f"{count / seconds:.1f} alerts/s; folded stacks in {args.out.with_suffix('.raw')}")
    _top(args.out.with_suffix(".raw"), args.out)


def _top(raw: Path, out: Path, n: int = 40) -> None:
    """Print the functions with the most inclusive samples (from py-spy's folded stacks)."""
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        total += count
        for frame in set(stack.split(";")):
            inclusive[frame] = inclusive.get(frame, 0) + count
    lines = [
        f"{100 * c / total:5.1f}%  {frame}"
        for frame, c in sorted(inclusive.items(), key=lambda kv: -kv[1])[:n]
    ]
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
