"""The risk register as a PDF report: a summary by level and treatment, the heat map
counts, and the scenarios in the order asked for (XLSX and CSV come from the generic
exports in garrison.core.exports, with the register's export columns).

The report is a document for a meeting or an auditor, not a data dump: beyond
`ROW_LIMIT` scenarios it says how many it left out and points to the XLSX export.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from garrison.core import exports
from garrison.risks.heatmap import heat_map
from garrison.risks.models import RiskScenario, Treatment

ROW_LIMIT = 2000
PDF_CONTENT_TYPE = "application/pdf"
LATIN_FONT = "Helvetica"
LATIN_BOLD_FONT = "Helvetica-Bold"
# A CID font every PDF reader substitutes without embedding: it writes Chinese names.
CJK_FONT = "STSong-Light"


def _register_fonts() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _needs_cjk(text: str) -> bool:
    return any(ord(character) > 0x2FF for character in text)


class _Styles:
    """Paragraph styles, each in a Latin and a CJK variant chosen by the text."""

    def __init__(self) -> None:
        base = getSampleStyleSheet()
        self.title = base["Title"]
        self.heading = base["Heading2"]
        self.body = base["BodyText"]
        self.cell = ParagraphStyle("cell", parent=base["BodyText"], fontSize=7.5, leading=9)
        self.head_cell = ParagraphStyle("head", parent=self.cell, fontName=LATIN_BOLD_FONT)

    def paragraph(self, text: Any, style: ParagraphStyle) -> Paragraph:
        content = "" if text is None else str(text)
        if _needs_cjk(content):
            style = ParagraphStyle(f"{style.name}-cjk", parent=style, fontName=CJK_FONT)
        return Paragraph(_escape(content), style)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


TABLE_STYLE = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
)


def _level_colour(scenario: RiskScenario, rank: int | None) -> Any:
    level = scenario.matrix.level(rank)
    try:
        return colors.HexColor(level.colour) if level and level.colour else None
    except ValueError:
        return None


def _summary(queryset: QuerySet[RiskScenario], styles: _Styles) -> list[Any]:
    counts = dict(queryset.order_by().values_list("treatment").annotate(count=Count("pk")))
    rows = [
        [
            styles.paragraph(_("Treatment"), styles.head_cell),
            styles.paragraph(_("Scenarios"), styles.head_cell),
        ]
    ]
    for value, label in Treatment.choices:
        rows.append(
            [styles.paragraph(label, styles.cell), styles.paragraph(counts.get(value, 0), styles.cell)]
        )
    table = Table(rows, colWidths=[60 * mm, 30 * mm], hAlign="LEFT")
    table.setStyle(TABLE_STYLE)
    return [styles.paragraph(_("Treatment decisions"), styles.heading), table]


def _maps(queryset: QuerySet[RiskScenario], styles: _Styles) -> list[Any]:
    flowables: list[Any] = []
    for matrix_map in heat_map(queryset):
        matrix = matrix_map.matrix
        flowables.append(
            styles.paragraph(_("Heat map: %(matrix)s") % {"matrix": matrix.name}, styles.heading)
        )
        for rating, label in (("inherent", _("Inherent")), ("current", _("Current (residual)"))):
            grid = matrix_map.grids[rating]
            header = [styles.paragraph(label, styles.head_cell)] + [
                styles.paragraph(name, styles.head_cell) for name in matrix_map.impact_names
            ]
            rows = [header]
            commands = list(TABLE_STYLE.getCommands())
            likelihood_names = list(reversed(matrix_map.likelihood_names))
            for row_number, row in enumerate(grid.rows, start=1):
                rows.append(
                    [styles.paragraph(likelihood_names[row_number - 1], styles.head_cell)]
                    + [styles.paragraph(cell.count or "", styles.cell) for cell in row]
                )
                for column_number, cell in enumerate(row, start=1):
                    level = matrix.level(cell.level)
                    if level and level.colour:
                        try:
                            colour = colors.HexColor(level.colour)
                        except ValueError:
                            continue
                        commands.append(
                            ("BACKGROUND", (column_number, row_number), (column_number, row_number), colour)
                        )
            table = Table(rows, hAlign="LEFT", colWidths=[32 * mm] + [24 * mm] * len(matrix_map.impact_names))
            table.setStyle(TableStyle(commands))
            flowables += [Spacer(1, 3 * mm), table]
    return flowables


def _register(rows: Sequence[RiskScenario], total: int, styles: _Styles) -> list[Any]:
    labels = [
        _("Reference"),
        _("Title"),
        _("Unit"),
        _("Risk owner"),
        _("Inherent level"),
        _("Current level"),
        _("Target level"),
        _("Treatment"),
        _("Status"),
    ]
    table_rows = [[styles.paragraph(label, styles.head_cell) for label in labels]]
    commands = list(TABLE_STYLE.getCommands())
    for number, scenario in enumerate(rows, start=1):
        title = scenario.title
        if scenario.is_above_appetite_without_treatment:
            title = f"{title} — {_('above appetite, no treatment')}"
        table_rows.append(
            [
                styles.paragraph(value, styles.cell)
                for value in (
                    scenario.reference,
                    title,
                    scenario.unit.name,
                    scenario.owner.full_name,
                    scenario.inherent_level_name,
                    scenario.current_level_name,
                    scenario.target_level_name,
                    scenario.get_treatment_display(),
                    scenario.get_status_display(),
                )
            ]
        )
        for column, rank in (
            (4, scenario.inherent_level),
            (5, scenario.current_level),
            (6, scenario.target_level),
        ):
            colour = _level_colour(scenario, rank)
            if colour is not None:
                commands.append(("BACKGROUND", (column, number), (column, number), colour))
    widths = [22, 70, 35, 35, 22, 22, 22, 22, 22]
    table = LongTable(table_rows, colWidths=[width * mm for width in widths], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    flowables: list[Any] = [styles.paragraph(_("Scenarios"), styles.heading), table]
    if total > len(rows):
        flowables.append(
            styles.paragraph(
                _(
                    "The first %(shown)s of %(total)s scenarios are listed; narrow the filters or "
                    "use the XLSX export for all of them."
                )
                % {"shown": len(rows), "total": total},
                styles.body,
            )
        )
    return flowables


def register_pdf(
    queryset: QuerySet[RiskScenario],
    *,
    title: str,
    filters: dict[str, Any],
    rows: Iterable[RiskScenario] | None = None,
) -> bytes:
    """The PDF document of the scenarios in `queryset`, in its order."""
    _register_fonts()
    styles = _Styles()
    total = queryset.count()
    listed = list(rows) if rows is not None else list(queryset[:ROW_LIMIT])
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author="Garrison",
    )
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")
    described = "; ".join(f"{key}={value}" for key, value in sorted(filters.items())) or _("none")
    story: list[Any] = [
        styles.paragraph(title, styles.title),
        styles.paragraph(
            _("%(count)s scenarios. Generated %(time)s. Filters: %(filters)s.")
            % {"count": total, "time": generated, "filters": described},
            styles.body,
        ),
        *_summary(queryset, styles),
        *_maps(queryset, styles),
        *_register(listed, total, styles),
    ]
    document.build(story)
    return buffer.getvalue()


def register_pdf_response(
    queryset: QuerySet[RiskScenario], *, by: Any, filters: dict[str, Any], name: str = "risk-register"
) -> HttpResponse:
    """Record the export (as every export is) and answer with the PDF file."""
    exports.record_export(queryset.model, by=by, file_format="pdf", filters=filters, rows=queryset.count())
    content = register_pdf(
        queryset.select_related("unit", "owner", "matrix"), title=_("Risk register"), filters=filters
    )
    response = HttpResponse(content, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename_for(name, "pdf")}"'
    return response
