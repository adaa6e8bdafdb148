"""The applied-control and testing-calendar pages: lists with filters and export, detail
pages, forms through the services, refusals, and the Controls sections elsewhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garrison.compliance.models import AppliedControl, ControlTest, Finding
from tests.compliance.controls_support import *  # noqa: F403


def _client(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_list_filters_by_framework_and_exports(make_control: Any, manager: Any, library: Any) -> None:
    mapped = make_control("Policy management", requirements=[library.security_policy])
    make_control("Screening", requirements=[library.screening])
    client = _client(manager)

    page = client.get(reverse("compliance:control-list"), {"framework": library.mlps.pk})
    exported = client.get(reverse("compliance:control-list"), {"framework": library.mlps.pk, "export": "csv"})

    assert page.status_code == 200
    assert mapped.reference in page.content.decode()
    assert "Screening" not in page.content.decode()
    text = b"".join(exported.streaming_content if exported.streaming else [exported.content]).decode(
        "utf-8-sig"
    )
    assert mapped.reference in text
    assert "Screening" not in text


def test_the_list_shows_nothing_of_another_site(make_control: Any, shanghai_manager: Any) -> None:
    control = make_control()

    page = _client(shanghai_manager).get(reverse("compliance:control-list"))

    assert control.reference not in page.content.decode()


def test_the_detail_page_groups_requirements_by_framework(
    make_control: Any, auditor: Any, library: Any, beijing_asset: Any
) -> None:
    control = make_control(
        requirements=[library.policy_document, library.security_policy], assets=[beijing_asset]
    )

    page = _client(auditor).get(reverse("compliance:control-detail", args=[control.pk]))

    body = page.content.decode()
    assert page.status_code == 200
    assert "ISO 27001" in body
    assert "MLPS 3" in body
    assert beijing_asset.reference in body
    assert reverse("compliance:control-edit", args=[control.pk]) not in body  # the auditor reads only


def test_another_site_gets_404_for_a_control(make_control: Any, shanghai_manager: Any) -> None:
    control = make_control()

    response = _client(shanghai_manager).get(reverse("compliance:control-detail", args=[control.pk]))

    assert response.status_code == 404


def test_a_manager_creates_a_control_through_the_form(
    manager: Any, organisation: Any, tester: Any, library: Any, scenario: Any
) -> None:
    response = _client(manager).post(
        reverse("compliance:control-add"),
        {
            "name": "Policy review",
            "unit": organisation.beijing.pk,
            "owner": tester.username,
            "category": "organisational",
            "status": "implemented",
            "requirements": [library.policy_document.pk, library.security_policy.pk],
            "risks": scenario.reference,
            "test_frequency": "annually",
            "test_method": "inspection",
            "tester": tester.username,
        },
    )

    control = AppliedControl.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("compliance:control-detail", args=[control.pk])
    assert control.reference.startswith("CTL-")
    assert list(control.risks.all()) == [scenario]
    assert control.requirements.count() == 2


def test_the_form_names_a_missing_tester(manager: Any, organisation: Any, tester: Any) -> None:
    response = _client(manager).post(
        reverse("compliance:control-add"),
        {
            "name": "Policy review",
            "unit": organisation.beijing.pk,
            "owner": tester.username,
            "category": "organisational",
            "status": "implemented",
            "test_frequency": "annually",
            "test_method": "inspection",
        },
    )

    assert response.status_code == 400
    assert "Name the tester" in response.content.decode()
    assert not AppliedControl.objects.exists()


def test_an_auditor_cannot_open_the_create_form(auditor: Any) -> None:
    assert _client(auditor).get(reverse("compliance:control-add")).status_code == 404


def test_another_site_cannot_edit_or_delete(make_control: Any, shanghai_manager: Any) -> None:
    control = make_control()
    client = _client(shanghai_manager)

    edit = client.post(reverse("compliance:control-edit", args=[control.pk]), {"name": "Mine"})
    delete = client.post(reverse("compliance:control-delete", args=[control.pk]))

    assert (edit.status_code, delete.status_code) == (404, 404)
    control.refresh_from_db()
    assert control.name == "Backup and restore test"


def test_a_manager_deletes_a_control(make_control: Any, manager: Any) -> None:
    control = make_control()

    response = _client(manager).post(
        reverse("compliance:control-delete", args=[control.pk]), {"reason": "Twice"}
    )

    assert response.status_code == 302
    assert not AppliedControl.objects.exists()


def test_the_calendar_lists_overdue_tests(make_control: Any, manager: Any) -> None:
    control = make_control()
    today = timezone.localdate()
    overdue = ControlTest.objects.create(
        control=control, due_on=today.replace(year=today.year - 1), method="inspection"
    )
    ControlTest.objects.create(control=control, due_on=today + dt.timedelta(days=5), method="inspection")

    page = _client(manager).get(reverse("compliance:control-test-list"), {"calendar": "overdue"})

    body = page.content.decode()
    assert page.status_code == 200
    assert overdue.due_on.isoformat() in body
    assert (today + dt.timedelta(days=5)).isoformat() not in body


def test_the_tester_completes_a_failed_test_on_its_page(make_control: Any, tester: Any) -> None:
    test = ControlTest.objects.create(
        control=make_control(), due_on=timezone.localdate(), method="inspection", tester=tester
    )
    client = _client(tester)

    detail = client.get(reverse("compliance:control-test-detail", args=[test.pk]))
    response = client.post(
        reverse("compliance:control-test-complete", args=[test.pk]),
        {"result": "failed", "performed_on": timezone.localdate().isoformat(), "notes": "No restore log"},
    )

    assert detail.status_code == 200
    assert "Record the result" in detail.content.decode()
    assert response.status_code == 302
    assert Finding.objects.filter(control_test=test).exists()
    again = client.get(reverse("compliance:control-test-detail", args=[test.pk])).content.decode()
    assert "Completed: read-only" in again
    assert reverse("compliance:control-test-edit", args=[test.pk]) not in again


def test_a_completed_test_cannot_be_completed_again(make_control: Any, tester: Any) -> None:
    test = ControlTest.objects.create(
        control=make_control(),
        due_on=timezone.localdate(),
        method="inspection",
        result="passed",
        tester=tester,
    )

    response = _client(tester).post(
        reverse("compliance:control-test-complete", args=[test.pk]),
        {"result": "failed", "performed_on": timezone.localdate().isoformat(), "notes": "x"},
    )

    assert response.status_code == 302
    test.refresh_from_db()
    assert test.result == "passed"
    assert not Finding.objects.exists()


def test_risk_asset_and_requirement_pages_list_linked_controls(
    make_control: Any, auditor: Any, library: Any, beijing_asset: Any, scenario: Any
) -> None:
    control = make_control(requirements=[library.policy_document], assets=[beijing_asset], risks=[scenario])
    client = _client(auditor)

    for url in (
        reverse("risks:risk-detail", args=[scenario.pk]),
        reverse("assets:asset-detail", args=[beijing_asset.pk]),
        reverse("compliance:requirement-detail", args=[library.policy_document.pk]),
    ):
        body = client.get(url).content.decode()
        assert reverse("compliance:control-detail", args=[control.pk]) in body, url
