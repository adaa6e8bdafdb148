"""A finding's severity: scored from its CVSS vector with the `cvss` library where it has
one (v4.0 over v3.x over v2), else from the scanner's own score, else from the scanner's
own word. Pure module: no Django import.

Severity numbers follow `garrison.vulns.models.Severity`: 0 informational, 1 low,
2 medium, 3 high, 4 critical; the bands are CVSS's own (v3.x and v4.0 qualitative
ratings; v2 has no critical band, so a v2 score of 9.0 and above is high).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

INFO, LOW, MEDIUM, HIGH, CRITICAL = 0, 1, 2, 3, 4

# The words scanners use, lower-cased. SARIF's levels: an error is a high, a warning a
# medium, a note a low. Nessus's risk factors and numeric severities 0 to 4 map directly.
WORDS = {
    "critical": CRITICAL,
    "urgent": CRITICAL,
    "high": HIGH,
    "error": HIGH,
    "serious": HIGH,
    "medium": MEDIUM,
    "moderate": MEDIUM,
    "warning": MEDIUM,
    "low": LOW,
    "note": LOW,
    "minor": LOW,
    "info": INFO,
    "informational": INFO,
    "information": INFO,
    "none": INFO,
    "log": INFO,
    "debug": INFO,
    "unknown": INFO,
    "negligible": INFO,
    "0": INFO,
    "1": LOW,
    "2": MEDIUM,
    "3": HIGH,
    "4": CRITICAL,
}


@dataclass(frozen=True, slots=True)
class Assessment:
    severity: int
    cvss_version: str = ""  # "2.0", "3.0", "3.1", "4.0"
    cvss_vector: str = ""
    cvss_score: float | None = None


def band(score: float, *, version: str = "3.1") -> int:
    """The qualitative rating of a CVSS base score."""
    if score <= 0:
        return INFO
    if score < 4.0:
        return LOW
    if score < 7.0:
        return MEDIUM
    if score < 9.0 or version.startswith("2"):
        return HIGH
    return CRITICAL


@functools.lru_cache(maxsize=4096)
def score_vector(vector: str) -> tuple[str, str, float] | None:
    """(version, normalised vector, base score) of a CVSS vector, or None when the library
    refuses it. Cached: a scan repeats the same few hundred vectors many times."""
    text = vector.strip()
    if not text:
        return None
    try:
        if text.startswith("CVSS:4.0/"):
            v4 = CVSS4(text)
            return "4.0", v4.clean_vector(), float(v4.base_score)
        if text.startswith(("CVSS:3.0/", "CVSS:3.1/")):
            v3 = CVSS3(text)
            return text[5:8], v3.clean_vector(), float(v3.scores()[0])
        bare = text.removeprefix("CVSS2#").removeprefix("(").removesuffix(")")
        if bare.startswith("AV:"):
            v2 = CVSS2(bare)
            return "2.0", v2.clean_vector(), float(v2.scores()[0])
    except (CVSSError, ValueError, KeyError, IndexError):
        return None
    return None


def from_word(word: str) -> int | None:
    """The severity a scanner's word or number (0 to 4) stands for, or None."""
    return WORDS.get(word.strip().lower()) if word else None


def assess(vector: str = "", scanner_score: float | None = None, scanner_severity: str = "") -> Assessment:
    """The severity of a finding from what the scanner gave."""
    scored = score_vector(vector) if vector else None
    if scored is not None:
        version, clean, score = scored
        return Assessment(band(score, version=version), version, clean, score)
    if scanner_score is not None and not math.isnan(scanner_score) and 0 <= scanner_score <= 10:
        return Assessment(band(scanner_score), cvss_score=round(scanner_score, 1))
    word = from_word(scanner_severity)
    if word is None:
        try:
            number = float(scanner_severity)
        except ValueError:
            return Assessment(INFO)
        if 0 <= number <= 10:
            return Assessment(band(number), cvss_score=round(number, 1))
        return Assessment(INFO)
    return Assessment(word)
