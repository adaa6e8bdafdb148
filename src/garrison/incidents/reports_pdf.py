"""A case report as a PDF document, section by section as the reporting measures list
them, ready to be sent (and then attached to the submission that records the sending).

Chinese text is set in the CID font every PDF reader substitutes without embedding
(as the risk register's report does), Latin text in Helvetica.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.incidents.models import IncidentReport
from garrison.incidents.services.reports import local

PDF_CONTENT_TYPE = "application/pdf"
CJK_FONT = "STSong-Light"


def _register_fonts() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _needs_cjk(text: str) -> bool:
    return any(ord(character) > 0x2FF for character in text)


def _escape(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\r\n", "\n").replace("\n", "<br/>")


class _Styles:
    def __init__(self) -> None:
        base = getSampleStyleSheet()
        self.title = base["Title"]
        self.heading = base["Heading3"]
        self.body = base["BodyText"]
        self.small = ParagraphStyle("small", parent=base["BodyText"], fontSize=8, leading=10)

    def paragraph(self, text: Any, style: ParagraphStyle) -> Paragraph:
        content = "" if text is None else str(text)
        if _needs_cjk(content):
            style = ParagraphStyle(f"{style.name}-cjk", parent=style, fontName=CJK_FONT)
        return Paragraph(_escape(content), style)


def sections(report: IncidentReport) -> list[tuple[str, str]]:
    """(heading, text) of each section, in the order of the measures."""
    return [
        (_("Reporting unit and affected facility or system"), report.reporting_unit),
        (_("Time, place and type of the incident"), report.occurrence),
        (_("Impact and harm so far"), report.impact),
        (_("Measures taken and their effect"), report.measures),
        (_("Expected trend"), report.trend),
        (_("Preliminary cause"), report.cause),
        (_("Attribution leads"), report.attribution),
        (_("Next steps and support requested"), report.next_steps),
        (_("How the scene is preserved"), report.scene_preservation),
        (_("Other matters"), report.other_matters),
    ]


def report_pdf(report: IncidentReport) -> bytes:
    """The PDF document of the report."""
    _register_fonts()
    styles = _Styles()
    incident = report.incident
    buffer = io.BytesIO()
    title = f"{incident.reference} — {report.get_kind_display()}"
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="Garrison",
    )
    summary = Table(
        [
            [styles.paragraph(_("Case"), styles.small), styles.paragraph(str(incident), styles.small)],
            [
                styles.paragraph(_("Grade"), styles.small),
                styles.paragraph(
                    incident.get_grade_display() or incident.get_proposed_grade_display() or "—", styles.small
                ),
            ],
            [
                styles.paragraph(_("Drafted"), styles.small),
                styles.paragraph(local(report.created_at), styles.small),
            ],
            [
                styles.paragraph(_("Printed"), styles.small),
                styles.paragraph(local(timezone.now()), styles.small),
            ],
        ],
        colWidths=[35 * mm, 135 * mm],
        hAlign="LEFT",
    )
    summary.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    story: list[Any] = [styles.paragraph(title, styles.title), summary, Spacer(1, 4 * mm)]
    if report.is_partial:
        story.append(
            styles.paragraph(
                _(
                    "Partial report: the cause or the impact is not yet known; the rest follows in a "
                    "supplementary report."
                ),
                styles.body,
            )
        )
    for heading, text in sections(report):
        story.append(styles.paragraph(heading, styles.heading))
        story.append(styles.paragraph(text.strip() or _("Not yet known."), styles.body))
    document.build(story)
    return buffer.getvalue()


def report_pdf_response(report: IncidentReport, *, by: Any) -> HttpResponse:
    """The report as a downloaded PDF; the download is recorded, as every export is."""
    content = report_pdf(report)
    audit.record(report, AuditAction.EXPORT, by=by, changes={"format": "pdf"})
    response = HttpResponse(content, content_type=PDF_CONTENT_TYPE)
    filename = f"{report.incident.reference}-{report.kind}-{report.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
