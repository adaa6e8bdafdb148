"""The controls API: CRUD with requirement, asset and risk ids, filters, export, the
testing calendar with its `complete` action, and refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from garrison.compliance.models import AppliedControl, ControlTest, Finding
from tests.compliance.controls_support import *  # noqa: F403

CONTROLS = "/api/compliance/controls/"
TESTS = "/api/compliance/control-tests/"


def test_it_creates_a_control_with_links(
    api: Any, manager: Any, organisation: Any, tester: Any, library: Any, beijing_asset: Any
) -> None:
    response = api.as_(manager).post(
        CONTROLS,
        {
            "name": "Policy review",
            "unit": organisation.beijing.pk,
            "owner": tester.pk,
            "requirements": [library.policy_document.pk, library.security_policy.pk],
            "assets": [beijing_asset.pk],
            "test_frequency": "annually",
            "tester": tester.pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["reference"].startswith("CTL-")
    assert sorted(response.json()["requirements"]) == sorted(
        [library.policy_document.pk, library.security_policy.pk]
    )


def test_it_answers_400_naming_the_field(api: Any, manager: Any, organisation: Any, tester: Any) -> None:
    response = api.as_(manager).post(
        CONTROLS,
        {"name": "X", "unit": organisation.beijing.pk, "owner": tester.pk, "test_frequency": "monthly"},
        format="json",
    )

    assert response.status_code == 400
    assert "tester" in response.json()
    assert not AppliedControl.objects.exists()


def test_it_refuses_creating_in_another_site(
    api: Any, shanghai_manager: Any, organisation: Any, tester: Any
) -> None:
    response = api.as_(shanghai_manager).post(
        CONTROLS, {"name": "X", "unit": organisation.beijing.pk, "owner": tester.pk}, format="json"
    )

    assert response.status_code == 400
    assert not AppliedControl.objects.exists()


def test_an_auditor_reads_but_cannot_write(api: Any, auditor: Any, make_control: Any) -> None:
    control = make_control()
    client = api.as_(auditor)

    assert client.get(f"{CONTROLS}{control.pk}/").status_code == 200
    assert client.patch(f"{CONTROLS}{control.pk}/", {"name": "Changed"}, format="json").status_code == 404
    assert client.delete(f"{CONTROLS}{control.pk}/").status_code == 404
    control.refresh_from_db()
    assert control.name == "Backup and restore test"


def test_it_filters_by_framework_and_exports(api: Any, manager: Any, make_control: Any, library: Any) -> None:
    mapped = make_control("Policy", requirements=[library.security_policy])
    make_control("Screening", requirements=[library.screening])
    client = api.as_(manager)

    listed = client.get(CONTROLS, {"framework": library.mlps.pk}).json()["results"]
    exported = client.get(f"{CONTROLS}export/", {"framework": library.mlps.pk, "file_format": "csv"})

    assert [item["reference"] for item in listed] == [mapped.reference]
    assert exported.status_code == 200
    assert mapped.reference in b"".join(exported.streaming_content).decode("utf-8-sig")


def test_it_patches_links_and_deletes(api: Any, manager: Any, make_control: Any, library: Any) -> None:
    control = make_control()
    client = api.as_(manager)

    patched = client.patch(
        f"{CONTROLS}{control.pk}/", {"requirements": [library.screening.pk]}, format="json"
    )
    deleted = client.delete(f"{CONTROLS}{control.pk}/")

    assert patched.status_code == 200
    assert patched.json()["requirements"] == [library.screening.pk]
    assert deleted.status_code == 204
    assert not AppliedControl.objects.exists()


def test_the_tester_completes_a_test_and_it_is_read_only(api: Any, tester: Any, make_control: Any) -> None:
    test = ControlTest.objects.create(
        control=make_control(), due_on=timezone.localdate(), method="inspection", tester=tester
    )
    client = api.as_(tester)

    done = client.post(
        f"{TESTS}{test.pk}/complete/",
        {"result": "failed", "performed_on": timezone.localdate().isoformat(), "notes": "Restore failed"},
        format="json",
    )
    patched = client.patch(f"{TESTS}{test.pk}/", {"due_on": "2030-01-01"}, format="json")
    again = client.post(
        f"{TESTS}{test.pk}/complete/",
        {"result": "passed", "performed_on": timezone.localdate().isoformat()},
        format="json",
    )

    assert done.status_code == 200
    assert done.json()["result"] == "failed"
    assert Finding.objects.filter(control_test=test).count() == 1
    assert patched.status_code == 400
    assert again.status_code == 400
    test.refresh_from_db()
    assert test.result == "failed"
    assert test.due_on == timezone.localdate()


def test_another_site_cannot_complete_a_test(api: Any, shanghai_manager: Any, make_control: Any) -> None:
    test = ControlTest.objects.create(
        control=make_control(), due_on=timezone.localdate(), method="inspection"
    )

    response = api.as_(shanghai_manager).post(
        f"{TESTS}{test.pk}/complete/",
        {"result": "passed", "performed_on": timezone.localdate().isoformat()},
        format="json",
    )

    assert response.status_code == 404
    test.refresh_from_db()
    assert test.result == "scheduled"


def test_the_calendar_filters_overdue_tests(api: Any, manager: Any, make_control: Any) -> None:
    control = make_control()
    today = timezone.localdate()
    overdue = ControlTest.objects.create(
        control=control, due_on=today.replace(year=today.year - 1), method="inspection"
    )
    ControlTest.objects.create(control=control, due_on=today + dt.timedelta(days=5), method="inspection")

    listed = api.as_(manager).get(TESTS, {"calendar": "overdue"}).json()["results"]

    assert [item["id"] for item in listed] == [overdue.pk]
