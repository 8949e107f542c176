"""`pagerd token ...` and `pagerd user create` through the real application."""

from __future__ import annotations

import json

import pagerd
from tests.cli.conftest import Run


def test_token_create_prints_the_secret_alone_on_stdout(migrated: Run) -> None:
    result = migrated("token", "create", "--name", "ci")

    assert result.exit_code == 0
    assert result.stdout.startswith("pgd_")
    assert len(result.stdout.strip().splitlines()) == 1
    assert "not shown again" in result.stderr


def test_token_create_takes_the_name_as_an_argument_as_the_readme_shows(migrated: Run) -> None:
    by_argument = migrated("token", "create", "scripts")
    by_option = migrated("token", "create", "-n", "ci")
    both = migrated("token", "create", "scripts", "--name", "other")

    listed = json.loads(migrated("token", "list", "--json").stdout)
    assert (by_argument.exit_code, by_option.exit_code) == (0, 0)
    assert [t["name"] for t in listed] == ["scripts", "ci"]
    assert both.exit_code == 2
    assert "give the name once" in both.output


def test_version_prints_the_package_version(run: Run) -> None:
    result = run("--version")

    assert result.exit_code == 0
    assert result.stdout == f"pagerd {pagerd.__version__}\n"


def test_token_list_shows_tokens_without_their_secrets(migrated: Run) -> None:
    secret = migrated("token", "create", "--name", "ci").stdout.strip()

    table = migrated("token", "list")
    listed = json.loads(migrated("token", "list", "--json").stdout)

    assert table.exit_code == 0
    assert "ci" in table.stdout
    assert "active" in table.stdout
    assert secret not in table.stdout
    assert [(t["name"], t["revoked_at"]) for t in listed] == [("ci", None)]


def test_token_revoke_revokes_and_is_idempotent(migrated: Run) -> None:
    migrated("token", "create", "--name", "ci")
    token_id = json.loads(migrated("token", "list", "--json").stdout)[0]["id"]

    first = migrated("token", "revoke", token_id)
    second = migrated("token", "revoke", token_id)

    assert first.exit_code == 0
    assert second.exit_code == 0
    assert json.loads(migrated("token", "list", "--json").stdout)[0]["revoked_at"] is not None


def test_revoking_an_unknown_token_id_fails_with_exit_code_1(migrated: Run) -> None:
    result = migrated("token", "revoke", "00000000-0000-4000-8000-000000000000")

    assert result.exit_code == 1
    assert "no token has the id 00000000-0000-4000-8000-000000000000" in result.stderr
    assert "Traceback" not in result.output


def test_a_malformed_token_id_is_a_usage_error_with_exit_code_2(migrated: Run) -> None:
    result = migrated("token", "revoke", "not-a-uuid")

    assert result.exit_code == 2
    assert "token_id" in result.stderr


def test_user_create_reads_the_password_from_stdin(migrated: Run) -> None:
    result = migrated("user", "create", "alice", "--password-stdin", input="a long passphrase\n")

    assert result.exit_code == 0
    assert "Created user alice" in result.stdout


def test_user_create_asks_for_the_password_twice(migrated: Run) -> None:
    result = migrated("user", "create", "alice", input="a long passphrase\na long passphrase\n")

    assert result.exit_code == 0, result.output
    assert "Created user alice" in result.stdout


def test_user_create_refuses_a_mismatched_confirmation(migrated: Run) -> None:
    result = migrated("user", "create", "alice", input="a long passphrase\nanother one\n")

    assert result.exit_code != 0
    assert "Created user" not in result.stdout


def test_user_create_refuses_a_short_password_and_a_taken_name(migrated: Run) -> None:
    short = migrated("user", "create", "bob", "--password-stdin", input="short\n")
    migrated("user", "create", "alice", "--password-stdin", input="a long passphrase\n")
    taken = migrated("user", "create", "alice", "--password-stdin", input="a long passphrase\n")

    assert short.exit_code == 1
    assert "at least 12 characters" in short.stderr
    assert taken.exit_code == 1
    assert "alice" in taken.stderr
