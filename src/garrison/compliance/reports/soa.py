"""The Statement of Applicability of an ISO/IEC 27001 assessment, as an XLSX workbook.

Which assessments have one: those of a framework whose URN is in `ISO27001_FRAMEWORK_URNS`
(the ISO/IEC 27001:2022 framework of the shipped library, `compliance/data/iso27001-2022.yaml`).
Its Annex A controls are the assessable requirements whose URN starts with
`ANNEX_A_URN_PREFIX`; their parent headings (A.5 to A.8) are the themes. Any other framework
is refused: a Statement of Applicability is an ISO/IEC 27001 document.

One row per Annex A control in reading order: reference, name (Chinese when the person
reads Chinese), theme, applicable (no only for a not-applicable result), the justification,
the implementation status (an inferred result is marked unconfirmed), the applied controls
and the evidence linked to the result, and who assessed it when. A header block above
names the organisation, the assessment, its scope, the date and the version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.compliance.models import Assessment, RequirementNode, RequirementResult, Result
from garrison.compliance.reports import localised, organisation_of, record_report, result_rows, version_of
from garrison.core.exports import cell_value

ISO27001_FRAMEWORK_URNS = frozenset({"urn:garrison:framework:iso27001-2022"})
ANNEX_A_URN_PREFIX = "urn:garrison:req:iso27001-2022:a."
COLUMN_WIDTHS = (10, 42, 24, 11, 50, 30, 42, 30, 22, 18)


@dataclass(frozen=True)
class SoaRow:
    reference: str
    name: str
    theme: str
    is_applicable: bool
    justification: str
    status: str
    controls: str
    evidence: str
    assessed_by: str
    assessed_at: dt.datetime | None


def has_statement_of_applicability(assessment: Assessment) -> bool:
    return assessment.framework.urn in ISO27001_FRAMEWORK_URNS


def require_iso27001(assessment: Assessment) -> None:
    if not has_statement_of_applicability(assessment):
        raise ValidationError(
            _(
                "A Statement of Applicability is written for ISO/IEC 27001:2022 assessments only; "
                "%(assessment)s assesses %(framework)s."
            )
            % {"assessment": assessment.reference, "framework": assessment.framework}
        )


def status_label(row: RequirementResult | None) -> str:
    if row is None:
        return str(Result.NOT_ASSESSED.label)
    label = row.get_result_display()
    if row.is_inferred:
        return _("%(result)s (inferred – unconfirmed)") % {"result": label}  # noqa: RUF001 - a dash, as printed
    return str(label)


def soa_rows(assessment: Assessment, *, person: Any) -> list[SoaRow]:
    """The Annex A rows of the assessment's Statement of Applicability."""
    require_iso27001(assessment)
    controls = list(
        RequirementNode.objects.filter(
            framework=assessment.framework, is_assessable=True, urn__startswith=ANNEX_A_URN_PREFIX
        )
        .select_related("parent")
        .order_by("order")
    )
    results = {row.requirement_id: row for row in result_rows(assessment, person=person)}
    rows = []
    for control in controls:
        result = results.get(control.pk)
        rows.append(
            SoaRow(
                reference=control.reference,
                name=localised(control),
                theme=localised(control.parent) if control.parent else "",
                is_applicable=result is None or result.result != Result.NOT_APPLICABLE,
                justification=result.justification if result else "",
                status=status_label(result),
                controls="\n".join(
                    f"{item.reference} {item.name}" for item in getattr(result, "visible_controls", [])
                ),
                evidence="\n".join(
                    f"{item.reference} {item.name}" for item in getattr(result, "visible_evidence", [])
                ),
                assessed_by=str(result.assessed_by) if result and result.assessed_by else "",
                assessed_at=result.assessed_at if result else None,
            )
        )
    return rows


def soa_filename(assessment: Assessment) -> str:
    safe = "".join(
        character if character.isalnum() or character in "-_" else "-" for character in assessment.reference
    )
    return f"{safe}-statement-of-applicability.xlsx"


def write_soa(assessment: Assessment, target: IO[bytes], *, by: Any) -> int:
    """Write the workbook to `target`, record the export; returns the number of control rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    rows = soa_rows(assessment, person=by)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Statement of Applicability")[:31]
    sheet.append([_("Statement of Applicability")])
    sheet["A1"].font = Font(bold=True, size=14)
    scope = str(assessment.unit)
    if assessment.scope_description:
        scope = f"{scope}: {assessment.scope_description}"
    header = [
        (_("Organisation"), localised(organisation_of(assessment))),
        (_("Assessment"), f"{assessment.reference} {assessment.name}"),
        (_("Framework"), localised(assessment.framework)),
        (_("Scope"), scope),
        (_("Date"), timezone.localdate()),
        (_("Version"), version_of(assessment)),
    ]
    for label, value in header:
        sheet.append([cell_value(label), cell_value(value)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([])
    headings = [
        _("Control"),
        _("Name"),
        _("Theme"),
        _("Applicable"),
        _("Justification for inclusion or exclusion"),
        _("Implementation status"),
        _("Applied controls"),
        _("Evidence"),
        _("Last assessed by"),
        _("Last assessed at"),
    ]
    sheet.append(headings)
    heading_row = sheet.max_row
    for cell in sheet[heading_row]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(
            [
                cell_value(row.reference),
                cell_value(row.name),
                cell_value(row.theme),
                _("Yes") if row.is_applicable else _("No"),
                cell_value(row.justification),
                cell_value(row.status),
                cell_value(row.controls),
                cell_value(row.evidence),
                cell_value(row.assessed_by),
                cell_value(row.assessed_at),
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = wrap
    for index, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[chr(ord("A") + index - 1)].width = width
    sheet.freeze_panes = sheet.cell(row=heading_row + 1, column=1)
    last_column = chr(ord("A") + len(headings) - 1)
    sheet.auto_filter.ref = f"A{heading_row}:{last_column}{max(sheet.max_row, heading_row)}"
    workbook.save(target)
    record_report(assessment, by=by, report="statement-of-applicability", rows=len(rows))
    return len(rows)
