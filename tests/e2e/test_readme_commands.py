"""The README's commands work as written, run by a new user from an empty directory: every
command of its shell blocks and every `pagerd ...` it names in prose, against a real
`pagerd serve` on SQLite in `./pagerd.db`.

Only what cannot run in a test is adapted: `./scripts/serve` and `./scripts/test` are
checked (executable, valid shell) rather than run (the suite would run itself), the server
listens on a free port rather than 8080 (other processes may hold it), long-running
commands are asked for `--help`, and the `ID` and `TOKEN=...` placeholders the README asks
the reader to fill in are filled in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pagerd.testing.serve_process import free_port, pagerd_process
from tests.e2e.polling import wait_for
from tests.e2e.readme import ROOT, inline_commands, shell_commands, without_comment, yaml_blocks

README = (ROOT / "README.md").read_text(encoding="utf-8")
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
PAGERD = Path(sys.executable).with_name("pagerd")
LONG_RUNNING = ("pagerd serve", "pagerd worker")

pytestmark = pytest.mark.slow


def _environment() -> dict[str, str]:
    # A new user's shell: no PAGERD_* variable, so the defaults of the README apply.
    return {k: v for k, v in os.environ.items() if not k.startswith("PAGERD_")}


def _shell(script: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=_environment(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _ok(result: subprocess.CompletedProcess[str], command: str) -> str:
    assert result.returncode == 0, f"`{command}` failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty directory where `.venv/bin/pagerd` is this test's pagerd."""
    (tmp_path / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return tmp_path


def test_the_readme_shows_the_commands_this_test_runs() -> None:
    commands = [without_comment(c) for c in shell_commands(README)]

    assert commands[:2] == ["./scripts/serve", "./scripts/test"]
    assert ".venv/bin/pagerd token create scripts --user alice" in commands
    assert any(c.startswith('api -d \'{"monitored_service_id"') for c in commands)
    assert "pagerd demo" in inline_commands(README)


def test_the_scripts_the_readme_shows_exist_and_are_valid_shell() -> None:
    scripts = [
        c.split()[0]
        for c in map(without_comment, shell_commands(README) + inline_commands(README))
        if c.startswith("./scripts/")
    ]

    assert set(scripts) >= {"./scripts/serve", "./scripts/test", "./scripts/check"}
    for script in scripts:
        path = ROOT / script
        assert path.is_file(), script
        assert os.access(path, os.X_OK), f"{script} is not executable"
        assert _shell(f"bash -n {path}", ROOT).returncode == 0, script


def test_every_readme_command_works_as_written(home: Path) -> None:
    port = free_port()
    with pagerd_process(f"sqlite:///{home / 'pagerd.db'}", home, port=port):
        prelude: list[str] = []
        service_id = ""
        for written in shell_commands(README):
            command = without_comment(written).replace("127.0.0.1:8080", f"127.0.0.1:{port}")
            if command.startswith("./scripts/"):
                continue  # checked by the test above
            if command.startswith("TOKEN=..."):
                prelude.append(f"TOKEN={_created_token(home)}")
            elif command.startswith("api()"):
                prelude.append(command)
            elif command.startswith("api "):
                command = command.replace('"ID"', f'"{service_id}"').replace(
                    "/ID/", f"/{service_id}/"
                )
                answer = json.loads(_ok(_shell("\n".join([*prelude, command]), home), command))
                assert "error" not in answer, (command, answer)
                service_id = service_id or answer["id"]
            elif command.startswith(".venv/bin/pagerd user create"):
                _ok(_shell(command, home, stdin="a long password\na long password\n"), command)
            elif command.startswith(".venv/bin/pagerd "):
                assert _ok(_shell(command, home), command).strip()
            else:
                pytest.fail(f"the README shows a command this test does not know: {command}")
        _check_the_alert_paged_the_declared_targets(home, prelude, port)


def _created_token(home: Path) -> str:
    secret = _ok(_shell(".venv/bin/pagerd token create scripts --user alice", home), "token create")
    return secret.strip()


def _check_the_alert_paged_the_declared_targets(home: Path, prelude: list[str], port: int) -> None:
    # Nothing configured: the page lands in the dev outbox, as the README says.
    outbox = f"api http://127.0.0.1:{port}/api/v1/outbox"

    def paged() -> bool:
        return "oncall@example.com" in _ok(_shell("\n".join([*prelude, outbox]), home), outbox)

    wait_for(paged, what="the README's alert paged in the dev outbox")


def test_every_pagerd_command_the_readme_names_in_prose_works(home: Path) -> None:
    _ok(_shell(".venv/bin/pagerd migrate", home), "migrate")
    (home / "pagerd.yaml").write_text(_operations_example(), encoding="utf-8")

    for command in inline_commands(README):
        if command.startswith("./scripts/"):
            continue
        if command.startswith(LONG_RUNNING):
            command = f"{command} --help"
        if command == "pagerd token create":
            command = "pagerd token create --help"  # creating one is the first test's job
        result = _shell(f".venv/bin/{command}", home)
        assert result.returncode == 0, f"`{command}`: {result.stderr}"
    assert "checkout" in _ok(_shell(".venv/bin/pagerd export", home), "export")


def _operations_example() -> str:
    # The example file of docs/operations.md, section 5: the file the README points to.
    examples = [block for block in yaml_blocks(OPERATIONS) if block.startswith("version: 1")]
    assert examples, "docs/operations.md lost its configuration example"
    return examples[0]
