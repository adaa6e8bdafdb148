"""The assessment pages and the compliance dashboard, through the web client."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garrison.compliance.models import Assessment, Certification, ControlTest, RequirementResult, Result
from garrison.compliance.services import assessments as services
from garrison.web.dashboard import tiles_for
from tests.compliance import assessments_support as support
from tests.compliance.assessments_support import make_control, make_evidence, result_of

pytestmark = pytest.mark.django_db

# The shared fixtures, made visible to this module's tests.
assessment = support.assessment
library = support.library
manager = support.manager
shanghai_manager = support.shanghai_manager


def client_for(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_list_shows_progress_and_score_and_exports(assessment: Any, library: Any, manager: Any) -> None:
    services.set_result(result_of(assessment, library.policy_document), by=manager, result=Result.PARTIAL)
    client = client_for(manager)
    page = client.get(reverse("compliance:assessment-list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert assessment.reference in text
    assert "33.3%" in text
    exported = client.get(reverse("compliance:assessment-list"), {"export": "csv"})
    assert exported.status_code == 200
    assert b"50.0" in b"".join(exported.streaming_content if exported.streaming else [exported.content])


def test_the_list_is_empty_for_someone_out_of_reach(assessment: Any, shanghai_manager: Any) -> None:
    page = client_for(shanghai_manager).get(reverse("compliance:assessment-list"))
    assert page.status_code == 200
    assert assessment.reference not in page.content.decode()


def test_a_manager_creates_an_assessment_through_the_form(
    library: Any, organisation: Any, manager: Any
) -> None:
    response = client_for(manager).post(
        reverse("compliance:assessment-add"),
        {
            "name": "MLPS of Beijing",
            "framework": library.mlps.pk,
            "unit": organisation.beijing.pk,
            "lead": manager.username,
            "status": "in_progress",
        },
    )
    created = Assessment.objects.get(name="MLPS of Beijing")
    assert response.status_code == 302
    assert response["Location"] == reverse("compliance:assessment-detail", args=[created.pk])
    assert created.results.count() == 2


def test_the_detail_page_shows_the_tree_figures_and_filters(
    assessment: Any, library: Any, manager: Any
) -> None:
    services.set_result(result_of(assessment, library.policy_document), by=manager, result=Result.COMPLIANT)
    row = result_of(assessment, library.screening)
    RequirementResult.objects.filter(pk=row.pk).update(result=Result.NON_COMPLIANT, is_inferred=True)
    client = client_for(manager)
    url = reverse("compliance:assessment-detail", args=[assessment.pk])
    text = client.get(url).content.decode()
    assert "Information security policies" in text
    assert "1 of 3 requirements assessed" in text
    assert reverse("compliance:assessment-result-confirm", args=[row.pk]) in text
    assert reverse("compliance:assessment-confirm-all", args=[assessment.pk]) in text
    filtered = client.get(url, {"inferred": "on"}).content.decode()
    assert "Screening of candidates" in filtered
    assert "Review of the policies" not in filtered


def test_the_result_form_saves_through_the_service(
    assessment: Any, library: Any, organisation: Any, manager: Any
) -> None:
    control = make_control(organisation.beijing, manager, "CTL-1")
    row = result_of(assessment, library.screening)
    url = reverse("compliance:assessment-result-edit", args=[row.pk])
    client = client_for(manager)
    refused = client.post(url, {"result": Result.NOT_APPLICABLE, "justification": ""})
    assert refused.status_code == 400
    assert "Say why this requirement does not apply." in refused.content.decode()
    saved = client.post(
        url, {"result": Result.PARTIAL, "justification": "Half done.", "controls": [control.pk]}
    )
    assert saved.status_code == 302
    row.refresh_from_db()
    assert (row.result, list(row.controls.all())) == (Result.PARTIAL, [control])
    detail = client.get(reverse("compliance:assessment-result-detail", args=[row.pk]))
    assert "CTL-1" in detail.content.decode()


def test_someone_out_of_reach_gets_404_and_changes_nothing(
    assessment: Any, library: Any, shanghai_manager: Any
) -> None:
    row = result_of(assessment, library.screening)
    client = client_for(shanghai_manager)
    assert client.get(reverse("compliance:assessment-detail", args=[assessment.pk])).status_code == 404
    response = client.post(
        reverse("compliance:assessment-result-edit", args=[row.pk]), {"result": "compliant"}
    )
    assert response.status_code == 404
    assert client.post(reverse("compliance:assessment-result-confirm", args=[row.pk])).status_code == 404
    assert (
        client.post(reverse("compliance:assessment-status", args=[assessment.pk, "complete"])).status_code
        == 404
    )
    row.refresh_from_db()
    assert row.result == Result.NOT_ASSESSED


def test_completing_too_early_says_how_many_are_left(assessment: Any, manager: Any) -> None:
    client = client_for(manager)
    response = client.post(
        reverse("compliance:assessment-status", args=[assessment.pk, "complete"]), follow=True
    )
    assert "3 requirements are not assessed yet" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == "in_progress"


def test_the_auditor_reads_but_may_not_edit(assessment: Any, library: Any, auditor: Any) -> None:
    client = client_for(auditor)
    page = client.get(reverse("compliance:assessment-detail", args=[assessment.pk]))
    assert page.status_code == 200
    assert reverse("compliance:assessment-edit", args=[assessment.pk]) not in page.content.decode()
    row = result_of(assessment, library.screening)
    assert client.get(reverse("compliance:assessment-result-edit", args=[row.pk])).status_code == 404


def test_the_dashboard_shows_coverage_gaps_overdue_items_and_certificates(
    assessment: Any, library: Any, organisation: Any, manager: Any
) -> None:
    today = timezone.localdate()
    services.set_result(result_of(assessment, library.screening), by=manager, result=Result.NON_COMPLIANT)
    control = make_control(organisation.beijing, manager, "CTL-7")
    ControlTest.objects.create(control=control, due_on=today - dt.timedelta(days=3), method="inspection")
    make_evidence(organisation.beijing, manager, "EVD-OLD", valid_until=today - dt.timedelta(days=1))
    Certification.objects.create(
        scheme="iso27001",
        name="ISO 27001 certificate",
        scope_description="Beijing",
        body="CQC",
        issued_on=today - dt.timedelta(days=1000),
        expires_on=today - dt.timedelta(days=2),
        unit=organisation.beijing,
        owner=manager,
    )
    text = client_for(manager).get(reverse("compliance:dashboard")).content.decode()
    assert assessment.reference in text
    assert "Screening of candidates" in text
    assert "CTL-7" in text
    assert "EVD-OLD" in text
    assert "ISO 27001 certificate" in text
    assert "Expired" in text
    tiles = {str(tile.label): tile.count for tile in tiles_for(manager)}
    assert tiles["Overdue control tests"] == 1
    assert tiles["Certificates expiring within 90 days"] == 1
    assert tiles["Compliance assessments in progress"] == 1


def test_the_dashboard_has_empty_states_for_someone_out_of_reach(
    assessment: Any, shanghai_manager: Any
) -> None:
    text = client_for(shanghai_manager).get(reverse("compliance:dashboard")).content.decode()
    assert assessment.reference not in text
    assert "No assessment yet" in text
    assert "No control test is overdue." in text
