"""Writes to a scenario's treatment plan: the actions someone owes, by when, and their progress.

The treatment decision itself (mitigate, transfer, avoid) is a field of the scenario,
changed through garrison.risks.services.scenarios.update_scenario; accepting a risk
goes through the acceptance workflow (garrison.risks.services.acceptance).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core.models import Person
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.core.services.records import create_record, update_record
from garrison.risks.models import OPEN_ACTION_STATUSES, ActionStatus, RiskScenario, TreatmentAction

CHANGEABLE_FIELDS = frozenset({"title", "description", "owner", "due_on", "status", "completed_on"})


def _check_owner(owner: Person, *, by: Any) -> None:
    if by is not None and not restrict(Person.objects.filter(pk=owner.pk), by, Action.VIEW).exists():
        raise ValidationError({"owner": [_("Person not found.")]})


def _settle_completion(action: TreatmentAction) -> None:
    """Keep `completed_on` in step with the status: set when done, cleared when reopened."""
    if action.status == ActionStatus.DONE:
        if action.completed_on is None:
            action.completed_on = timezone.localdate()
        if action.completed_on > timezone.localdate():
            raise ValidationError({"completed_on": [_("An action cannot be completed in the future.")]})
    elif action.status in OPEN_ACTION_STATUSES:
        action.completed_on = None


@transaction.atomic
def add_treatment_action(
    scenario: RiskScenario,
    *,
    by: Any,
    title: str,
    owner: Person,
    due_on: dt.date,
    description: str = "",
    status: str = ActionStatus.PLANNED,
    reason: str = "",
) -> TreatmentAction:
    """Add a step to the scenario's treatment plan, owed by `owner` by `due_on`."""
    _check_owner(owner, by=by)
    action = TreatmentAction(
        scenario=scenario, title=title, description=description, owner=owner, due_on=due_on, status=status
    )
    _settle_completion(action)
    return create_record(
        TreatmentAction,
        by=by,
        reason=reason,
        scenario=scenario,
        title=title,
        description=description,
        owner=owner,
        due_on=due_on,
        status=status,
        completed_on=action.completed_on,
    )


@transaction.atomic
def update_treatment_action(
    action: TreatmentAction, *, by: Any, reason: str = "", **fields: Any
) -> TreatmentAction:
    """Change a step of the plan: its wording, owner, due date or status."""
    unknown = set(fields) - CHANGEABLE_FIELDS
    if unknown:
        raise TypeError(f"update_treatment_action() got unexpected fields {sorted(unknown)}")
    if "owner" in fields and fields["owner"] is not None and fields["owner"].pk != action.owner_id:
        _check_owner(fields["owner"], by=by)
    candidate = TreatmentAction(
        **{
            "status": fields.get("status", action.status),
            "completed_on": fields.get("completed_on", action.completed_on),
        }
    )
    _settle_completion(candidate)
    fields["completed_on"] = candidate.completed_on
    return update_record(action, by=by, reason=reason, **fields)


def complete_treatment_action(
    action: TreatmentAction, *, by: Any, completed_on: dt.date | None = None, reason: str = ""
) -> TreatmentAction:
    """Mark a step of the plan done (today unless another day is given)."""
    if action.status == ActionStatus.DONE:
        raise ValidationError({"status": [_("This action is already done.")]})
    return update_treatment_action(
        action, by=by, reason=reason, status=ActionStatus.DONE, completed_on=completed_on
    )
