"""The grading API: categories (read-only, bilingual, nested), grading thresholds
(Administrators write them, everyone in the organisation reads them) and the grade of a
case (GET the proposal, POST confirm or override)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from garrison.core.models import Person
from garrison.incidents.models import GradingThreshold
from tests.incidents.grading_support import *  # noqa: F403

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/incidents/categories/"
THRESHOLDS = "/api/incidents/grading-thresholds/"


def grade_url(pk: int) -> str:
    return f"/api/incidents/incidents/{pk}/grade/"


@pytest.fixture
def quiet_obligations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "garrison.incidents.services.obligations.recompute_obligations",
        lambda incident, *, by, now=None: None,
    )


def test_categories_are_listed_with_their_subcategories_in_both_languages(
    api: Any, handler: Person, categories: Any
) -> None:
    response = api.as_(handler).get(CATEGORIES)
    assert response.status_code == 200
    rows = response.data["results"]
    assert [row["code"] for row in rows] == ["MP", "NA", "DS"]
    assert rows[0]["subcategories"][0]["code"] == "MP-RW"
    assert {"name", "name_zh", "description", "description_zh"} <= set(rows[0])
    everything = api.get(CATEGORIES, {"all": "true"}).data["results"]
    assert len(everything) == 6
    detail = api.get(f"{CATEGORIES}{categories['DS-LK'].pk}/").data
    assert detail["parent"] == categories["DS"].pk
    assert api.get(CATEGORIES, {"code": "NA-DOS"}).data["results"][0]["parent"] == categories["NA"].pk


def test_categories_are_read_only_and_hidden_from_who_does_not_read_incidents(
    api: Any, handler: Person, colleague: Person, categories: Any
) -> None:
    assert api.as_(handler).post(CATEGORIES, {"code": "XX", "name": "New"}, format="json").status_code == 405
    assert api.as_(colleague).get(CATEGORIES).data["results"] == []
    assert api.get(f"{CATEGORIES}{categories['MP'].pk}/").status_code == 404
    assert api.as_(None).get(CATEGORIES).status_code in (401, 403)


def test_an_administrator_creates_changes_and_retires_a_threshold(
    api: Any, administrator: Person, thresholds: Any
) -> None:
    payload = {
        "metric": "direct_loss_cny",
        "threshold": "2000000.00",
        "grade": "relatively_major",
        "source": "Group policy",
        "effective_from": "2026-01-01",
        "reason": "Stricter than the guide",
    }
    created = api.as_(administrator).post(THRESHOLDS, payload, format="json")
    assert created.status_code == 201, created.data
    pk = created.data["id"]
    assert created.data["library_urn"] == ""
    retired = api.patch(f"{THRESHOLDS}{pk}/", {"effective_until": "2026-06-30"}, format="json")
    assert retired.status_code == 200, retired.data
    assert retired.data["effective_until"] == "2026-06-30"
    history = api.get(f"{THRESHOLDS}{pk}/history/").data["results"]
    assert [event["action"] for event in history] == ["update", "create"]
    assert api.delete(f"{THRESHOLDS}{pk}/").status_code == 204


def test_thresholds_answer_400_naming_the_field(api: Any, administrator: Person) -> None:
    payload = {
        "metric": "direct_loss_cny",
        "threshold": "10",
        "grade": "major",
        "source": "Group policy",
        "effective_from": "2026-01-01",
        "effective_until": "2025-01-01",
    }
    response = api.as_(administrator).post(THRESHOLDS, payload, format="json")
    assert response.status_code == 400
    assert "effective_until" in response.data
    assert not GradingThreshold.objects.exists()


def test_others_read_thresholds_but_cannot_write_them(
    api: Any, security_officer: Person, owner: Person, auditor: Person, colleague: Person, thresholds: Any
) -> None:
    item = thresholds[0]
    before = item.threshold
    for person in (security_officer, owner, auditor, colleague):
        client = api.as_(person)
        assert client.get(THRESHOLDS).data["count"] == 17
        assert client.post(THRESHOLDS, {"metric": "direct_loss_cny"}, format="json").status_code == 403
        assert client.patch(f"{THRESHOLDS}{item.pk}/", {"threshold": "1"}, format="json").status_code == 404
        assert client.delete(f"{THRESHOLDS}{item.pk}/").status_code == 404
    item.refresh_from_db()
    assert item.threshold == before != Decimal(1)
    assert GradingThreshold.objects.count() == 17


def test_the_grade_of_a_case_shows_the_proposal_and_confirms_it(
    api: Any, handler: Person, thresholds: Any, make_incident: Any, quiet_obligations: None
) -> None:
    case = make_incident(personal_information_people=1_200_000, proposed_grade="relatively_major")
    case.grading_basis = [
        {
            "metric": "personal_information_people",
            "value": 1200000,
            "threshold": 1000000,
            "grade": "relatively_major",
            "source": "guide",
        }
    ]
    case.save()
    shown = api.as_(handler).get(grade_url(case.pk))
    assert shown.status_code == 200
    assert shown.data["proposed_grade"] == "relatively_major"
    assert shown.data["grading_basis"][0]["threshold"] == 1_000_000
    assert shown.data["grade"] == ""
    refused = api.post(grade_url(case.pk), {"grade": "major"}, format="json")
    assert refused.status_code == 400
    assert "reason" in refused.data
    confirmed = api.post(grade_url(case.pk), {"grade": "major", "reason": "Children's data"}, format="json")
    assert confirmed.status_code == 200, confirmed.data
    assert confirmed.data["grade"] == "major"
    assert confirmed.data["grade_reason"] == "Children's data"
    assert confirmed.data["grade_confirmed_by"] == handler.pk
    assert confirmed.data["grade_confirmed_at"] is not None


def test_the_grade_of_a_case_out_of_reach_is_a_404(
    api: Any, outsider: Person, auditor: Person, thresholds: Any, make_incident: Any
) -> None:
    case = make_incident()
    assert api.as_(outsider).get(grade_url(case.pk)).status_code == 404
    assert api.as_(outsider).post(grade_url(case.pk), {"grade": "general"}, format="json").status_code == 404
    # The auditor reads the case but changes nothing.
    assert api.as_(auditor).get(grade_url(case.pk)).status_code == 200
    assert api.as_(auditor).post(grade_url(case.pk), {"grade": "general"}, format="json").status_code == 404
    case.refresh_from_db()
    assert case.grade == ""
