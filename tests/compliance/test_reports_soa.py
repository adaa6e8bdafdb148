"""The Statement of Applicability of an ISO/IEC 27001 assessment, read back with openpyxl."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import load_workbook

from garrison.compliance.models import AppliedControl, Evidence, Result
from garrison.compliance.reports.soa import soa_filename, write_soa
from garrison.core.models import AuditEvent
from garrison.core.roles import Role
from tests.compliance.reports_support import load_iso_and_mlps, make_assessment, result_of, set_result

HEADING_ROW = 9


@pytest.fixture
def frameworks(db: Any) -> Any:
    return load_iso_and_mlps()


@pytest.fixture
def assessment(frameworks: Any, organisation: Any, compliance_manager: Any) -> Any:
    iso, _mlps = frameworks
    return make_assessment(
        iso, organisation.beijing, compliance_manager, "ASM-0001", scope_description="The Beijing data centre"
    )


def workbook_rows(assessment: Any, person: Any) -> list[tuple[Any, ...]]:
    target = io.BytesIO()
    write_soa(assessment, target, by=person)
    target.seek(0)
    sheet = load_workbook(target).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_statement_lists_the_93_annex_a_controls_in_reading_order_under_a_header_block(
    assessment: Any, compliance_manager: Any
) -> None:
    rows = workbook_rows(assessment, compliance_manager)

    assert rows[0][0] == "Statement of Applicability"
    header = {row[0]: row[1] for row in rows[1:7]}
    assert header["Organisation"] == "Group"
    assert header["Assessment"] == "ASM-0001 Assessment ASM-0001"
    assert header["Framework"] == "ISO/IEC 27001:2022 information security management"
    assert header["Scope"] == "Beijing site: The Beijing data centre"
    assert header["Date"] is not None
    assert header["Version"]
    assert rows[HEADING_ROW - 1][:6] == (
        "Control",
        "Name",
        "Theme",
        "Applicable",
        "Justification for inclusion or exclusion",
        "Implementation status",
    )
    controls = rows[HEADING_ROW:]
    assert len(controls) == 93
    assert [row[0] for row in controls[:3]] == ["A.5.1", "A.5.2", "A.5.3"]
    assert controls[-1][0] == "A.8.34"
    assert controls[0][1:4] == ("Security policy set", "Organisational controls", "Yes")
    assert {row[2] for row in controls} == {
        "Organisational controls",
        "People controls",
        "Physical controls",
        "Technological controls",
    }
    assert not any(str(row[0]).startswith(("4", "5", "6", "7", "8", "9", "10")) for row in controls)


def test_the_sheet_freezes_the_heading_row_filters_it_and_sets_column_widths(
    assessment: Any, compliance_manager: Any
) -> None:
    target = io.BytesIO()
    write_soa(assessment, target, by=compliance_manager)
    target.seek(0)
    sheet = load_workbook(target).active
    assert sheet is not None
    assert sheet.freeze_panes == f"A{HEADING_ROW + 1}"
    assert sheet.auto_filter.ref == f"A{HEADING_ROW}:J{HEADING_ROW + 93}"
    assert sheet.column_dimensions["B"].width == 42
    assert soa_filename(assessment) == "ASM-0001-statement-of-applicability.xlsx"


def test_each_row_tells_applicability_justification_status_controls_evidence_and_who_assessed(
    assessment: Any, organisation: Any, compliance_manager: Any
) -> None:
    excluded = set_result(
        assessment, "A.7.1", Result.NOT_APPLICABLE, by=compliance_manager, justification="No own premises."
    )
    assessed = set_result(
        assessment, "A.5.1", Result.PARTIAL, by=compliance_manager, justification="Policy awaits approval."
    )
    set_result(assessment, "A.5.2", Result.COMPLIANT, is_inferred=True, justification="Inferred from MLPS.")
    control = AppliedControl.objects.create(
        reference="CTL-000001",
        name="Policy review board",
        unit=organisation.beijing,
        owner=compliance_manager,
    )
    evidence = Evidence.objects.create(
        reference="EVD-000001", name="Signed policy", unit=organisation.beijing, owner=compliance_manager
    )
    assessed.controls.add(control)
    assessed.evidence.add(evidence)

    rows = {row[0]: row for row in workbook_rows(assessment, compliance_manager)[HEADING_ROW:]}

    assert rows["A.7.1"][3:6] == ("No", "No own premises.", "Not applicable")
    policy = rows["A.5.1"]
    assert policy[3:8] == (
        "Yes",
        "Policy awaits approval.",
        "Partially compliant",
        "CTL-000001 Policy review board",
        "EVD-000001 Signed policy",
    )
    assert policy[8] == "Compliance"
    assert policy[9] is not None
    assert rows["A.5.2"][5] == "Compliant (inferred \N{EN DASH} unconfirmed)"
    assert rows["A.5.2"][8] is None
    assert rows["A.5.3"][3:6] == ("Yes", None, "Not assessed")
    assert excluded.assessed_by == compliance_manager


def test_controls_and_evidence_the_person_may_not_see_are_left_out(
    assessment: Any, organisation: Any, compliance_manager: Any, make_person: Any
) -> None:
    reader = make_person("bj-reader", organisation.beijing, (Role.SECURITY_OFFICER, organisation.beijing))
    hidden = AppliedControl.objects.create(
        reference="CTL-000009", name="Shanghai guards", unit=organisation.shanghai, owner=compliance_manager
    )
    result_of(assessment, "A.7.1").controls.add(hidden)

    mine = {row[0]: row for row in workbook_rows(assessment, compliance_manager)[HEADING_ROW:]}
    theirs = {row[0]: row for row in workbook_rows(assessment, reader)[HEADING_ROW:]}

    assert mine["A.7.1"][6] == "CTL-000009 Shanghai guards"
    assert theirs["A.7.1"][6] is None


def test_the_statement_is_written_in_chinese_for_a_chinese_reader(
    assessment: Any, compliance_manager: Any
) -> None:
    with translation.override("zh-hans"):
        rows = workbook_rows(assessment, compliance_manager)
    assert rows[HEADING_ROW][1] == "信息安全策略"
    assert rows[HEADING_ROW][2] == "组织控制"


def test_a_text_that_looks_like_a_formula_is_written_inert(assessment: Any, compliance_manager: Any) -> None:
    set_result(
        assessment, "A.5.1", Result.NOT_APPLICABLE, by=compliance_manager, justification="=HYPERLINK(1)"
    )
    rows = workbook_rows(assessment, compliance_manager)
    assert rows[HEADING_ROW][4] == "'=HYPERLINK(1)"


def test_writing_the_statement_is_recorded_as_an_export(assessment: Any, compliance_manager: Any) -> None:
    workbook_rows(assessment, compliance_manager)
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    assert (event.action, event.object_id, event.actor_id) == (
        "export",
        str(assessment.pk),
        compliance_manager.pk,
    )
    assert event.changes == {"report": "statement-of-applicability", "rows": 93}


def test_an_assessment_of_another_framework_has_no_statement(
    frameworks: Any, organisation: Any, compliance_manager: Any
) -> None:
    _iso, mlps = frameworks
    mlps_assessment = make_assessment(mlps, organisation.beijing, compliance_manager, "ASM-0002")
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refusal:
        write_soa(mlps_assessment, io.BytesIO(), by=compliance_manager)
    assert "ISO/IEC 27001:2022 assessments only" in refusal.value.messages[0]
    assert "ASM-0002" in refusal.value.messages[0]
    assert AuditEvent.objects.count() == events
