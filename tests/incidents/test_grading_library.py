"""The incident-response library: the two kinds it adds (`incident_categories`,
`grading_thresholds`), loading the shipped file, reloading it, a newer version, and the
refusals of the parsers and the loader."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from garrison.core.audit import history_of
from garrison.core.models import Person
from garrison.incidents.models import GradingThreshold, Incident, IncidentCategory
from garrison.library import format as library_format
from garrison.library import registry
from garrison.library.services import LoadStatus, load_library
from garrison.library.shipped import shipped_library_paths
from tests.incidents.conftest import shanghai
from tests.incidents.grading_support import *  # noqa: F403
from tests.incidents.grading_support import LIBRARY_URN, SHIPPED_LIBRARY

pytestmark = pytest.mark.django_db

CATEGORY_CODES = ["MP", "NA", "DS", "IC", "DE", "RO", "SHE", "AB", "FOC", "OTH"]


def small_library(version: int = 1, threshold: int = 1000, extra: str = "") -> str:
    return f"""
urn: urn:example:library:incidents
version: {version}
name: Example incident library
objects:
  incident_categories:
    - urn: urn:example:incident-category:xa
      code: XA
      name: Example category
      name_zh: 示例类别
      subcategories:
        - urn: urn:example:incident-category:xa-one
          code: XA-ONE
          name: First example
{extra}
  grading_thresholds:
    - urn: urn:example:grading-threshold:loss
      metric: direct_loss_cny
      threshold: {threshold}
      grade: major
      source: Example rule
      effective_from: 2025-11-01
