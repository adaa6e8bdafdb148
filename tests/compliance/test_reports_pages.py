"""The report downloads and the inference form, on the web pages and through the API, for a
compliance manager, an auditor (reads only) and people out of reach."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from garrison.compliance.models import RequirementResult, Result
from garrison.core.exports import XLSX_CONTENT_TYPE
from garrison.core.models import AuditEvent
from tests.compliance.framework_library import Library, build_library
from tests.compliance.reports_support import load_iso_and_mlps, make_assessment, result_of, set_result


@pytest.fixture
def library(db: Any) -> Library:
    return build_library()


@pytest.fixture
def pair(library: Library, organisation: Any, compliance_manager: Any) -> tuple[Any, Any]:
    """An ISO assessment with A.5.1 compliant, and an MLPS assessment with nothing assessed."""
    iso = make_assessment(library.iso, organisation.beijing, compliance_manager, "ASM-ISO")
    mlps = make_assessment(library.mlps, organisation.beijing, compliance_manager, "ASM-MLPS")
    set_result(iso, library.policy_document, Result.COMPLIANT, by=compliance_manager)
    return iso, mlps


def inferred_count(assessment: Any) -> int:
    return RequirementResult.objects.filter(assessment=assessment, is_inferred=True).count()


# Web pages -----------------------------------------------------------------------------------


def test_the_statement_of_applicability_downloads_as_a_workbook(
    client: Client, organisation: Any, compliance_manager: Any
) -> None:
    iso, _mlps = load_iso_and_mlps()
    assessment = make_assessment(iso, organisation.beijing, compliance_manager, "ASM-0001")
    client.force_login(compliance_manager)

    response = client.get(reverse("compliance:assessment-soa", args=[assessment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "ASM-0001-statement-of-applicability.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    assert sheet is not None
    assert sheet.max_row == 9 + 93


def test_a_statement_for_another_framework_returns_to_the_assessment_saying_why(
    client: Client, pair: tuple[Any, Any], compliance_manager: Any
) -> None:
    client.force_login(compliance_manager)
    _iso, mlps = pair
    response = client.get(reverse("compliance:assessment-soa", args=[mlps.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("compliance:assessment-detail", args=[mlps.pk])
    assert "ISO/IEC 27001:2022 assessments only" in response.content.decode()


def test_the_oscal_document_downloads_as_json(client: Client, pair: tuple[Any, Any], auditor: Any) -> None:
    iso, _mlps = pair
    client.force_login(auditor)
    response = client.get(reverse("compliance:assessment-oscal", args=[iso.pk]))
    assert response.status_code == 200
    assert "ASM-ISO-assessment-results.json" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert len(document["assessment-results"]["results"][0]["findings"]) == 1


def test_people_out_of_reach_get_no_report(
    client: Client, pair: tuple[Any, Any], outsider: Any, colleague: Any
) -> None:
    iso, _mlps = pair
    events = AuditEvent.objects.count()
    for person in (outsider, colleague):
        client.force_login(person)
        for name in (
            "compliance:assessment-oscal",
            "compliance:assessment-soa",
            "compliance:assessment-infer",
        ):
            assert client.get(reverse(name, args=[iso.pk])).status_code == 404
    assert AuditEvent.objects.count() == events


def test_the_inference_form_offers_only_assessments_of_mapped_frameworks(
    client: Client, pair: tuple[Any, Any], library: Library, organisation: Any, compliance_manager: Any
) -> None:
    iso, mlps = pair
    other_iso = make_assessment(library.iso, organisation.beijing, compliance_manager, "ASM-ISO-2")
    client.force_login(compliance_manager)

    page = client.get(reverse("compliance:assessment-infer", args=[mlps.pk])).content.decode()

    assert f'value="{iso.pk}"' in page
    assert f'value="{other_iso.pk}"' in page
    assert f'value="{mlps.pk}"' not in page


def test_the_inference_form_says_so_when_no_assessment_can_be_a_source(
    client: Client, library: Library, organisation: Any, compliance_manager: Any
) -> None:
    lonely = make_assessment(library.iso, organisation.beijing, compliance_manager, "ASM-ALONE")
    client.force_login(compliance_manager)
    page = client.get(reverse("compliance:assessment-infer", args=[lonely.pk])).content.decode()
    assert "There is no assessment you may see of a framework mapped to" in page
    assert "Propose results" not in page


def test_posting_the_inference_form_proposes_results_and_returns_with_the_counts(
    client: Client, pair: tuple[Any, Any], library: Library, compliance_manager: Any
) -> None:
    iso, mlps = pair
    client.force_login(compliance_manager)

    response = client.post(
        reverse("compliance:assessment-infer", args=[mlps.pk]), {"source_assessment": iso.pk}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("compliance:assessment-detail", args=[mlps.pk])
    assert "1 results proposed" in response.content.decode()
    assert result_of(mlps, library.security_policy).is_inferred


def test_an_auditor_cannot_run_inference_and_nothing_changes(
    client: Client, pair: tuple[Any, Any], auditor: Any
) -> None:
    iso, mlps = pair
    client.force_login(auditor)
    url = reverse("compliance:assessment-infer", args=[mlps.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"source_assessment": iso.pk}).status_code == 404
    assert inferred_count(mlps) == 0


def test_a_source_the_person_may_not_see_is_refused_on_the_form(
    client: Client, library: Library, organisation: Any, make_person: Any, compliance_manager: Any
) -> None:
    from garrison.core.roles import Role

    beijing_manager = make_person(
        "bj-compliance", organisation.beijing, (Role.COMPLIANCE_MANAGER, organisation.beijing)
    )
    hidden = make_assessment(library.iso, organisation.shanghai, compliance_manager, "ASM-SH")
    set_result(hidden, library.policy_document, Result.COMPLIANT, by=compliance_manager)
    target = make_assessment(library.mlps, organisation.beijing, beijing_manager, "ASM-BJ")
    client.force_login(beijing_manager)

    response = client.post(
        reverse("compliance:assessment-infer", args=[target.pk]), {"source_assessment": hidden.pk}
    )

    assert response.status_code == 400
    assert inferred_count(target) == 0


# API -----------------------------------------------------------------------------------------


def test_the_api_infers_and_answers_with_the_counts(
    api: Any, pair: tuple[Any, Any], compliance_manager: Any
) -> None:
    iso, mlps = pair
    response = api.as_(compliance_manager).post(
        f"/api/compliance/assessments/{mlps.pk}/infer/", {"source_assessment": iso.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"proposed": 1, "skipped_assessed": 0, "unchanged": 0}
    assert inferred_count(mlps) == 1


def test_the_api_refuses_inference_to_a_reader_and_changes_nothing(
    api: Any, pair: tuple[Any, Any], auditor: Any
) -> None:
    iso, mlps = pair
    response = api.as_(auditor).post(
        f"/api/compliance/assessments/{mlps.pk}/infer/", {"source_assessment": iso.pk}, format="json"
    )
    assert response.status_code == 404
    assert inferred_count(mlps) == 0


def test_the_api_answers_400_for_a_source_of_an_unmapped_or_unknown_assessment(
    api: Any, pair: tuple[Any, Any], compliance_manager: Any
) -> None:
    _iso, mlps = pair
    client = api.as_(compliance_manager)
    itself = client.post(
        f"/api/compliance/assessments/{mlps.pk}/infer/", {"source_assessment": mlps.pk}, format="json"
    )
    assert itself.status_code == 400
    assert "itself" in itself.json()["source_assessment"][0]
    unknown = client.post(
        f"/api/compliance/assessments/{mlps.pk}/infer/", {"source_assessment": 999999}, format="json"
    )
    assert unknown.status_code == 400
    assert "source_assessment" in unknown.json()
    assert inferred_count(mlps) == 0


def test_the_api_exports_oscal_and_refuses_a_statement_for_a_non_iso_framework(
    api: Any, pair: tuple[Any, Any], auditor: Any, outsider: Any
) -> None:
    iso, mlps = pair
    client = api.as_(auditor)
    oscal = client.get(f"/api/compliance/assessments/{iso.pk}/oscal/")
    assert oscal.status_code == 200
    assert json.loads(oscal.content)["assessment-results"]["import-ap"]["href"] == "#"
    refused = client.get(f"/api/compliance/assessments/{mlps.pk}/soa/")
    assert refused.status_code == 400
    assert "ISO/IEC 27001:2022 assessments only" in refused.json()["non_field_errors"][0]
    assert api.as_(outsider).get(f"/api/compliance/assessments/{iso.pk}/oscal/").status_code == 404


def test_the_api_downloads_the_statement_of_applicability(
    api: Any, organisation: Any, compliance_manager: Any
) -> None:
    iso, _mlps = load_iso_and_mlps()
    assessment = make_assessment(iso, organisation.beijing, compliance_manager, "ASM-0009")
    response = api.as_(compliance_manager).get(f"/api/compliance/assessments/{assessment.pk}/soa/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet is not None
    assert sheet["A10"].value == "A.5.1"
