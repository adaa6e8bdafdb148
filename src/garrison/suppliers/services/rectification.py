"""Rectification plans: what a substandard supplier must put right, by when, and who
follows it up.

A plan is made for a rectifying, unqualified or suspended supplier (one open plan at a
time), with actions that each carry a due date and follow-up notes. The plan is completed
once every action is done; completing it opens the way back to qualified (see
garrison.suppliers.services.classification) and proposes that return at once, made by
whoever completed the plan so that someone else approves it. Every write is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import can, require
from garrison.suppliers.models import (
    ActionStatus,
    PlanStatus,
    RectificationAction,
    RectificationPlan,
    StatusChangeSource,
    Supplier,
    SupplierStatus,
)
from garrison.suppliers.services import classification

TITLE_MAX_LENGTH = RectificationPlan._meta.get_field("title").max_length or 300
ACTION_MAX_LENGTH = RectificationAction._meta.get_field("description").max_length or 500
ACTION_FIELDS = frozenset({"description", "due_on", "follow_up"})


def _record_created(obj: Any, *, by: Any, reason: str = "") -> None:
    audit.record(obj, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(obj)), reason=reason)


def _save_changes(obj: Any, before: dict[str, Any], *, by: Any, reason: str = "") -> bool:
    changes = audit.diff(before, audit.snapshot(obj))
    if not changes:
        return False
    obj.save()
    audit.record(obj, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    return True


def _action_errors(
    description: Any, due_on: Any, *, plan_due_on: Any, today: dt.date
) -> dict[str, list[str]]:
    """What is wrong with one action, by field (description, due_on)."""
    errors: dict[str, list[str]] = {}
    text = description.strip() if isinstance(description, str) else ""
    if not text:
        errors["description"] = [_("Describe the action.")]
    elif len(text) > ACTION_MAX_LENGTH:
        errors["description"] = [
            _("The description is longer than %(limit)d characters.") % {"limit": ACTION_MAX_LENGTH}
        ]
    if not isinstance(due_on, dt.date):
        errors["due_on"] = [_("Give the date the action is due.")]
    elif due_on < today:
        errors["due_on"] = [_("The action cannot be due in the past.")]
    elif isinstance(plan_due_on, dt.date) and due_on > plan_due_on:
        errors["due_on"] = [
            _("The action cannot be due after its plan (%(date)s).") % {"date": plan_due_on.isoformat()}
        ]
    return errors


@transaction.atomic
def create_plan(
    supplier: Supplier,
    *,
    by: Any,
    title: str,
    due_on: dt.date,
    owner: Person,
    description: str = "",
    actions: Iterable[tuple[str, dt.date]] = (),
    reason: str = "",
) -> RectificationPlan:
    """Make a rectification plan for a substandard supplier, with its first actions as
    (description, due_on) pairs; `owner` follows it up and is reminded of due actions."""
    require(by, Action.CHANGE, supplier)
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    today = organisation_today()
    errors: dict[str, list[str]] = {}
    if supplier.status not in classification.PLAN_STATUSES:
        errors[NON_FIELD_ERRORS] = [
            _(
                "Rectification plans are for rectifying, unqualified or suspended suppliers; "
                "%(supplier)s is %(status)s."
            )
            % {"supplier": supplier.display_name, "status": supplier.get_status_display()}
        ]
    elif RectificationPlan.objects.filter(supplier=supplier, status=PlanStatus.OPEN).exists():
        errors[NON_FIELD_ERRORS] = [
            _("%(supplier)s already has an open rectification plan; add actions to it instead.")
            % {"supplier": supplier.display_name}
        ]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the plan a title.")]
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [_("The title is longer than %(limit)d characters.") % {"limit": TITLE_MAX_LENGTH}]
    if not isinstance(due_on, dt.date):
        errors["due_on"] = [_("Give the date the plan is due.")]
    elif due_on < today:
        errors["due_on"] = [_("The plan cannot be due in the past.")]
    if not isinstance(owner, Person):
        errors["owner"] = [_("Choose who follows the plan up.")]
    elif not owner.is_active:
        errors["owner"] = [_("%(name)s has left.") % {"name": owner.full_name}]
    elif not can(owner, Action.VIEW, supplier):
        errors["owner"] = [
            _("%(name)s cannot see %(supplier)s; choose someone who works with this supplier.")
            % {"name": owner.full_name, "supplier": supplier.display_name}
        ]
    items = list(actions)
    action_problems: list[str] = []
    for number, (action_description, action_due_on) in enumerate(items, start=1):
        for messages in _action_errors(
            action_description, action_due_on, plan_due_on=due_on, today=today
        ).values():
            action_problems += [
                _("Action %(number)d: %(problem)s") % {"number": number, "problem": message}
                for message in messages
            ]
    if action_problems:
        errors["actions"] = action_problems
    if errors:
        raise ValidationError(errors)
    plan = RectificationPlan.objects.create(
        supplier=supplier,
        title=title,
        description=(description or "").strip(),
        due_on=due_on,
        owner=owner,
        created_by=by if getattr(by, "pk", None) else None,
    )
    _record_created(plan, by=by, reason=reason)
    for action_description, action_due_on in items:
        action = RectificationAction.objects.create(
            plan=plan, description=action_description.strip(), due_on=action_due_on
        )
        _record_created(action, by=by)
    return plan


def _open_plan(plan: RectificationPlan) -> RectificationPlan:
    locked = (
        RectificationPlan.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=plan.pk)
    )
    if locked.status != PlanStatus.OPEN:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("This plan is %(status)s; it no longer changes.")
                    % {"status": locked.get_status_display().lower()}
                ]
            }
        )
    return locked


@transaction.atomic
def add_action(
    plan: RectificationPlan, *, by: Any, description: str, due_on: dt.date, reason: str = ""
) -> RectificationAction:
    """Add an action to an open plan."""
    require(by, Action.CHANGE, plan)
    plan = _open_plan(plan)
    errors = _action_errors(description, due_on, plan_due_on=plan.due_on, today=organisation_today())
    if errors:
        raise ValidationError(errors)
    action = RectificationAction.objects.create(plan=plan, description=description.strip(), due_on=due_on)
    _record_created(action, by=by, reason=reason)
    return action


@transaction.atomic
def update_action(
    action: RectificationAction, *, by: Any, reason: str = "", **fields: Any
) -> RectificationAction:
    """Change an action's description or due date, or write its follow-up notes."""
    unknown = set(fields) - ACTION_FIELDS
    if unknown:
        raise TypeError(f"unexpected action fields {sorted(unknown)}")
    require(by, Action.CHANGE, action)
    plan = _open_plan(action.plan)
    action = RectificationAction.objects.select_for_update().get(pk=action.pk)
    errors: dict[str, list[str]] = {}
    description = fields.get("description", action.description)
    due_on = fields.get("due_on", action.due_on)
    if "description" in fields or "due_on" in fields:
        # A date already past may stay as it was; a new one may not be in the past.
        today = organisation_today() if due_on != action.due_on else min(action.due_on, organisation_today())
        errors.update(_action_errors(description, due_on, plan_due_on=plan.due_on, today=today))
    follow_up = fields.get("follow_up", action.follow_up)
    if not isinstance(follow_up, str):
        errors["follow_up"] = [_("Write the follow-up notes as text.")]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(action)
    action.description = description.strip()
    action.due_on = due_on
    action.follow_up = follow_up.strip()
    _save_changes(action, before, by=by, reason=reason)
    return action


