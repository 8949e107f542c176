"""Configuration slips caught at start-up: pagerd.toml keys, misspelt variables, links that
would reach nobody."""

from __future__ import annotations

from pathlib import Path

import pytest

from pagerd.config import Settings, load_settings
from pagerd.config_checks import (
    SettingsFileError,
    public_url_warning,
    unknown_variable_warnings,
)

KNOWN = Settings.model_fields


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("PAGERD_DATABASE_URL", "PAGERD_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_pagerd_toml_sets_settings_by_their_short_names(workdir: Path) -> None:
    (workdir / "pagerd.toml").write_text(
        'database_url = "sqlite:///./other.db"\nlog_format = "json"\n'
    )

    settings = load_settings()

    assert settings.database_url == "sqlite:///./other.db"
    assert settings.log_format == "json"


def test_a_variable_name_in_pagerd_toml_is_refused_naming_the_short_form(workdir: Path) -> None:
    (workdir / "pagerd.toml").write_text('PAGERD_DATABASE_URL = "sqlite:///./other.db"\n')

    with pytest.raises(SettingsFileError) as refused:
        load_settings()

    assert "PAGERD_DATABASE_URL is not read here: write database_url = ..." in str(refused.value)


def test_a_table_in_pagerd_toml_is_refused_saying_to_move_its_keys_to_the_top(
    workdir: Path,
) -> None:
    (workdir / "pagerd.toml").write_text('[pagerd]\ndatabase_url = "sqlite:///./other.db"\n')

    with pytest.raises(SettingsFileError) as refused:
        load_settings()

    message = str(refused.value)
    assert "[pagerd] is a table" in message
    assert "write its keys (database_url) at the top of the file" in message


def test_a_misspelt_key_in_pagerd_toml_is_refused_with_the_closest_setting(
    workdir: Path,
) -> None:
    (workdir / "pagerd.toml").write_text('databse_url = "sqlite:///./other.db"\n')

    with pytest.raises(SettingsFileError, match=r"databse_url is not a setting \(did you mean "):
        load_settings()


def test_a_pagerd_toml_that_is_not_toml_is_refused_with_where(workdir: Path) -> None:
    (workdir / "pagerd.toml").write_text("database_url = sqlite:///x\n")

    with pytest.raises(SettingsFileError, match=r"pagerd\.toml is not valid TOML: .*line 1"):
        load_settings()


def test_unknown_pagerd_variables_are_named_with_the_closest_known_one() -> None:
    environ = {
        "PAGERD_PUBLC_URL": "https://pagerd.example.com",
        "PAGERD_DATABASE_URL": "sqlite:///x.db",
        "PAGERD_TEST_POSTGRES_URL": "postgresql://localhost/test",
        "HOME": "/root",
        "PAGERD_ZZZ": "1",
    }

    warnings = unknown_variable_warnings(environ, KNOWN)

    assert warnings == [
        "PAGERD_PUBLC_URL is set but pagerd reads no such variable (did you mean "
        "PAGERD_PUBLIC_URL?); it is ignored",
        "PAGERD_ZZZ is set but pagerd reads no such variable; it is ignored",
    ]


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "[::]"])
def test_links_to_an_unspecified_address_are_warned_about(host: str) -> None:
    warning = public_url_warning(None, host)

    assert warning is not None
    assert f"http://{host}:" in warning
    assert "set PAGERD_PUBLIC_URL" in warning


def test_a_worker_without_a_public_url_is_warned_about_whatever_its_host() -> None:
    warning = public_url_warning(None, "", worker_only=True)

    assert warning is not None
    assert "this worker" in warning


@pytest.mark.parametrize(
    ("public_url", "host"),
    [(None, "127.0.0.1"), (None, "pagerd.internal"), ("https://pagerd.example.com", "0.0.0.0")],
)
def test_no_warning_when_links_may_reach_people(public_url: str | None, host: str) -> None:
    assert public_url_warning(public_url, host) is None
    if public_url:
        assert public_url_warning(public_url, host, worker_only=True) is None
