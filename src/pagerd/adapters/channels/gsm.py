"""SMS length rules: GSM-7 (160 characters a segment) or UCS-2 (70) when GSM-7 cannot say it.

A message split into several segments costs more and may arrive out of order, so pagerd
shortens the alert text to keep a page in one segment when it can.
"""

from __future__ import annotations

import math
import unicodedata

_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENDED = "^{}\\[~]|€\f"  # each takes two septets (escape + character)
_GSM = frozenset(_BASIC + _EXTENDED)
GSM_SEGMENT = 160
GSM_PART = 153  # a segment of a multi-part message loses 7 characters to its header
UCS2_SEGMENT = 70
UCS2_PART = 67


def is_gsm7(text: str) -> bool:
    """Whether every character has a GSM-7 encoding."""
    return all(c in _GSM for c in text)


def units(text: str) -> int:
    """Length as the network counts it: septets for GSM-7, UTF-16 code units otherwise."""
    if is_gsm7(text):
        return sum(2 if c in _EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def segment_limit(text: str) -> int:
    """How many units fit in one segment for this text's encoding."""
    return GSM_SEGMENT if is_gsm7(text) else UCS2_SEGMENT


def segments(text: str) -> int:
    """How many SMS segments the text takes."""
    length = units(text)
    if is_gsm7(text):
        return 1 if length <= GSM_SEGMENT else math.ceil(length / GSM_PART)
    return 1 if length <= UCS2_SEGMENT else math.ceil(length / UCS2_PART)


def to_gsm7(text: str) -> str:
    """Replace accented Latin letters GSM-7 lacks by their base letter ("ô" to "o").

    Other characters (other scripts, emoji) are kept: dropping them would lose meaning, and
    the message then goes as UCS-2.
    """
    out = []
    for char in text:
        if char in _GSM:
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and is_gsm7(base) else char)
    return "".join(out)


def truncate(text: str, max_units: int, ellipsis: str = "...") -> str:
    """`text` cut to at most `max_units` units, ending in `ellipsis` when cut."""
    if units(text) <= max_units:
        return text
    keep = max(0, max_units - units(ellipsis))
    cut = text[:keep]  # every character takes at least one unit
    while units(cut) > keep:
        cut = cut[:-1]
    return cut.rstrip() + ellipsis