@transaction.atomic
def complete_action(action: RectificationAction, *, by: Any, note: str = "") -> RectificationAction:
    """Mark an action done; `note` is added to its follow-up notes."""
    require(by, Action.CHANGE, action)
    _open_plan(action.plan)
    action = RectificationAction.objects.select_for_update().get(pk=action.pk)
    if action.status == ActionStatus.DONE:
        raise ValidationError({NON_FIELD_ERRORS: [_("This action is already done.")]})
    before = audit.snapshot(action)
    action.status = ActionStatus.DONE
    action.done_at = timezone.now()
    note = (note or "").strip()
    if note:
        action.follow_up = f"{action.follow_up}\n{note}".strip()
    _save_changes(action, before, by=by, reason=note)
    return action


@transaction.atomic
def complete_plan(plan: RectificationPlan, *, by: Any, reason: str = "") -> RectificationPlan:
    """Complete a plan whose actions are all done. The supplier may then return to
    qualified: when it is still substandard and nothing else awaits approval, the return
    is proposed at once in the name of the person completing the plan."""
    require(by, Action.CHANGE, plan)
    plan = _open_plan(plan)
    actions = list(plan.actions.order_by("due_on", "pk"))
    if not actions:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("The plan has no actions; add its actions and complete them first.")]}
        )
    still_open = [action.description for action in actions if action.status != ActionStatus.DONE]
    if still_open:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("Complete every action first; still open: %(actions)s.")
                    % {"actions": "; ".join(f"“{text}”" for text in still_open)}
                ]
            }
        )
    before = audit.snapshot(plan)
    plan.status = PlanStatus.COMPLETED
    plan.completed_at = timezone.now()
    _save_changes(plan, before, by=by, reason=reason)
    supplier = plan.supplier
    if supplier.status in classification.PLAN_STATUSES and classification.open_proposal(supplier) is None:
        classification.propose_status_change(
            supplier,
            SupplierStatus.QUALIFIED,
            by=by,
            source=StatusChangeSource.RECTIFICATION,
            reason=_("Rectification plan “%(title)s” completed.") % {"title": plan.title},
        )
    return plan


@transaction.atomic
def cancel_plan(plan: RectificationPlan, *, by: Any, reason: str) -> RectificationPlan:
    """Drop a plan no longer pursued (the reason is required); it opens no way back."""
    require(by, Action.CHANGE, plan)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": [_("Say why the plan is cancelled; it is kept in the supplier's history.")]}
        )
    plan = _open_plan(plan)
    before = audit.snapshot(plan)
    plan.status = PlanStatus.CANCELLED
    _save_changes(plan, before, by=by, reason=reason)
    return plan


def due_actions(today: dt.date, *, within_days: int = 7) -> Any:
    """Open actions of open plans due by `today` + `within_days` (overdue ones included)."""
    return RectificationAction.objects.filter(
        status=ActionStatus.OPEN,
        plan__status=PlanStatus.OPEN,
        due_on__lte=today + dt.timedelta(days=within_days),
    )
