"""The grading pages: categories (English and Chinese), thresholds (Administrators edit
them), the grade form of a case and the grading card of the case page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from garrison.core.models import Person
from garrison.incidents.models import GradingThreshold, Incident, IncidentCategory
from garrison.library.services import load_library
from tests.incidents.conftest import shanghai
from tests.incidents.grading_support import *  # noqa: F403
from tests.incidents.grading_support import SHIPPED_LIBRARY

pytestmark = pytest.mark.django_db

CATEGORIES = "/incidents/categories/"
THRESHOLDS = "/incidents/grading/thresholds/"


def browser(person: Person, language: str = "") -> Client:
    client = Client()
    client.force_login(person)
    if language:
        client.cookies["django_language"] = language
    return client


@pytest.fixture
def shipped(db: Any) -> None:
    result = load_library(SHIPPED_LIBRARY, by=None)
    assert not result.is_refused, result.errors


@pytest.fixture
def quiet_obligations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "garrison.incidents.services.obligations.recompute_obligations",
        lambda incident, *, by, now=None: None,
    )


def make_case(organisation: Any, handler: Person, **fields: Any) -> Incident:
    fields.setdefault("category", IncidentCategory.objects.get(code="DS"))
    return Incident.objects.create(
        reference=fields.pop("reference", "INC-P00001"),
        title="Customer records exposed",
        discovered_at=shanghai(2026, 3, 2, 9),
        handler=handler,
        unit=organisation.beijing,
        **fields,
    )


def test_the_categories_read_in_english_and_in_chinese(shipped: None, handler: Person) -> None:
    english = browser(handler).get(CATEGORIES, {"page_size": 100})
    assert english.status_code == 200
    text = english.content.decode()
    assert "Malicious program incident" in text
    assert "Ransomware incident" in text
    assert text.index(">MP<") < text.index(">MP-RW<") < text.index(">NA<")
    chinese = browser(handler, "zh-hans").get(CATEGORIES, {"page_size": 100}).content.decode()
    assert "恶意程序事件" in chinese
    assert "勒索软件事件" in chinese
    assert "Ransomware incident" not in chinese


def test_a_category_page_lists_its_subcategories(shipped: None, handler: Person) -> None:
    category = IncidentCategory.objects.get(code="DS")
    response = browser(handler).get(f"{CATEGORIES}{category.pk}/")
    assert response.status_code == 200
    assert "Data leak incident" in response.content.decode()
    chinese = browser(handler, "zh-hans").get(f"{CATEGORIES}{category.pk}/").content.decode()
    assert "数据泄露事件" in chinese


def test_categories_are_hidden_from_who_does_not_read_incidents(shipped: None, colleague: Person) -> None:
    category = IncidentCategory.objects.get(code="DS")
    assert browser(colleague).get(f"{CATEGORIES}{category.pk}/").status_code == 404
    assert "Data security incident" not in browser(colleague).get(CATEGORIES).content.decode()


def test_an_administrator_adds_and_edits_thresholds_from_the_list(
    thresholds: Any, administrator: Person
) -> None:
    client = browser(administrator)
    listed = client.get(THRESHOLDS).content.decode()
    assert "Add threshold" in listed
    assert f"{THRESHOLDS}{thresholds[0].pk}/edit/" in listed
    form = {
        "metric": "direct_loss_cny",
        "threshold": "3000000",
        "grade": "major",
        "source": "Group policy",
        "effective_from": "2026-01-01",
        "effective_until": "",
        "notes": "",
        "reason": "Stricter",
    }
    created = client.post(f"{THRESHOLDS}new/", form)
    assert created.status_code == 302
    assert created["Location"] == THRESHOLDS
    own = GradingThreshold.objects.get(source="Group policy")
    edit = client.get(f"{THRESHOLDS}{thresholds[0].pk}/edit/")
    assert edit.status_code == 200
    assert "comes from the library" in edit.content.decode()
    refused = client.post(f"{THRESHOLDS}{own.pk}/edit/", {**form, "effective_until": "2025-01-01"})
    assert refused.status_code == 400
    assert "cannot be before" in refused.content.decode()
    own.refresh_from_db()
    assert own.effective_until is None


def test_others_see_thresholds_but_no_edit_links_and_no_forms(
    thresholds: Any, security_officer: Person, owner: Person, auditor: Person
) -> None:
    for person in (security_officer, owner, auditor):
        client = browser(person)
        listed = client.get(THRESHOLDS)
        assert listed.status_code == 200
        text = listed.content.decode()
        assert "Add threshold" not in text
        assert "/edit/" not in text
        assert client.get(f"{THRESHOLDS}new/").status_code == 404
        assert client.get(f"{THRESHOLDS}{thresholds[0].pk}/edit/").status_code == 404
        assert client.post(f"{THRESHOLDS}{thresholds[0].pk}/edit/", {"threshold": "1"}).status_code == 404
    assert GradingThreshold.objects.count() == 17


def test_the_threshold_list_reads_in_chinese(thresholds: Any, administrator: Person) -> None:
    response = browser(administrator, "zh-hans").get(THRESHOLDS)
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_the_grade_form_shows_the_proposal_and_confirms_or_overrides(
    shipped: None, organisation: Any, handler: Person, quiet_obligations: None
) -> None:
    case = make_case(organisation, handler, personal_information_people=1_200_000)
    client = browser(handler)
    shown = client.get(f"/incidents/cases/{case.pk}/grade/")
    assert shown.status_code == 200
    text = shown.content.decode()
    assert 'id="proposed-grade">Relatively major<' in text
    assert "1200000 (threshold 1000000)" in text
    assert 'value="relatively_major" selected' in text
    refused = client.post(f"/incidents/cases/{case.pk}/grade/", {"grade": "major", "reason": ""})
    assert refused.status_code == 400
    case.refresh_from_db()
    assert case.grade == ""
    done = client.post(f"/incidents/cases/{case.pk}/grade/", {"grade": "major", "reason": "Minors' data"})
    assert done.status_code == 302
    assert done["Location"] == f"/incidents/cases/{case.pk}/"
    case.refresh_from_db()
    assert (case.grade, case.grade_reason, case.grade_confirmed_by) == ("major", "Minors' data", handler)


def test_the_grade_form_is_refused_to_who_may_not_change_the_case(
    shipped: None, organisation: Any, handler: Person, auditor: Person, outsider: Person, colleague: Person
) -> None:
    case = make_case(organisation, handler)
    for person in (auditor, outsider, colleague):
        client = browser(person)
        assert client.get(f"/incidents/cases/{case.pk}/grade/").status_code == 404
        assert client.post(f"/incidents/cases/{case.pk}/grade/", {"grade": "general"}).status_code == 404
    case.refresh_from_db()
    assert case.grade == ""


def test_the_case_page_shows_the_grading_card(
    shipped: None, organisation: Any, handler: Person, auditor: Person, quiet_obligations: None
) -> None:
    case = make_case(organisation, handler, direct_loss_cny=Decimal(60_000_000))
    from garrison.incidents.services import grading

    grading.apply_proposal(case)
    case.save()
    grading.confirm_grade(case, grade="especially_major", by=handler, reason="Regulator's view")
    page = browser(handler).get(f"/incidents/cases/{case.pk}/").content.decode()
    assert 'id="grading"' in page
    assert "Especially major" in page
    assert "Overridden" in page
    assert "Regulator&#x27;s view" in page
    assert "Confirm or override the grade" in page
    assert "Direct economic loss (CNY): 60000000 (threshold 50000000)" in page
    read_only = browser(auditor).get(f"/incidents/cases/{case.pk}/").content.decode()
    assert 'id="grading"' in read_only
    assert "Confirm or override the grade" not in read_only
    chinese = browser(handler, "zh-hans").get(f"/incidents/cases/{case.pk}/")
    assert chinese.status_code == 200
