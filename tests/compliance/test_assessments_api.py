"""The assessment API: CRUD, coverage, setting and confirming results, and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.compliance.models import Assessment, RequirementResult, Result
from garrison.compliance.services import assessments as services
from tests.compliance import assessments_support as support
from tests.compliance.assessments_support import make_control, result_of

pytestmark = pytest.mark.django_db

# The shared fixtures, made visible to this module's tests.
assessment = support.assessment
library = support.library
manager = support.manager
shanghai_manager = support.shanghai_manager
BASE = "/api/compliance/"


def test_a_manager_creates_and_reads_an_assessment(
    api: Any, library: Any, organisation: Any, manager: Any
) -> None:
    response = api.as_(manager).post(
        f"{BASE}assessments/",
        {"name": "ISO", "framework": library.iso.pk, "unit": organisation.beijing.pk, "lead": manager.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = Assessment.objects.get(pk=response.json()["id"])
    assert created.results.count() == 3
    listed = api.get(f"{BASE}assessments/").json()
    assert [item["reference"] for item in listed["results"]] == [created.reference]
    assert listed["results"][0]["progress"] == 0.0


def test_creating_out_of_reach_is_refused(api: Any, library: Any, organisation: Any, manager: Any) -> None:
    response = api.as_(manager).post(
        f"{BASE}assessments/",
        {"name": "ISO", "framework": library.iso.pk, "unit": organisation.shanghai.pk, "lead": manager.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "unit" in response.json()
    assert not Assessment.objects.exists()


def test_the_auditor_may_not_create(api: Any, library: Any, organisation: Any, auditor: Any) -> None:
    response = api.as_(auditor).post(
        f"{BASE}assessments/",
        {"name": "ISO", "framework": library.iso.pk, "unit": organisation.beijing.pk, "lead": auditor.pk},
        format="json",
    )
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_coverage_gives_every_node(api: Any, assessment: Any, library: Any, manager: Any) -> None:
    services.set_result(result_of(assessment, library.policy_document), by=manager, result=Result.COMPLIANT)
    data = api.as_(manager).get(f"{BASE}assessments/{assessment.pk}/coverage/").json()
    assert data["total"]["assessed"] == 1
    assert data["total"]["score"] == 100.0
    by_node = {node["requirement"]: node for node in data["nodes"]}
    assert len(by_node) == 6
    assert by_node[library.organisational.pk]["progress"] == 50.0
    assert by_node[library.people.pk]["score"] is None


def test_patch_sets_a_result_through_the_service(
    api: Any, assessment: Any, library: Any, organisation: Any, manager: Any
) -> None:
    control = make_control(organisation.beijing, manager, "CTL-1")
    row = result_of(assessment, library.screening)
    url = f"{BASE}requirement-results/{row.pk}/"
    refused = api.as_(manager).patch(url, {"result": Result.NOT_APPLICABLE}, format="json")
    assert refused.status_code == 400
    assert "justification" in refused.json()
    done = api.patch(url, {"result": Result.PARTIAL, "controls": [control.pk]}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["controls"] == [control.pk]
    row.refresh_from_db()
    assert row.result == Result.PARTIAL


def test_results_out_of_reach_are_404_and_unchanged(
    api: Any, assessment: Any, library: Any, shanghai_manager: Any
) -> None:
    row = result_of(assessment, library.screening)
    client = api.as_(shanghai_manager)
    assert (
        client.patch(
            f"{BASE}requirement-results/{row.pk}/", {"result": "compliant"}, format="json"
        ).status_code
        == 404
    )
    assert client.post(f"{BASE}requirement-results/{row.pk}/confirm/").status_code == 404
    assert client.post(f"{BASE}assessments/{assessment.pk}/confirm-inferred/").status_code == 404
    assert client.delete(f"{BASE}assessments/{assessment.pk}/").status_code == 404
    row.refresh_from_db()
    assert row.result == Result.NOT_ASSESSED
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_the_auditor_reads_results_but_may_not_set_them(
    api: Any, assessment: Any, library: Any, auditor: Any
) -> None:
    row = result_of(assessment, library.screening)
    client = api.as_(auditor)
    listed = client.get(
        f"{BASE}requirement-results/", {"assessment": assessment.pk, "result": "not_assessed"}
    )
    assert listed.json()["count"] == 3
    assert (
        client.patch(
            f"{BASE}requirement-results/{row.pk}/", {"result": "compliant"}, format="json"
        ).status_code
        == 404
    )
    row.refresh_from_db()
    assert row.result == Result.NOT_ASSESSED


def test_confirm_actions(api: Any, assessment: Any, library: Any, manager: Any) -> None:
    rows = list(assessment.results.order_by("requirement__order"))
    RequirementResult.objects.filter(pk__in=[row.pk for row in rows]).update(
        result=Result.COMPLIANT, is_inferred=True
    )
    client = api.as_(manager)
    one = client.post(f"{BASE}requirement-results/{rows[0].pk}/confirm/", {}, format="json")
    assert one.status_code == 200
    assert one.json()["is_inferred"] is False
    listed = client.get(f"{BASE}requirement-results/", {"assessment": assessment.pk, "inferred": "true"})
    assert listed.json()["count"] == 2
    rest = client.post(f"{BASE}assessments/{assessment.pk}/confirm-inferred/", {}, format="json")
    assert rest.json() == {"confirmed": 2}


def test_status_action_completes_only_when_everything_is_assessed(
    api: Any, assessment: Any, manager: Any
) -> None:
    client = api.as_(manager)
    refused = client.post(
        f"{BASE}assessments/{assessment.pk}/status/", {"transition": "complete"}, format="json"
    )
    assert refused.status_code == 400
    assessment.results.update(result=Result.COMPLIANT)
    done = client.post(
        f"{BASE}assessments/{assessment.pk}/status/", {"transition": "complete"}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    assert done.json()["score"] == 100.0
