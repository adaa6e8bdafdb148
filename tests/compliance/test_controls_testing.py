"""The control-testing calendar: scheduling ahead of time, completing tests (read-only
afterwards, failures open nonconformities), reminders and the daily job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone

from garrison.compliance.models import ControlTest, Finding
from garrison.compliance.services.testing import complete_test, schedule_tests, update_test
from garrison.core.models import Notification
from garrison.core.scheduling import run_job
from tests.compliance.controls_support import *  # noqa: F403

TODAY = dt.date(2026, 3, 1)


def test_it_schedules_tests_within_the_horizon_from_the_implementation_date(make_control: Any) -> None:
    control = make_control(test_frequency="monthly", implemented_on=dt.date(2026, 2, 15))

    created = schedule_tests(TODAY, horizon_days=60)

    assert [test.due_on for test in created] == [dt.date(2026, 3, 15), dt.date(2026, 4, 15)]
    assert all(test.tester == control.tester and test.method == control.test_method for test in created)


def test_scheduling_again_creates_nothing_new(make_control: Any) -> None:
    make_control(test_frequency="monthly", implemented_on=dt.date(2026, 2, 15))
    schedule_tests(TODAY)

    assert schedule_tests(TODAY) == []
    assert ControlTest.objects.count() == 2


def test_the_next_test_follows_the_last_one(make_control: Any) -> None:
    control = make_control(test_frequency="quarterly", implemented_on=None)
    ControlTest.objects.create(control=control, due_on=dt.date(2026, 2, 10), method="inspection")

    created = schedule_tests(TODAY, horizon_days=120)

    assert [test.due_on for test in created] == [dt.date(2026, 5, 10)]


def test_a_control_without_a_date_is_first_tested_a_period_from_today(make_control: Any) -> None:
    make_control(test_frequency="monthly", implemented_on=None, status="in_progress")

    created = schedule_tests(TODAY, horizon_days=40)

    assert [test.due_on for test in created] == [TODAY + relativedelta(months=1)]


def test_planned_retired_and_untested_controls_get_no_tests(make_control: Any) -> None:
    make_control("A", status="planned")
    make_control("B", status="retired")
    make_control("C", test_frequency="none", tester=None)

    assert schedule_tests(TODAY) == []


def _scheduled(control: Any, due_on: dt.date | None = None) -> ControlTest:
    return ControlTest.objects.create(
        control=control, due_on=due_on or timezone.localdate(), method="inspection", tester=control.tester
    )


def test_a_passed_test_is_read_only_afterwards(make_control: Any, tester: Any) -> None:
    test = _scheduled(make_control())

    complete_test(test, by=tester, result="passed", performed_on=timezone.localdate(), notes="All good")

    test.refresh_from_db()
    assert test.result == "passed"
    assert test.performed_by == tester
    assert test.completed_at is not None
    with pytest.raises(ValidationError, match="completed test cannot be changed"):
        complete_test(test, by=tester, result="failed", performed_on=timezone.localdate(), notes="x")
    with pytest.raises(ValidationError, match="completed test cannot be changed"):
        update_test(test, by=tester, due_on=timezone.localdate() + dt.timedelta(days=3))
    test.refresh_from_db()
    assert test.result == "passed"
    assert test.due_on == timezone.localdate()


def test_a_failed_test_opens_a_nonconformity_and_tells_the_owner(
    make_control: Any, tester: Any, manager: Any
) -> None:
    control = make_control(owner=manager)
    test = _scheduled(control)

    complete_test(test, by=tester, result="failed", performed_on=timezone.localdate(), notes="Restore failed")

    finding = Finding.objects.get(control_test=test)
    assert finding.control == control
    assert finding.owner == manager
    assert finding.kind == "minor"
    assert finding.reference.startswith("NC-")
    notice = Notification.objects.get(recipient=manager, kind="compliance.control-test-failed")
    assert finding.reference in notice.body


def test_a_failure_must_say_what_failed(make_control: Any, tester: Any) -> None:
    test = _scheduled(make_control())

    with pytest.raises(ValidationError) as error:
        complete_test(test, by=tester, result="failed", performed_on=timezone.localdate())

    assert "notes" in error.value.message_dict
    test.refresh_from_db()
    assert test.result == "scheduled"
    assert not Finding.objects.exists()


def test_a_test_cannot_be_performed_in_the_future(make_control: Any, tester: Any) -> None:
    test = _scheduled(make_control())

    with pytest.raises(ValidationError) as error:
        complete_test(
            test, by=tester, result="passed", performed_on=timezone.localdate() + dt.timedelta(days=1)
        )

    assert "performed_on" in error.value.message_dict


def test_the_daily_job_schedules_and_reminds_once(make_control: Any, tester: Any) -> None:
    today = timezone.localdate()
    control = make_control(test_frequency="monthly", implemented_on=today - dt.timedelta(days=27))
    overdue = _scheduled(make_control("Visitor log"), today - dt.timedelta(days=3))
    now = timezone.now()

    outcome = run_job("compliance.schedule-control-tests", now=now)

    assert outcome.status == "succeeded"
    soon = control.tests.order_by("due_on").first()
    assert soon.due_on == control.implemented_on + relativedelta(months=1)
    kinds = sorted(
        Notification.objects.filter(recipient=tester, kind__startswith="compliance.").values_list(
            "kind", "object_id"
        )
    )
    assert kinds == [
        ("compliance.control-test-due", str(soon.pk)),
        ("compliance.control-test-overdue", str(overdue.pk)),
    ]
    from garrison.compliance.tasks import schedule_control_tests

    schedule_control_tests(now)
    assert Notification.objects.filter(recipient=tester, kind__startswith="compliance.").count() == 2
    assert ControlTest.objects.filter(control=control).count() == control.tests.count()
