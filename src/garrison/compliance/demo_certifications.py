"""The certification register's demo step: what the operator holds, with certificates near
expiry.

ISO/IEC 27001 held since March 2019 through three certificates (the current one expires in
25 days, so its owner is in the reminder window; a recertification audit is planned
before then), ISO/IEC 20000-1 (a surveillance audit in 45 days) and ISO/IEC 27018, five
yearly SOC 2 Type II reports, Trusted Cloud (TRUCS), the MLPS filing of the Beijing cloud
platform with its annual level assessment due in 60 days, and a CCRC service
certification. The current ISO/IEC 27001 certificate has a small generated file. Dates
are counted from the day of seeding; nothing is random.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from dateutil.relativedelta import relativedelta

from garrison.compliance.models import (
    Assessment,
    Certification,
    CertificationStatus,
    Framework,
    Scheme,
    SurveillanceKind,
)
from garrison.compliance.services import certifications as services
from garrison.core.demo.registry import DemoContext, register_step
from garrison.core.models import OrgUnit, Person
from garrison.core.scheduling import organisation_today

ISO27001_URN = "urn:garrison:framework:iso27001-2022"
FRAMEWORK_URNS = {
    Scheme.ISO27001: ISO27001_URN,
    Scheme.ISO20000: "urn:garrison:framework:iso20000-1-2018",
    Scheme.ISO27018: "urn:garrison:framework:iso27018-2019",
    Scheme.SOC2: "urn:garrison:framework:soc2-tsc",
    Scheme.MLPS_FILING: "urn:garrison:framework:mlps2-class3",
    Scheme.MLPS_ASSESSMENT: "urn:garrison:framework:mlps2-class3",
}
ISO27001_FIRST_ISSUE = dt.date(2019, 3, 15)
ISO27001_EXPIRES_IN_DAYS = 25
MLPS_ASSESSMENT_DUE_IN_DAYS = 60
CERTIFICATE_FILE_NAME = "ISO27001-certificate.pdf"


def _unit(context: DemoContext, *codes: str) -> OrgUnit:
    for code in codes:
        if code in context.units:
            return context.units[code]
    unit = OrgUnit.objects.filter(code__in=codes).order_by("pk").first()
    return unit or OrgUnit.objects.filter(parent__isnull=True).order_by("pk").get()


def _owner(context: DemoContext) -> Person:
    person = context.people.get("compliance") or Person.objects.filter(username="compliance").first()
    return person or Person.objects.order_by("pk").first()  # type: ignore[return-value]


def certificate_bytes(number: str) -> bytes:
    """A tiny valid PDF naming the certificate, so the download opens in a viewer."""
    text = f"ISO/IEC 27001:2022 certificate {number}".encode("ascii")
    stream = b"BT /F1 14 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number_, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number_} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


@register_step("compliance-certifications", order=440)
def seed_certifications(context: DemoContext) -> None:
    today = organisation_today()
    by = context.actor
    owner = _owner(context)
    group = _unit(context, context.root_code, "gdc")
    cloud = _unit(context, "blue-cloud", context.root_code)
    beijing = _unit(context, "bj", "blue-cloud", context.root_code)
    frameworks = {scheme: Framework.objects.filter(urn=urn).first() for scheme, urn in FRAMEWORK_URNS.items()}
    made: list[Certification] = []

    def add(
        scheme: str,
        name: str,
        scope: str,
        body: str,
        number: str,
        issued: dt.date,
        expires: dt.date,
        **extra: Any,
    ) -> Certification:
        certification = services.create_certification(
            by=by,
            scheme=scheme,
            name=name,
            scope_description=scope,
            body=body,
            number=number,
            issued_on=issued,
            expires_on=expires,
            status=extra.pop("status", CertificationStatus.ACTIVE),
            unit=extra.pop("unit", group),
            owner=owner,
            framework=frameworks.get(scheme),  # type: ignore[call-overload]
            **extra,
        )
        made.append(certification)
        return certification

    # ISO/IEC 27001: three certificates since 2019, the current one about to expire.
    isms_scope = (
        "The information security management system of the data-center and cloud services "
        "operations in Beijing and Shanghai, per the Statement of Applicability v7."
    )
    current_expiry = today + dt.timedelta(days=ISO27001_EXPIRES_IN_DAYS)
    current_issue = current_expiry - relativedelta(years=3)
    add(
        Scheme.ISO27001,
        "ISO/IEC 27001 certification",
        isms_scope,
        "China Quality Certification Centre",
        "CQC19ISMS0412",
        ISO27001_FIRST_ISSUE,
        ISO27001_FIRST_ISSUE + relativedelta(years=3, days=-1),
    )
    add(
        Scheme.ISO27001,
        "ISO/IEC 27001 certification",
        isms_scope,
        "China Quality Certification Centre",
        "CQC22ISMS0388",
        ISO27001_FIRST_ISSUE + relativedelta(years=3, days=-7),
        current_issue + dt.timedelta(days=6),
    )
    iso_assessment = Assessment.objects.filter(framework__urn=ISO27001_URN).order_by("pk").first()
    iso27001 = add(
        Scheme.ISO27001,
        "ISO/IEC 27001 certification",
        isms_scope,
        "China Quality Certification Centre",
        "CQC23ISMS0907",
        current_issue,
        current_expiry,
        assessment=iso_assessment,
        notes="Recertification audit booked; the renewed certificate follows the certification decision.",
    )
    for year in (1, 2):
        due = current_issue + relativedelta(years=year)
        services.add_surveillance_audit(
            iso27001,
            by=by,
            kind=SurveillanceKind.SURVEILLANCE,
            due_on=due,
            completed_on=min(due + dt.timedelta(days=2), today),
            outcome="No nonconformities; two opportunities for improvement.",
        )
    services.add_surveillance_audit(
        iso27001, by=by, kind=SurveillanceKind.RECERTIFICATION, due_on=today + dt.timedelta(days=10)
    )
    services.attach_certificate_file(
        iso27001,
        io.BytesIO(certificate_bytes(iso27001.number)),
        by=owner,
        filename=CERTIFICATE_FILE_NAME,
        content_type="application/pdf",
    )

    # ISO/IEC 20000-1 and ISO/IEC 27018.
    itsm = add(
        Scheme.ISO20000,
        "ISO/IEC 20000-1 certification",
        "IT service management of colocation, managed hosting and cloud services.",
        "China Quality Certification Centre",
        "CQC24ITSM0151",
        today - relativedelta(months=14),
        today - relativedelta(months=14) + relativedelta(years=3, days=-1),
    )
    services.add_surveillance_audit(
        itsm, by=by, kind=SurveillanceKind.SURVEILLANCE, due_on=today + dt.timedelta(days=45)
    )
    privacy = add(
        Scheme.ISO27018,
        "ISO/IEC 27018 certification",
        "Protection of personally identifiable information in the Blue Cloud public cloud.",
        "BSI",
        "PII 745120",
        today - relativedelta(years=2),
        today + relativedelta(years=1),
        unit=cloud,
    )
    services.add_surveillance_audit(
        privacy,
        by=by,
        kind=SurveillanceKind.SURVEILLANCE,
        due_on=today - relativedelta(years=1),
        completed_on=today - relativedelta(years=1),
        outcome="One minor nonconformity (retention of test data), closed.",
    )
    services.add_surveillance_audit(
        privacy, by=by, kind=SurveillanceKind.SURVEILLANCE, due_on=today + dt.timedelta(days=150)
    )

    # SOC 2 Type II: a report each year, five in a row.
    first_report = today - relativedelta(years=4, months=2)
    for number in range(5):
        issued = first_report + relativedelta(years=number)
        add(
            Scheme.SOC2,
            "SOC 2 Type II report",
            "Security, availability and confidentiality of the Blue Cloud platform.",
            "KPMG Huazhen",
            f"SOC2-{issued.year}",
            issued,
            issued + relativedelta(years=1, days=-1),
            unit=cloud,
        )

    # Trusted Cloud, MLPS and CCRC.
    add(
        Scheme.TRUCS,
        "Trusted Cloud (TRUCS) cloud host service",
        "Blue Cloud elastic compute and block storage.",
        "China Academy of Information and Communications Technology",
        "TRUCS-2025-0318",
        today - relativedelta(years=1),
        today + relativedelta(years=2),
        unit=cloud,
    )
    filing = add(
        Scheme.MLPS_FILING,
        "MLPS level 3 filing — Beijing cloud platform",
        "Beijing cloud platform, classified at MLPS level 3.",
        "Beijing Public Security Bureau, Cybersecurity Division",
        "11010843001-21001",
        dt.date(2021, 6, 1),
        dt.date(2021, 6, 1) + relativedelta(years=10),
        unit=beijing,
    )
    assessment_due = today + dt.timedelta(days=MLPS_ASSESSMENT_DUE_IN_DAYS)
    add(
        Scheme.MLPS_ASSESSMENT,
        "MLPS annual level assessment — Beijing cloud platform",
        "Beijing cloud platform, classified at MLPS level 3.",
        "Beijing Cybersecurity Level Assessment Center",
        f"DJCP-{(assessment_due - relativedelta(years=1)).year}-0457",
        assessment_due - relativedelta(years=1),
        assessment_due,
        unit=beijing,
    )
    services.add_surveillance_audit(
        filing, by=by, kind=SurveillanceKind.ANNUAL_ASSESSMENT, due_on=assessment_due
    )
    add(
        Scheme.CCRC,
        "CCRC cloud computing service security certification",
        "Blue Cloud public cloud services, enhanced level.",
        "China Cybersecurity Review, Certification and Market Regulation Center",
        "CCRC-2026-VP-0112",
        today - relativedelta(months=6),
        today + relativedelta(months=30),
        unit=cloud,
    )
    context.count("certifications", len(made))