"""


def test_the_shipped_library_is_among_the_shipped_files() -> None:
    assert SHIPPED_LIBRARY.resolve() in shipped_library_paths()


def test_loading_the_shipped_library_writes_ten_categories_their_subcategories_and_thresholds() -> None:
    result = load_library(SHIPPED_LIBRARY, by=None)
    assert result.status == LoadStatus.ADDED, result.errors
    top = IncidentCategory.objects.filter(parent__isnull=True).order_by("order")
    assert [category.code for category in top] == CATEGORY_CODES
    assert all(category.library_urn == LIBRARY_URN for category in IncidentCategory.objects.all())
    malicious = IncidentCategory.objects.get(code="MP")
    assert malicious.name_zh == "恶意程序事件"
    assert malicious.name == "Malicious program incident"
    ransomware = IncidentCategory.objects.get(code="MP-RW")
    assert ransomware.parent == malicious
    assert ransomware.name_zh == "勒索软件事件"
    assert IncidentCategory.objects.get(code="NA-DOS").parent.code == "NA"
    assert IncidentCategory.objects.get(code="DS-LK").name_zh == "数据泄露事件"
    assert malicious.subcategories.count() == 10
    assert IncidentCategory.objects.get(code="OTH").subcategories.count() == 0
    every_sub = IncidentCategory.objects.filter(parent__isnull=False)
    assert all(sub.code.startswith(f"{sub.parent.code}-") and sub.name_zh for sub in every_sub)
    assert GradingThreshold.objects.count() == 17
    pi = GradingThreshold.objects.filter(metric="personal_information_people").order_by("threshold")
    assert [(int(item.threshold), item.grade) for item in pi] == [
        (1_000_000, "relatively_major"),
        (10_000_000, "major"),
        (100_000_000, "especially_major"),
    ]
    assert {item.effective_from for item in GradingThreshold.objects.all()} == {dt.date(2025, 11, 1)}
    assert all("国家网络安全事件报告管理办法" in item.source for item in GradingThreshold.objects.all())
    outage = GradingThreshold.objects.get(metric="cii_full_outage_minutes", grade="especially_major")
    assert outage.threshold == Decimal(360)


def test_reloading_the_shipped_library_changes_nothing() -> None:
    load_library(SHIPPED_LIBRARY, by=None)
    events = history_of(IncidentCategory.objects.get(code="MP")).count()
    again = load_library(SHIPPED_LIBRARY, by=None)
    assert again.status == LoadStatus.UNCHANGED
    assert IncidentCategory.objects.count() == 85
    assert GradingThreshold.objects.count() == 17
    assert history_of(IncidentCategory.objects.get(code="MP")).count() == events


def test_a_newer_version_updates_thresholds_and_grades_open_cases_again(
    organisation: Any, handler: Person
) -> None:
    assert load_library(small_library().encode(), by=None).status == LoadStatus.ADDED
    category = IncidentCategory.objects.get(code="XA")
    case = Incident.objects.create(
        reference="INC-L1",
        title="Loss",
        category=category,
        discovered_at=shanghai(2026, 3, 2),
        handler=handler,
        unit=organisation.beijing,
        direct_loss_cny=Decimal(500),
    )
    result = load_library(small_library(version=2, threshold=400).encode(), by=None)
    assert result.status == LoadStatus.UPGRADED, result.errors
    assert result.kinds["grading_thresholds"].changed == {"urn:example:grading-threshold:loss": ["threshold"]}
    case.refresh_from_db()
    assert case.proposed_grade == "major"
    assert case.grading_basis[0]["threshold"] == 400


def test_a_subcategory_dropped_by_a_newer_version_is_kept_and_reported() -> None:
    extra = """        - urn: urn:example:incident-category:xa-two
          code: XA-TWO
          name: Second example"""
    load_library(small_library(extra=extra).encode(), by=None)
    result = load_library(small_library(version=2).encode(), by=None)
    assert result.kinds["incident_categories"].removed == ["urn:example:incident-category:xa-two"]
    assert IncidentCategory.objects.filter(code="XA-TWO").exists()


def test_a_code_held_by_another_category_refuses_the_load(categories: Any) -> None:
    result = load_library(SHIPPED_LIBRARY, by=None)
    assert result.status == LoadStatus.REFUSED
    assert any(
        "code: MP is already used by urn:test:incident-category:mp" in error for error in result.errors
    )
    assert not GradingThreshold.objects.exists()
    assert not IncidentCategory.objects.filter(library_urn=LIBRARY_URN).exists()


def test_only_someone_who_changes_incidents_and_the_organisation_everywhere_loads_it(
    security_officer: Person, administrator: Person
) -> None:
    with pytest.raises(PermissionDenied):
        load_library(SHIPPED_LIBRARY, by=security_officer)
    assert not IncidentCategory.objects.exists()
    assert load_library(SHIPPED_LIBRARY, by=administrator).status == LoadStatus.ADDED


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"metric": "people"}, "metric: 'people' must be one of"),
        ({"grade": "general"}, "grade: 'general' must be one of"),
        ({"threshold": 0}, "threshold: must be a number greater than zero"),
        ({"threshold": "many"}, "threshold: 'many' is not a number"),
        ({"threshold": "1.234"}, "at most 18 digits before the point and 2 after it"),
        ({"effective_from": None}, "effective_from: required"),
        ({"effective_until": "2025-10-01"}, "effective_until: must not be before effective_from"),
        ({"effective_until": "soon"}, "effective_until: 'soon' is not a date"),
        ({"source": ""}, "source: required"),
        ({"colour": "red"}, "colour: unknown field"),
    ],
)
def test_the_threshold_parser_names_each_problem(change: dict[str, Any], message: str) -> None:
    raw: dict[str, Any] = {
        "urn": "urn:example:grading-threshold:x",
        "metric": "direct_loss_cny",
        "threshold": 10,
        "grade": "major",
        "source": "Example",
        "effective_from": dt.date(2025, 11, 1),
    }
    raw.update(change)
    problems = library_format.Problems(raw["urn"])
    assert registry.parsers()["grading_thresholds"](raw, problems) is None
    assert any(message in str(error) for error in problems.errors), [str(e) for e in problems.errors]


def test_the_category_parser_names_the_subcategory_at_fault() -> None:
    raw = {
        "urn": "urn:example:incident-category:xb",
        "code": "XB",
        "name": "Example",
        "subcategories": [
            {"urn": "urn:example:incident-category:xb-1", "code": "XB-1", "name": "One"},
            {"urn": "urn:example:incident-category:xb-2", "code": "XB-1", "name": "Two"},
            {"urn": "urn:example:incident-category:xb-3", "code": "xb 3"},
        ],
    }
    problems = library_format.Problems(raw["urn"])
    assert registry.parsers()["incident_categories"](raw, problems) is None
    messages = [str(error) for error in problems.errors]
    assert any("xb-2: code XB-1 is used by the category" in message for message in messages), messages
    assert any("xb-3: code 'xb 3' must be capital letters" in message for message in messages), messages
    assert any("xb-3: name required" in message for message in messages), messages
