"""E-mail pages composed with the caching policy are byte for byte the default policy's."""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterator
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.policy import Policy
from email.policy import default as default_policy

import pytest

from pagerd.adapters.channels.email_policy import (
    CACHING_POLICY,
    BoundedMemo,
    CachingEmailPolicy,
    CachingHeaderRegistry,
    multipart_boundary,
)

SUBJECTS = [
    "[pagerd] CRITICAL payments: HTTP 5xx above 5% for 10 m on POST /charge",
    "[pagerd] CRITICAL caf\u00e9: la base ne r\u00e9pond plus \U0001f525",
    "[pagerd] ERROR payments: " + "card authorisations failing for every issuer " * 3,
    "[pagerd] CRITICAL x: =?utf-8?q?caf=C3=A9?= looks like an encoded word",
    "[pagerd] WARNING search: p99 latency above 2 s; \u65e5\u672c\u8a9e " * 2,
]
TEXTS = [
    "pagerd: 1 alert needs you.\n\n  short lines only\n",
    "a line far longer than seventy-eight characters, so the body is quoted-printable " * 3,
    "caf\u00e9 \u2014 non-ASCII text\nover several lines\n" * 20,
]


def _message(policy: Policy, subject: str, text: str, to: str) -> bytes:
    message = EmailMessage(policy=policy)
    message["Subject"] = subject
    message["From"] = "pagerd <pagerd@example.com>"
    message["To"] = to
    message["Date"] = "Thu, 03 Dec 2026 09:04:00 +0000"
    message["Message-ID"] = "<0c0a6d3e-6f0b-4a43-9a55-1f4f8f2b0101@pagerd>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(f"<p>{text}</p>", subtype="html")
    message.set_boundary("===============0123456789012345678==")
    out = io.BytesIO()
    BytesGenerator(out).flatten(message, linesep="\r\n")  # as smtplib.send_message does
    return out.getvalue()


def _cases() -> Iterator[tuple[str, str, str]]:
    for subject in SUBJECTS:
        for text in TEXTS:
            for to in ("alice@example.com", "Zo\u00eb Dupont <zoe@example.com>"):
                yield subject, text, to


@pytest.mark.parametrize("rounds", [1, 2])
def test_messages_are_byte_for_byte_the_default_policys(rounds: int) -> None:
    policy = CachingEmailPolicy(header_factory=CachingHeaderRegistry())
    for _ in range(rounds):  # the second round is served from the caches
        for subject, text, to in _cases():
            assert _message(policy, subject, text, to) == _message(
                default_policy, subject, text, to
            ), subject


def test_a_header_is_parsed_once_and_shared_by_the_messages_carrying_it() -> None:
    registry = CachingHeaderRegistry()

    first = registry("From", "pagerd <pagerd@example.com>")
    again = registry("From", "pagerd <pagerd@example.com>")

    assert again is first
    assert registry("To", "pagerd <pagerd@example.com>") is not first  # keyed by name too
    assert registry["From"] is registry["from"]  # one class per header name


def test_a_header_folds_once_per_setting() -> None:
    header = CACHING_POLICY.header_factory("Subject", SUBJECTS[2])
    crlf = CACHING_POLICY.clone(linesep="\r\n")

    folded = crlf.fold_binary("Subject", header)

    assert crlf.fold_binary("Subject", header) is folded
    assert CACHING_POLICY.fold_binary("Subject", header) == folded.replace(b"\r\n", b"\n")
    assert folded == default_policy.clone(linesep="\r\n").fold_binary("Subject", header)


def test_the_memo_holds_at_most_its_size() -> None:
    memo: BoundedMemo[int] = BoundedMemo(size=3)

    for n in range(10):
        assert memo.get(n, lambda n=n: n * n) == n * n  # type: ignore[misc]
        assert len(memo) <= 3


def test_a_boundary_has_the_generators_form_and_is_in_no_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = f"{'=' * 15}{7:019d}=="
    draws = iter([7, 8])
    monkeypatch.setattr(random, "randrange", lambda _: next(draws))

    boundary = multipart_boundary("text", f"html --{taken}--")

    assert boundary == f"{'=' * 15}{8:019d}=="
    assert re.fullmatch(r"={15}\d{19}==", boundary)
