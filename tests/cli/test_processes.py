"""`pagerd migrate`, `serve`, `worker`, `demo` and the console script itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx
import pytest

from pagerd.testing.serve_process import free_port
from tests.cli.conftest import Run

PAGERD = str(Path(sys.executable).with_name("pagerd"))


def _environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGERD_")}
    env["PAGERD_DATABASE_URL"] = database_url
    env["PAGERD_LOG_FORMAT"] = "json"
    return env


def test_migrate_brings_the_schema_to_head_and_can_run_again(run: Run) -> None:
    first = run("migrate")
    second = run("migrate")

    assert first.exit_code == 0
    assert "up to date (revision " in first.stdout
    assert second.exit_code == 0
    assert run("token", "list").exit_code == 0


def test_help_lists_every_command_and_the_exit_codes(run: Run) -> None:
    result = run("--help")

    assert result.exit_code == 0
    for command in ("serve", "worker", "migrate", "token", "user", "apply", "export", "alert"):
        assert command in result.stdout
    assert "2 usage error" in result.stdout


def test_serve_with_a_bad_database_url_fails_before_listening(tmp_path: Path) -> None:
    # A real process: serve installs signal handlers and logging, which a test must not
    # leave behind in the test runner.
    result = subprocess.run(
        [PAGERD, "serve", "--port", "18080"],
        env=_environment("mysql://db/pagerd"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert "unsupported database" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_port_out_of_range(run: Run) -> None:
    assert run("serve", "--port", "70000").exit_code == 2


def test_serve_refuses_an_unknown_workers_mode_and_a_contradiction(run: Run) -> None:
    unknown = run("serve", "--workers", "fork")
    contradiction = run("serve", "--no-workers", "--workers", "process")

    assert unknown.exit_code == 2
    assert "must be process, thread or off" in unknown.stderr
    assert contradiction.exit_code == 2
    assert "--no-workers contradicts --workers process" in contradiction.stderr


def test_the_console_script_reports_errors_on_stderr_with_exit_code_1(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'missing.db'}"

    result = subprocess.run(
        [PAGERD, "token", "list"],
        env=_environment(missing),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: there is no database at ")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_worker_runs_until_sigterm_then_exits_cleanly(sqlite_url: str, tmp_path: Path) -> None:
    env = _environment(sqlite_url)
    subprocess.run([PAGERD, "migrate"], env=env, cwd=tmp_path, check=True, capture_output=True)
    # As a context manager: its stderr pipe is closed (and the process waited for) at the end.
    with subprocess.Popen(
        [PAGERD, "worker"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    ) as worker:
        try:
            assert worker.stderr is not None
            lines = _lines_until(worker.stderr, '"message": "pagerd worker is running"')
            worker.send_signal(signal.SIGTERM)
            returncode = worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()

    assert all(json.loads(line)["level"] in ("info", "warning") for line in lines)  # JSON lines
    assert returncode == 0


@pytest.mark.slow
def test_a_worker_warns_at_start_about_misspelt_variables_and_links_that_reach_nobody(
    sqlite_url: str, tmp_path: Path
) -> None:
    env = {**_environment(sqlite_url), "PAGERD_PUBLC_URL": "https://pagerd.example.com"}
    subprocess.run([PAGERD, "migrate"], env=env, cwd=tmp_path, check=True, capture_output=True)
    with subprocess.Popen(
        [PAGERD, "worker"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    ) as worker:
        try:
            assert worker.stderr is not None
            lines = _lines_until(worker.stderr, '"message": "pagerd worker is running"')
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()

    warnings = {e["event"]: e["message"] for e in map(json.loads, lines) if "event" in e}
    assert "did you mean PAGERD_PUBLIC_URL?" in warnings["config.unknown_variable"]
    assert "PAGERD_PUBLIC_URL is not set" in warnings["config.public_url_unreachable"]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [True, False], ids=["with-workers", "no-workers"])
def test_serve_migrates_serves_metrics_and_stops_cleanly_on_sigterm(
    sqlite_url: str, tmp_path: Path, workers: bool
) -> None:
    port = free_port()
    args = [PAGERD, "serve", "--port", str(port)] + ([] if workers else ["--no-workers"])
    server = subprocess.Popen(
        args, env=_environment(sqlite_url), cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        metrics = _get_when_up(f"http://127.0.0.1:{port}/metrics", server)
        # Ready: the workers run (in a worker process, they may start after /metrics answers).
        _wait_ready(f"http://127.0.0.1:{port}/readyz", server)
        server.send_signal(signal.SIGTERM)
        _, log = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()

    assert "pagerd_timer_lateness_seconds" in metrics
    assert server.returncode == 0
    assert "\x1b" not in log  # uvicorn's colours stay out of JSON lines
    assert all(json.loads(line) for line in log.splitlines())
    assert ('"message": "worker stopped"' in log) is workers
    assert ('"message": "worker started"' in log) is workers


def _get_when_up(url: str, process: subprocess.Popen[str], deadline: float = 120) -> str:
    """GET `url` once the server answers (polling: a real process takes a moment to start)."""
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        assert process.poll() is None, f"pagerd serve exited: {process.stderr}"
        try:
            answer = httpx.get(url, timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        assert answer.status_code == 200
        return answer.text
    raise AssertionError(f"{url} did not answer within {deadline} s")


def _wait_ready(url: str, process: subprocess.Popen[str], deadline: float = 120) -> None:
    give_up = time.monotonic() + deadline
    while httpx.get(url, timeout=5).status_code != 200:
        assert process.poll() is None, "pagerd serve exited"
        assert time.monotonic() < give_up, f"{url} not 200 within {deadline} s"
        time.sleep(0.2)


def _lines_until(stream: IO[str], marker: str, limit: int = 50) -> list[str]:
    """Lines read until one contains `marker`; fails if the stream ends first."""
    lines: list[str] = []
    while len(lines) < limit:
        line = stream.readline()  # blocks until the process writes a line or exits
        assert line, f"the process ended before logging {marker}: {lines}"
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError(f"{marker} not logged in {limit} lines: {lines}")
