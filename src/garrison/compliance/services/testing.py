"""The control-testing calendar: test records scheduled ahead of time from each control's
test plan, completed by the tester, read-only once completed.

`schedule_tests` is safe to run any number of times (the daily job does): a control gets
a test per due date at most (the unique constraint), and the next due date always
follows the latest test it has. A failed test opens a nonconformity and tells the
control's owner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from garrison.compliance import notifications_controls as kinds
from garrison.compliance.models import (
    COMPLETED_TEST_RESULTS,
    FREQUENCY_MONTHS,
    AppliedControl,
    ControlStatus,
    ControlTest,
    Evidence,
    TestResult,
)
from garrison.compliance.services.audits import open_nonconformity
from garrison.core import audit
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scoping import is_system, restrict
from garrison.core.services import notifications
from garrison.core.services.records import create_record
from garrison.web.links import object_url

DEFAULT_HORIZON_DAYS = 60
# Controls whose tests are planned: those running or being put in place.
TESTED_STATUSES = (ControlStatus.IMPLEMENTED, ControlStatus.IN_PROGRESS)
# Fields of a scheduled test that may still change (a completed one changes no more).
SCHEDULED_FIELDS = frozenset({"due_on", "tester", "method", "success_criteria"})
EVIDENCE_CHANGES = "evidence_references"


def is_tested(control: AppliedControl) -> bool:
    return control.status in TESTED_STATUSES and control.test_frequency in FREQUENCY_MONTHS


def due_dates(
    control: AppliedControl, *, last_due: dt.date | None, today: dt.date, until: dt.date
) -> list[dt.date]:
    """The due dates to plan for `control` up to `until`: a frequency after its latest
    test, or after it was implemented (today when it was not) for the first one. A date
    already past is brought to today, so that a gap in the plan leaves one test owed,
    not a backlog of them."""
    step = relativedelta(months=FREQUENCY_MONTHS[control.test_frequency])
    start = last_due if last_due is not None else (control.implemented_on or today)
    due = max(start + step, today)
    dates = []
    while due <= until:
        dates.append(due)
        due += step
    return dates


def _plan_test(control: AppliedControl, due_on: dt.date, *, by: Any) -> ControlTest:
    return create_record(
        ControlTest,
        by=by,
        control=control,
        due_on=due_on,
        tester=control.tester,
        method=control.test_method,
        success_criteria=control.test_success_criteria,
    )


@transaction.atomic
def schedule_control_tests(
    control: AppliedControl, *, today: dt.date, horizon_days: int = DEFAULT_HORIZON_DAYS, by: Any = None
) -> list[ControlTest]:
    """Plan the tests of one control due within `horizon_days` of `today`."""
    if not is_tested(control):
        return []
    last_due = control.tests.aggregate(last=Max("due_on"))["last"]
    until = today + dt.timedelta(days=horizon_days)
    return [
        _plan_test(control, due_on, by=by)
        for due_on in due_dates(control, last_due=last_due, today=today, until=until)
    ]


def schedule_tests(
    today: dt.date, horizon_days: int = DEFAULT_HORIZON_DAYS, *, by: Any = None
) -> list[ControlTest]:
    """Create the test records of every implemented or in-progress control with a test
    frequency, due within `horizon_days` of `today`; re-running creates nothing new."""
    until = today + dt.timedelta(days=horizon_days)
    controls = (
        AppliedControl.objects.filter(status__in=TESTED_STATUSES, test_frequency__in=list(FREQUENCY_MONTHS))
        .select_related("tester")
        .annotate(last_due=Max("tests__due_on"))
        .order_by("pk")
    )
    created: list[ControlTest] = []
    for control in controls.iterator(chunk_size=500):
        dates = due_dates(control, last_due=control.last_due, today=today, until=until)
        if dates:
            with transaction.atomic():
                created.extend(_plan_test(control, due_on, by=by) for due_on in dates)
    return created


@transaction.atomic
def replan_tests(
    control: AppliedControl, *, by: Any, frequency_changed: bool = True, today: dt.date | None = None
) -> list[ControlTest]:
    """After the test plan changed: a control no longer tested loses its scheduled tests;
    a new frequency drops the scheduled tests not yet due and plans them again; a new
    tester, method or success criteria is carried to the tests still scheduled.
    Completed tests never change."""
    today = today or timezone.localdate()
    scheduled = control.tests.filter(result=TestResult.SCHEDULED)
    if not is_tested(control):
        _delete_tests(scheduled, by=by, reason=_("The control is no longer tested."))
        return []
    if frequency_changed:
        _delete_tests(scheduled.filter(due_on__gte=today), by=by, reason=_("The test frequency changed."))
    for test in scheduled.select_related("tester"):
        _carry_plan(test, control, by=by)
    return schedule_control_tests(control, today=today, by=by)


def _carry_plan(test: ControlTest, control: AppliedControl, *, by: Any) -> None:
    before = audit.snapshot(test)
    test.tester = control.tester
    test.method = control.test_method
    test.success_criteria = control.test_success_criteria
    changes = audit.diff(before, audit.snapshot(test))
    if changes:
        test.full_clean()
        test.save()
        audit.record(test, AuditAction.UPDATE, by=by, changes=changes, reason=_("The test plan changed."))


def _delete_tests(tests: QuerySet[ControlTest], *, by: Any, reason: str) -> None:
    doomed = list(tests)
    if not doomed:
        return
    events = [
        audit.pending_for(
            test, AuditAction.DELETE, by=by, changes=audit.diff(audit.snapshot(test), {}), reason=reason
        )
        for test in doomed
    ]
    ControlTest.objects.filter(pk__in=[test.pk for test in doomed]).delete()
    audit.record_many(events)


def _refuse_completed(test: ControlTest) -> None:
    if test.is_completed:
        raise ValidationError(_("This test is completed; a completed test cannot be changed."))


@transaction.atomic
def update_test(test: ControlTest, *, by: Any, reason: str = "", **fields: Any) -> ControlTest:
    """Move a scheduled test or change who tests it; a completed test is refused."""
    unknown = set(fields) - SCHEDULED_FIELDS
    if unknown:
        raise TypeError(f"update_test() got unexpected fields {sorted(unknown)}")
    test = ControlTest.objects.select_for_update().get(pk=test.pk)
    _refuse_completed(test)
    before = audit.snapshot(test)
    for name, value in fields.items():
        setattr(test, name, value)
    tester = test.tester
    if (
        "tester" in fields
        and not is_system(by)
        and tester is not None
        and not restrict(Person.objects.filter(pk=tester.pk), by, Action.VIEW).exists()
    ):
        raise ValidationError({"tester": [_("Person not found.")]})
    test.full_clean()
    changes = audit.diff(before, audit.snapshot(test))
    if changes:
        test.save()
        audit.record(test, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    return test


@transaction.atomic
def complete_test(
    test: ControlTest,
    *,
    result: str,
    performed_on: dt.date,
    notes: str = "",
    evidence: Iterable[Evidence] = (),
    by: Any,
    reason: str = "",
) -> ControlTest:
    """Record the outcome of a test; from then on it is read-only. A failed test opens a
    nonconformity owned by the control's owner, who is told."""
    # Locked, so two people completing the same test cannot both succeed.
    test = ControlTest.objects.select_for_update().select_related("control__owner").get(pk=test.pk)
    _refuse_completed(test)
    evidence = list(evidence)
    errors: dict[str, list[str]] = {}
    if result not in COMPLETED_TEST_RESULTS:
        errors["result"] = [_("Choose passed, failed or skipped.")]
    if performed_on is None:
        errors["performed_on"] = [_("Give the date the test was performed.")]
    elif performed_on > timezone.localdate():
        errors["performed_on"] = [_("A test cannot be performed in the future.")]
    if result in (TestResult.FAILED, TestResult.SKIPPED) and not notes.strip():
        errors["notes"] = [_("Say what failed, or why the test was skipped.")]
    if not is_system(by) and evidence:
        seen = set(
            restrict(
                Evidence.objects.filter(pk__in=[item.pk for item in evidence]), by, Action.VIEW
            ).values_list("pk", flat=True)
        )
        missing = sorted(item.reference for item in evidence if item.pk not in seen)
        if missing:
            errors["evidence"] = [_("Evidence not found: %(items)s.") % {"items": ", ".join(missing)}]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(test)
    test.result = result
    test.performed_on = performed_on
    test.performed_by = by if isinstance(by, Person) else None
    test.notes = notes
    test.completed_at = timezone.now()
    test.full_clean()
    test.save()
    changes = audit.diff(before, audit.snapshot(test))
    if evidence:
        test.evidence.set(evidence)
        changes[EVIDENCE_CHANGES] = [None, ", ".join(sorted(item.reference for item in evidence))]
    audit.record(test, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    if result == TestResult.FAILED:
        finding = open_nonconformity(test, by=by)
        _tell_owner_of_failure(test, finding)
    return test


@dataclass(frozen=True)
class Reminders:
    due: int
    overdue: int
    sent: int


def _tell_owner_of_failure(test: ControlTest, finding: Any) -> None:
    control = test.control
    owner = control.owner
    with translation.override(notifications.language_of(owner)):
        title = _("Control test failed: %(control)s") % {"control": control}
        body = _("The test due on %(date)s failed; nonconformity %(finding)s is opened for you.") % {
            "date": test.due_on.isoformat(),
            "finding": finding.reference,
        }
    notifications.notify(
        owner,
        kinds.CONTROL_TEST_FAILED.code,
        title=title,
        body=body,
        link=object_url("compliance.controltest", test.pk) or "",
        target=test,
        dedupe_key=f"compliance.control-test-failed:{test.pk}",
    )


# Days before its due date on which the tester hears of a test.
DUE_SOON_DAYS = 7


def remind_testers(today: dt.date) -> Reminders:
    """Tell testers (the control's owner when a test has none) of tests due within a
    week, once per test, and of overdue tests, once per test and day."""
    tests = (
        ControlTest.objects.filter(
            result=TestResult.SCHEDULED, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
        )
        .select_related("control__owner", "tester")
        .order_by("due_on", "pk")
    )
    due = overdue = sent = 0
    for test in tests.iterator(chunk_size=500):
        recipient = test.tester or test.control.owner
        is_overdue = test.due_on < today
        with translation.override(notifications.language_of(recipient)):
            if is_overdue:
                overdue += 1
                title = _("Control test overdue: %(control)s") % {"control": test.control}
                body = _("It was due on %(date)s. Perform it and record the result.") % {
                    "date": test.due_on.isoformat()
                }
                kind = kinds.CONTROL_TEST_OVERDUE.code
                key = f"compliance.control-test-overdue:{test.pk}:{today.isoformat()}"
            else:
                due += 1
                title = _("Control test due on %(date)s: %(control)s") % {
                    "date": test.due_on.isoformat(),
                    "control": test.control,
                }
                body = _("Success criteria: %(criteria)s") % {"criteria": test.success_criteria or "—"}
                kind = kinds.CONTROL_TEST_DUE.code
                key = f"compliance.control-test-due:{test.pk}"
        notification = notifications.notify(
            recipient,
            kind,
            title=title,
            body=body,
            link=object_url("compliance.controltest", test.pk) or "",
            target=test,
            dedupe_key=key,
        )
        sent += notification is not None
    return Reminders(due=due, overdue=overdue, sent=sent)
