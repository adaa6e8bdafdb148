"""Rectification plans of substandard suppliers: creating them with actions, follow-up,
completing (every action done) and cancelling, and the daily reminders of due actions
(once per day per action)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.core.models import AuditEvent, Notification, Person
from garrison.core.scheduling import organisation_today
from garrison.suppliers import tasks_classification
from garrison.suppliers.models import (
    ActionStatus,
    PlanStatus,
    RectificationAction,
    RectificationPlan,
    SupplierStatus,
)
from garrison.suppliers.services import rectification

pytestmark = pytest.mark.django_db

TODAY = organisation_today()


def days(count: int) -> dt.date:
    return TODAY + dt.timedelta(days=count)


@pytest.fixture
def supplier(make_supplier: Any) -> Any:
    return make_supplier(status=SupplierStatus.UNQUALIFIED)


@pytest.fixture
def plan(supplier: Any, buyer: Person) -> RectificationPlan:
    return rectification.create_plan(
        supplier,
        by=buyer,
        title="Restore the quality system",
        description="ISO 9001 audit findings",
        due_on=days(60),
        owner=buyer,
        actions=[("Close finding 1", days(10)), ("Close finding 2", days(20))],
    )


def test_a_plan_is_made_for_a_substandard_supplier_with_its_actions(
    plan: RectificationPlan, buyer: Person
) -> None:
    assert plan.status == PlanStatus.OPEN
    assert list(plan.actions.values_list("description", "due_on")) == [
        ("Close finding 1", days(10)),
        ("Close finding 2", days(20)),
    ]
    assert AuditEvent.objects.filter(object_type="suppliers.rectificationaction").count() == 2
    assert plan.created_by == buyer


def test_plans_are_refused_for_qualified_suppliers_and_bad_input_saves_nothing(
    make_supplier: Any, supplier: Any, buyer: Person, outsider: Person, security_reader: Person
) -> None:
    qualified = make_supplier(status=SupplierStatus.QUALIFIED)
    with pytest.raises(ValidationError, match="for rectifying, unqualified or suspended suppliers"):
        rectification.create_plan(qualified, by=buyer, title="x", due_on=days(5), owner=buyer)
    with pytest.raises(ValidationError) as refused:
        rectification.create_plan(
            supplier,
            by=buyer,
            title="",
            due_on=days(-1),
            owner=outsider,
            actions=[("", days(3)), ("Late", days(90))],
        )
    errors = refused.value.message_dict
    assert errors["title"] == ["Give the plan a title."]
    assert errors["due_on"] == ["The plan cannot be due in the past."]
    assert "cannot see" in errors["owner"][0]
    assert "Action 1: Describe the action." in errors["actions"]
    assert f"Action 2: The action cannot be due after its plan ({days(-1).isoformat()})." in errors["actions"]
    with pytest.raises(Http404):
        rectification.create_plan(supplier, by=security_reader, title="x", due_on=days(5), owner=buyer)
    assert not RectificationPlan.objects.exists()
    assert not RectificationAction.objects.exists()


def test_a_plan_completes_only_once_every_action_is_done(plan: RectificationPlan, buyer: Person) -> None:
    first, second = plan.actions.order_by("due_on")
    rectification.complete_action(first, by=buyer, note="Verified on site")
    with pytest.raises(ValidationError, match="still open: “Close finding 2”"):
        rectification.complete_plan(plan, by=buyer)
    rectification.update_action(second, by=buyer, follow_up="Supplier sent evidence", reason="Follow-up call")
    rectification.complete_action(second, by=buyer)
    rectification.complete_plan(plan, by=buyer)
    plan.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    assert plan.completed_at is not None
    assert first.follow_up == "Verified on site"
    assert (second.status, second.follow_up) == (ActionStatus.DONE, "Supplier sent evidence")
    with pytest.raises(ValidationError, match="no longer changes"):
        rectification.add_action(plan, by=buyer, description="More", due_on=days(3))


def test_cancelling_a_plan_needs_a_reason(plan: RectificationPlan, buyer: Person) -> None:
    with pytest.raises(ValidationError, match="Say why the plan is cancelled"):
        rectification.cancel_plan(plan, by=buyer, reason=" ")
    rectification.cancel_plan(plan, by=buyer, reason="Supplier exited")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED


def test_owners_are_reminded_of_due_and_overdue_actions_once_a_day(
    plan: RectificationPlan, buyer: Person
) -> None:
    overdue = RectificationAction.objects.create(plan=plan, description="Overdue fix", due_on=days(-2))
    soon = RectificationAction.objects.create(plan=plan, description="Soon fix", due_on=days(3))

    assert tasks_classification.remind_due_actions(TODAY) == 2
    assert tasks_classification.remind_due_actions(TODAY) == 0
    titles = sorted(
        Notification.objects.filter(recipient=buyer, kind="suppliers.rectification-due").values_list(
            "title", flat=True
        )
    )
    assert titles == [
        f"Rectification action due {days(3).isoformat()}: Soon fix",
        "Rectification action overdue: Overdue fix",
    ]
    overdue.refresh_from_db()
    assert overdue.reminded_on == TODAY

    rectification.complete_action(soon, by=buyer)
    # The next day: the overdue one again, and "Close finding 1" (due in 10 days) now within 7.
    assert tasks_classification.remind_due_actions(days(4)) == 2
    assert set(
        RectificationAction.objects.filter(reminded_on=days(4)).values_list("description", flat=True)
    ) == {
        "Overdue fix",
        "Close finding 1",
    }
