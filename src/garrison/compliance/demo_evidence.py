"""The evidence demo step: fifteen pieces of evidence at the Beijing and Shanghai sites.

Files are small documents built here (text reports, CSV exports, a minimal PDF), kept
through the content-addressed store like any upload; some evidence is a link. Several
pieces have more than one version, four expire within 30 days and one has expired.
They are linked to the demo controls of their site (step 400, when it made any), and two
requests for evidence are open, one of them overdue. Deterministic for a seed: dates
are counted from today, like the other steps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from garrison.compliance.models import AppliedControl, Evidence, EvidenceKind
from garrison.compliance.services import evidence as services
from garrison.core.demo.registry import DemoContext, register_step
from garrison.core.models import OrgUnit, Person
from garrison.core.models.org import EmploymentStatus

SITE_CODES = ("bj", "sh")


@dataclass(frozen=True)
class _Piece:
    name: str
    kind: str
    # Days from today to the end of validity of each version, oldest first (None: open-ended).
    validity: tuple[int | None, ...]
    filename: str = ""


PIECES: tuple[_Piece, ...] = (
    _Piece("Backup restore test report", EvidenceKind.FILE, (-200, 165), "restore-test.txt"),
    _Piece("Visitor log export", EvidenceKind.FILE, (-60, 20), "visitor-log.csv"),
    _Piece("UPS load test certificate", EvidenceKind.FILE, (300,), "ups-load-test.pdf"),
    _Piece("Quarterly access review minutes", EvidenceKind.LINK, (-90, 6)),
    _Piece("Vulnerability scan summary", EvidenceKind.FILE, (-30, -1, 45), "scan-summary.csv"),
    _Piece("CCTV retention settings", EvidenceKind.LINK, (None,)),
    _Piece("Change advisory board records", EvidenceKind.LINK, (120,)),
    # Last, so that only the first site has it: one piece of expired evidence.
    _Piece("Fire suppression inspection", EvidenceKind.FILE, (-5,), "fire-inspection.pdf"),
)


def _content(piece: _Piece, site: str, number: int, valid_until: dt.date | None) -> bytes:
    """A small document standing in for the real one."""
    until = valid_until.isoformat() if valid_until else "open-ended"
    if piece.filename.endswith(".csv"):
        rows = ["date,site,item,result"]
        rows += [f"2026-01-{day:02d},{site},{piece.name} check {day},pass" for day in range(1, 6 + number)]
        return ("\n".join(rows) + "\n").encode()
    if piece.filename.endswith(".pdf"):
        text = f"{piece.name} - {site} - version {number} - valid until {until}"
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET"
        return (
            "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n"
            f"4 0 obj << /Length {len(stream)} >> stream\n{stream}\nendstream endobj\n"
            "trailer << /Root 1 0 R >>\n"
            "%%EOF\n"
        ).encode()
    return (
        f"{piece.name}\nSite: {site}\nVersion: {number}\nValid until: {until}\n\n"
        "Restored 3 of 3 sampled systems from last night's backup; checksums matched.\n"
    ).encode()


def _people(unit: OrgUnit) -> list[Person]:
    people = Person.objects.filter(unit__path__startswith=unit.path).exclude(
        employment_status=EmploymentStatus.LEFT
    )
    return list(people.order_by("username")[:12])


@register_step("compliance-evidence", order=410)
def seed_evidence(context: DemoContext) -> None:
    today = timezone.localdate()
    rng = context.random("compliance-evidence")
    sites = [context.units[code] for code in SITE_CODES if code in context.units]
    requester = context.people.get("compliance")
    made: list[Evidence] = []
    versions = 0
    for site_number, site in enumerate(sites):
        people = _people(site)
        if not people:
            continue
        controls = list(AppliedControl.objects.filter(unit__path__startswith=site.path).order_by("reference"))
        # Beijing gets all eight pieces, Shanghai the first seven: fifteen in all.
        for index, piece in enumerate(PIECES[: len(PIECES) - site_number]):
            owner = people[rng.randrange(len(people))]
            linked = rng.sample(controls, k=min(2, len(controls))) if controls else []
            evidence = None
            for number, offset in enumerate(piece.validity, start=1):
                valid_until = today + dt.timedelta(days=offset) if offset is not None else None
                valid_from = (valid_until or today) - dt.timedelta(days=365) if valid_until else today
                content: dict[str, Any] = {}
                if piece.kind == EvidenceKind.FILE:
                    name = f"{site.code}-{piece.filename}"
                    content = {
                        "file": ContentFile(_content(piece, site.name, number, valid_until), name=name),
                        "filename": name,
                    }
                else:
                    content = {
                        "url": f"https://intranet.example.com/{site.code}/evidence/{index + 1}/v{number}"
                    }
                if evidence is None:
                    evidence = services.create_evidence(
                        by=context.actor,
                        name=f"{site.name}: {piece.name}",
                        unit=site,
                        owner=owner,
                        kind=piece.kind,
                        valid_from=valid_from,
                        valid_until=valid_until,
                        controls=linked,
                        **content,
                    )
                else:
                    services.add_version(
                        evidence,
                        by=context.actor,
                        valid_from=valid_from,
                        valid_until=valid_until,
                        note="Renewed for the next period.",
                        **content,
                    )
                versions += 1
            if evidence is not None:
                made.append(evidence)
    requests = 0
    if made and requester is not None:
        renewal = next(
            (item for item in made if services.validity_of(item.valid_until, today) == "expired"), made[0]
        )
        services.request_evidence(
            by=context.actor,
            requested_by=requester,
            assignee=renewal.owner,
            title=f"Renewed {renewal.name}",
            description="The current version has expired; upload this year's inspection report.",
            due_on=today - dt.timedelta(days=9),
            unit=renewal.unit,
            evidence=renewal,
        )
        control = AppliedControl.objects.filter(unit=made[-1].unit).order_by("reference").first()
        services.request_evidence(
            by=context.actor,
            requested_by=requester,
            assignee=made[-1].owner,
            title="Generator monthly run log",
            description="The log of this month's generator test run, signed by the shift supervisor.",
            due_on=today + dt.timedelta(days=12),
            unit=made[-1].unit,
            control=control,
        )
        requests = 2
    context.count("evidence", len(made))
    context.count("evidence versions", versions)
    context.count("evidence requests", requests)
