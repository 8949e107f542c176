"""`pagerd user ...` and `pagerd token create --user`: managing people from the command line."""

from __future__ import annotations

import json

from tests.cli.conftest import Run

PASSWORD = "a long passphrase\n"


def _users(run: Run) -> dict[str, dict[str, object]]:
    result = run("user", "list", "--json")
    assert result.exit_code == 0, result.output
    return {u["name"]: u for u in json.loads(result.stdout)}


def test_user_create_makes_an_admin_unless_told_otherwise(migrated: Run) -> None:
    migrated("user", "create", "root", "--password-stdin", input=PASSWORD)
    made = migrated(
        "user",
        "create",
        "Ada Lovelace",
        "--email",
        "ada@example.com",
        "--role",
        "responder",
        "--time-zone",
        "Europe/London",
        "--no-password",
    )

    users = _users(migrated)

    assert made.exit_code == 0, made.output
    assert "Created user Ada Lovelace (responder)." in made.stdout
    assert users["root"]["role"] == "admin"
    assert users["root"]["has_password"] is True
    assert users["Ada Lovelace"] | {"id": "", "created_at": ""} == {
        "id": "",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "role": "responder",
        "time_zone": "Europe/London",
        "disabled": False,
        "has_password": False,
        "created_at": "",
    }


def test_user_list_shows_a_table(migrated: Run) -> None:
    migrated("user", "create", "root", "--email", "root@example.com", "--no-password")

    table = migrated("user", "list").stdout.splitlines()

    assert table[0].split() == ["NAME", "ROLE", "STATE", "TIME", "ZONE", "EMAIL"]
    assert table[1].split() == ["root", "admin", "enabled", "UTC", "root@example.com"]


def test_disable_enable_set_role_and_delete(migrated: Run) -> None:
    migrated("user", "create", "root", "--no-password")
    migrated("user", "create", "bob", "--role", "viewer", "--no-password")

    disabled = migrated("user", "disable", "bob")
    after_disable = _users(migrated)["bob"]["disabled"]
    enabled = migrated("user", "enable", "bob")
    promoted = migrated("user", "set-role", "bob", "responder")
    role = _users(migrated)["bob"]["role"]
    deleted = migrated("user", "delete", "bob")

    assert [r.exit_code for r in (disabled, enabled, promoted, deleted)] == [0, 0, 0, 0]
    assert after_disable is True
    assert role == "responder"
    assert "bob is now a responder." in promoted.stdout
    assert "bob" not in _users(migrated)


def test_the_last_admin_is_kept_and_unknown_users_are_named(migrated: Run) -> None:
    migrated("user", "create", "root", "--no-password")

    demote = migrated("user", "set-role", "root", "viewer")
    unknown = migrated("user", "disable", "nobody")
    bad_role = migrated("user", "set-role", "root", "owner")

    assert demote.exit_code == 1
    assert "only enabled admin" in demote.stderr
    assert unknown.exit_code == 1
    assert "user nobody does not exist" in unknown.stderr
    assert bad_role.exit_code == 2


def test_bad_fields_are_named(migrated: Run) -> None:
    result = migrated(
        "user", "create", "x", "--email", "nope", "--time-zone", "Mars/Base", "--no-password"
    )

    assert result.exit_code == 1
    assert "email is not an e-mail address" in result.stderr
    assert "time_zone is not an IANA time zone name" in result.stderr


def test_reset_password_sets_a_password_the_user_then_has(migrated: Run) -> None:
    migrated("user", "create", "root", "--no-password")

    result = migrated("user", "reset-password", "root", "--password-stdin", input=PASSWORD)

    assert result.exit_code == 0, result.output
    assert "their sessions ended" in result.stdout
    assert _users(migrated)["root"]["has_password"] is True


def test_token_create_for_a_user_and_for_an_unknown_one(migrated: Run) -> None:
    migrated("user", "create", "root", "--no-password")

    made = migrated("token", "create", "--name", "laptop", "--user", "root")
    unknown = migrated("token", "create", "--user", "nobody")

    listed = json.loads(migrated("token", "list", "--json").stdout)
    assert made.exit_code == 0
    assert made.stdout.startswith("pgd_")
    assert [(t["name"], t["user"]) for t in listed] == [("laptop", "root")]
    assert "root" in migrated("token", "list").stdout
    assert unknown.exit_code == 1
    assert "user nobody does not exist" in unknown.stderr
