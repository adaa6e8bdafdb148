"""Applied controls through their services: references, links across frameworks, reach
checks, audit, re-planning and deletion rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone

from garrison.compliance.models import AppliedControl, ControlTest, Evidence
from garrison.compliance.models import TestResult as ControlTestResult
from garrison.compliance.services.controls import create_control, delete_control, update_control
from garrison.compliance.services.testing import schedule_tests
from garrison.core.audit import history_of
from garrison.core.models.audit import AuditAction
from tests.compliance.controls_support import *  # noqa: F403


def test_it_numbers_controls_and_links_requirements_of_several_frameworks(
    manager: Any, tester: Any, organisation: Any, library: Any, beijing_asset: Any, scenario: Any
) -> None:
    control = create_control(
        by=manager,
        name="Policy management",
        unit=organisation.beijing,
        owner=tester,
        requirements=[library.policy_document, library.security_policy],
        assets=[beijing_asset],
        risks=[scenario],
    )

    assert control.reference == f"CTL-{control.pk:06d}"
    assert set(control.requirements.all()) == {library.policy_document, library.security_policy}
    assert {node.framework for node in control.requirements.all()} == {library.iso, library.mlps}
    assert list(scenario.controls.all()) == [control]
    assert list(beijing_asset.controls.all()) == [control]
    event = history_of(control).get()
    assert event.action == AuditAction.CREATE
    assert event.changes["reference"] == [None, control.reference]
    assert event.changes["requirement_references"] == [None, "ISO 27001 A.5.1, MLPS 3 8.1.6.1"]
    assert event.changes["risk_references"] == [None, scenario.reference]


def test_it_refuses_a_unit_outside_the_managers_reach(
    shanghai_manager: Any, tester: Any, organisation: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        create_control(by=shanghai_manager, name="X", unit=organisation.beijing, owner=tester)

    assert "unit" in error.value.message_dict
    assert not AppliedControl.objects.exists()


def test_it_refuses_linking_an_asset_the_manager_cannot_see(
    manager: Any, tester: Any, organisation: Any, shanghai_asset: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        create_control(by=manager, name="X", unit=organisation.beijing, owner=tester, assets=[shanghai_asset])

    assert error.value.message_dict["assets"] == [f"Asset not found: {shanghai_asset.reference}."]
    assert not AppliedControl.objects.exists()


def test_a_tested_control_needs_a_tester(manager: Any, tester: Any, organisation: Any) -> None:
    with pytest.raises(ValidationError) as error:
        create_control(
            by=manager, name="X", unit=organisation.beijing, owner=tester, test_frequency="monthly"
        )

    assert "tester" in error.value.message_dict


def test_an_update_records_link_changes_as_references(make_control: Any, manager: Any, library: Any) -> None:
    control = make_control(requirements=[library.policy_document])

    update_control(control, by=manager, requirements=[library.policy_review], reason="Re-scoped")

    event = history_of(control).first()
    assert event.action == AuditAction.UPDATE
    assert event.reason == "Re-scoped"
    assert event.changes == {"requirement_references": ["ISO 27001 A.5.1", "ISO 27001 A.5.2"]}
    assert list(control.requirements.all()) == [library.policy_review]


def test_an_update_keeps_links_the_person_cannot_see(
    make_control: Any, manager: Any, shanghai_asset: Any, beijing_asset: Any
) -> None:
    control = make_control(assets=[shanghai_asset])

    update_control(control, by=manager, assets=[beijing_asset])

    assert set(control.assets.all()) == {shanghai_asset, beijing_asset}


def test_a_new_frequency_replans_the_scheduled_tests(make_control: Any, manager: Any) -> None:
    today = timezone.localdate()
    control = make_control(test_frequency="monthly", implemented_on=today - dt.timedelta(days=40))
    schedule_tests(today)
    assert control.tests.order_by("due_on").first().due_on == today  # a month after: already past

    update_control(control, by=manager, test_frequency="quarterly")

    assert list(control.tests.values_list("due_on", flat=True)) == [
        control.implemented_on + relativedelta(months=3)
    ]
    assert history_of(control.tests.get()).get().action == AuditAction.CREATE


def test_retiring_a_control_drops_its_scheduled_tests_but_keeps_completed_ones(
    make_control: Any, manager: Any, tester: Any
) -> None:
    control = make_control()
    done = ControlTest.objects.create(
        control=control,
        due_on=timezone.localdate() - dt.timedelta(days=30),
        method="inspection",
        result=ControlTestResult.PASSED,
        performed_on=timezone.localdate() - dt.timedelta(days=29),
    )
    ControlTest.objects.create(control=control, due_on=timezone.localdate(), method="inspection")

    update_control(control, by=manager, status="retired")

    assert list(control.tests.all()) == [done]


def test_a_new_tester_is_carried_to_scheduled_tests(make_control: Any, manager: Any) -> None:
    control = make_control()
    test = ControlTest.objects.create(
        control=control, due_on=timezone.localdate(), method="inspection", tester=control.tester
    )

    update_control(control, by=manager, tester=manager)

    test.refresh_from_db()
    assert test.tester == manager


def test_it_deletes_a_control_with_its_tests(make_control: Any, manager: Any) -> None:
    control = make_control()
    ControlTest.objects.create(control=control, due_on=timezone.localdate(), method="inspection")

    delete_control(control, by=manager, reason="Entered twice")

    assert not AppliedControl.objects.exists()
    assert not ControlTest.objects.exists()


def test_it_refuses_deleting_a_control_evidence_relies_on(
    make_control: Any, manager: Any, tester: Any, organisation: Any
) -> None:
    control = make_control()
    evidence = Evidence.objects.create(
        reference="EV-1", name="Restore report", unit=organisation.beijing, owner=tester
    )
    evidence.controls.add(control)

    with pytest.raises(ValidationError) as error:
        delete_control(control, by=manager)

    assert "retire it instead" in error.value.messages[0]
    assert "1 pieces of evidence" in error.value.messages[1]
    assert AppliedControl.objects.filter(pk=control.pk).exists()
