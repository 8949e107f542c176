"""Checks of the configuration that catch an operator's slip before it costs a page.

- `check_settings_file`: `pagerd.toml` takes the settings at its top level, by their short
  names (`database_url = "..."`); anything else is refused, naming the right form, rather
  than silently ignored (pagerd would then run on a database nobody meant).
- `unknown_variable_warnings`: a misspelt `PAGERD_*` variable is ignored by the settings;
  say so at start-up, with the closest known name.
- `public_url_warning`: links in messages are built from PAGERD_PUBLIC_URL, else from the
  listening address; say when they cannot reach anyone.

Pure functions: the caller passes the environment and decides where the words go.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

PREFIX = "PAGERD_"
# Variables that pagerd's own test suite and benchmarks read: not settings, never warned about.
NOT_SETTINGS_PREFIXES = ("PAGERD_TEST_",)
NOT_SETTINGS = frozenset({"PAGERD_PROPERTY_EXAMPLES"})
_UNREACHABLE_HOSTS = frozenset({"0.0.0.0", "::", "[::]", ""})  # noqa: S104 (a check, not a bind)


class SettingsFileError(Exception):
    """`pagerd.toml` holds something pagerd does not read; the message says what to write."""


def check_settings_file(data: Mapping[str, Any], path: str, known: Iterable[str]) -> None:
    """Raise SettingsFileError unless every key of `data` is a known setting's short name."""
    names = sorted(known)
    problems = [
        _file_key_problem(key, value, names) for key, value in data.items() if key not in names
    ]
    if problems:
        listed = "\n".join(f"  {p}" for p in problems)
        raise SettingsFileError(
            f"{path} is not valid:\n{listed}\n"
            f"{path} sets settings at its top level by their short names, e.g. database_url = "
            '"sqlite:///./pagerd.db" (see docs/operations.md, section 2)'
        )


def _file_key_problem(key: str, value: Any, names: list[str]) -> str:
    if isinstance(value, dict):
        inner = ", ".join(sorted(value)) or "nothing"
        return (
            f"[{key}] is a table, and pagerd.toml has none: write its keys ({inner}) at the "
            f"top of the file, without the [{key}] line"
        )
    short = key.lower().removeprefix(PREFIX.lower())
    if short in names:
        return f"{key} is not read here: write {short} = ... (no PAGERD_ prefix, lower case)"
    return f"{key} is not a setting{_did_you_mean(short, names)}"


def unknown_variable_warnings(environ: Mapping[str, str], known: Iterable[str]) -> list[str]:
    """One sentence per `PAGERD_*` variable in `environ` that no setting reads."""
    variables = sorted(PREFIX + name.upper() for name in known)
    warnings = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(PREFIX) or upper in variables or _not_a_setting(upper):
            continue
        warnings.append(
            f"{name} is set but pagerd reads no such variable{_did_you_mean(upper, variables)}; "
            "it is ignored"
        )
    return warnings


def _not_a_setting(name: str) -> bool:
    return name in NOT_SETTINGS or name.startswith(NOT_SETTINGS_PREFIXES)


def _did_you_mean(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def public_url_warning(public_url: str | None, host: str, worker_only: bool = False) -> str | None:
    """Why links in messages would not reach anyone, or None when they may.

    With PAGERD_PUBLIC_URL set pagerd trusts it. Without it, links point at the listening
    address: nobody can open `http://0.0.0.0:8080/...`, a loopback address reaches only this
    machine (fine on a laptop, so not warned about), and `pagerd worker` listens nowhere.
    """
    if public_url:
        return None
    fix = "set PAGERD_PUBLIC_URL to the address people open pagerd at"
    if worker_only:
        return (
            "PAGERD_PUBLIC_URL is not set, so links in the messages this worker sends point at "
            f"http://127.0.0.1:8080, which reaches nobody else: {fix}"
        )
    if _unreachable(host):
        return (
            f"PAGERD_PUBLIC_URL is not set, so links in messages point at http://{host}:..., "
            f"an address nobody can open: {fix}"
        )
    return None


def _unreachable(host: str) -> bool:
    bare = host.strip().strip("[]")
    if host.strip() in _UNREACHABLE_HOSTS or bare in _UNREACHABLE_HOSTS:
        return True
    try:
        return ipaddress.ip_address(bare).is_unspecified
    except ValueError:
        return False
