"""The stable identity of a finding across re-scans. Pure module: no Django import.

A finding is the same finding when it is on the same thing (the asset it was matched to,
or for code and images the location's root), raised by the same scanner rule (or, where
the scanner names no rule, the same CVE or title), at the same port or location, in the
same component. Descriptions, severities, scan dates and plugin output are left out:
they change between scans of an unchanged weakness.

What the scanner says about a finding (its title, severity, CVSS, texts …) has a digest of
its own, `content_digest`: a re-scan compares it with the stored one to tell a finding
reported unchanged from one to rewrite, without reading the texts back.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

SEPARATOR = "\x1f"
LIST_SEPARATOR = "\x1e"

# The finding's fields a scanner reports that decide whether it "changed", in the order
# `content_digest` takes them. The identity (source, asset, port, location, component) is in
# the fingerprint; `cve` is the first of `cve_ids`.
CONTENT_FIELDS = (
    "title",
    "rule_id",
    "cve_ids",
    "cwe_ids",
    "host",
    "service",
    "location",
    "component",
    "component_version",
    "fixed_version",
    "severity",
    "scanner_severity",
    "cvss_version",
    "cvss_vector",
    "cvss_score",
    "description",
    "solution",
    "evidence",
    "references",
)
content_of = attrgetter(*CONTENT_FIELDS)


def finding_fingerprint(
    *,
    source: str,
    subject: str,
    rule: str,
    place: str,
    component: str,
) -> str:
    """The SHA-256 (hex) of a finding's identity.

    `subject` is what it is on (``asset:42``, or ``host:10.0.0.9`` for a host that no
    asset matches, or blank for code and images); `rule` the scanner rule, CVE or title;
    `place` the port and protocol (``443/tcp``) or the location; `component` the affected
    package or product, without its version (an upgrade that does not fix it is the same
    finding).
    """
    parts = (source, subject, rule.strip(), place.strip(), component.strip().lower())
    return hashlib.sha256(SEPARATOR.join(parts).encode("utf-8")).hexdigest()


def place_of(port: int | None, protocol: str, location: str) -> str:
    """The `place` part: ``port/protocol`` for a network finding, else the location."""
    if port is not None:
        return f"{port}/{(protocol or 'tcp').lower()}"
    return location


def unique_fingerprint() -> str:
    """For a finding entered by hand: never deduplicated against anything."""
    return hashlib.sha256(f"manual{SEPARATOR}{uuid.uuid4()}".encode()).hexdigest()


def content_digest(values: Sequence[Any]) -> str:
    """The BLAKE2b (hex, 64 characters) of a finding's reported content: `values` in the
    order of CONTENT_FIELDS, as stored: texts, lists of texts, the severity as a number and
    the score as a number (a Decimal or a float, one decimal place counts) or None."""
    (
        title,
        rule_id,
        cve_ids,
        cwe_ids,
        host,
        service,
        location,
        component,
        component_version,
        fixed_version,
        severity,
        scanner_severity,
        cvss_version,
        cvss_vector,
        cvss_score,
        description,
        solution,
        evidence,
        references,
    ) = values
    score = "" if cvss_score is None else f"{cvss_score:.1f}"
    # One f-string rather than a join over converted values: imports digest every finding.
    text = (
        f"{title}\x1f{rule_id}\x1f{LIST_SEPARATOR.join(cve_ids)}\x1f{LIST_SEPARATOR.join(cwe_ids)}\x1f"
        f"{host}\x1f{service}\x1f{location}\x1f{component}\x1f{component_version}\x1f"
        f"{fixed_version}\x1f{severity:d}\x1f{scanner_severity}\x1f{cvss_version}\x1f{cvss_vector}\x1f"
        f"{score}\x1f{description}\x1f{solution}\x1f{evidence}\x1f{LIST_SEPARATOR.join(references)}"
    )
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=32).hexdigest()


def content_digest_of(finding: Any) -> str:
    """`content_digest` of an object carrying CONTENT_FIELDS (a Finding)."""
    return content_digest(content_of(finding))
