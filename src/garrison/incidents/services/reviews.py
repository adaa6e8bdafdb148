"""The post-incident review of a case and its corrective actions: every write goes here.

A review is started once per case, when handling is ending: the case is in recovery, in
post-incident review or closed (a general case may be reviewed after it closed). It is
written while a draft, completed once its root cause and lessons learned are known, and
reopened with a reason while the case is still open. `workflows.closing_blocker` refuses
to close a relatively major or graver case until its review is completed.

Corrective actions are owned by an active person, may be linked to risk scenarios and
applied controls the acting person can see, and stay open until marked done or
cancelled. Links the acting person cannot see are kept through their edits, as the
control register does. With `by=None` (or an actor label) the system acts and the reach
checks are skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.compliance.models import AppliedControl
from garrison.core import audit
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import can, is_system, restrict
from garrison.core.services.notifications import notify
from garrison.incidents import notifications_reviews as kinds
from garrison.incidents.models import (
    Incident,
    IncidentStatus,
    PostIncidentReview,
    ReviewAction,
    ReviewActionStatus,
    ReviewStatus,
    TimelineKind,
)
from garrison.incidents.services.timeline import note
from garrison.risks.models import RiskScenario
from garrison.web.links import object_url

# The case states in which a review may start: handling is ending or has ended.
REVIEWABLE_STATUSES = (IncidentStatus.RECOVERY, IncidentStatus.POST_INCIDENT_REVIEW, IncidentStatus.CLOSED)
REVIEW_FIELDS = frozenset(
    {"summary", "root_cause", "lessons_learned", "what_went_well", "what_to_improve", "review_date"}
)
# A completed review must say these.
REQUIRED_TO_COMPLETE = ("root_cause", "lessons_learned")
ACTION_FIELDS = frozenset({"title", "description", "owner", "due_on", "status"})
OPEN_ACTION_STATUSES = (ReviewActionStatus.OPEN, ReviewActionStatus.IN_PROGRESS)
# Audit keys of the many-to-many links (the history page reads a field as ids of one object).
LINK_KEYS = {
    "participants": "participant_usernames",
    "risks": "risk_references",
    "controls": "control_references",
}
LINK_MODELS: dict[str, type[models.Model]] = {
    "participants": Person,
    "risks": RiskScenario,
    "controls": AppliedControl,
}


# Checks ----------------------------------------------------------------------------------------


def _unknown(fields: dict[str, Any], allowed: frozenset[str], function: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"{function}() got unexpected fields {sorted(unknown)}")


def _require_change(by: Any, obj: models.Model) -> None:
    """A person who may not change `obj` is answered as if it did not exist."""
    if not is_system(by) and not can(by, Action.CHANGE, obj):
        raise Http404


def _describe(obj: models.Model) -> str:
    if isinstance(obj, Person):
        return obj.username
    return str(getattr(obj, "reference", "") or obj)


def _references(objects: Iterable[models.Model]) -> str:
    return ", ".join(sorted(_describe(obj) for obj in objects))


def _invisible(model: type[models.Model], by: Any, objects: Iterable[models.Model]) -> list[str]:
    """Those of `objects` the person may not see, by reference (sorted)."""
    wanted = {obj.pk: obj for obj in objects}
    if not wanted or is_system(by):
        return []
    seen = set(
        restrict(model._default_manager.filter(pk__in=wanted), by, Action.VIEW).values_list("pk", flat=True)
    )
    return sorted(_describe(obj) for pk, obj in wanted.items() if pk not in seen)


def _check_links(by: Any, links: dict[str, list[Any]]) -> None:
    """New links must be to people, risks and controls the person can see, each refusal
    naming its field; people must also be active."""
    messages = {
        "participants": _("Person not found: %(objects)s."),
        "risks": _("Risk scenario not found: %(objects)s."),
        "controls": _("Control not found: %(objects)s."),
    }
    errors: dict[str, list[str]] = {}
    for name, objects in links.items():
        missing = _invisible(LINK_MODELS[name], by, objects)
        if missing:
            errors[name] = [messages[name] % {"objects": ", ".join(missing)}]
    inactive = sorted(person.username for person in links.get("participants", []) if not person.is_active)
    if inactive and "participants" not in errors:
        errors["participants"] = [_("No longer active: %(people)s.") % {"people": ", ".join(inactive)}]
    if errors:
        raise ValidationError(errors)


def _check_owner(owner: Person | None, *, by: Any) -> None:
    if owner is None:
        raise ValidationError({"owner": [_("Name the person who owns the action.")]})
    if _invisible(Person, by, [owner]):
        raise ValidationError({"owner": [_("Person not found.")]})
    if not owner.is_active:
        raise ValidationError({"owner": [_("%(person)s is no longer active.") % {"person": owner.username}]})


def _with_hidden_links(
    obj: models.Model, name: str, wanted: Iterable[Any] | None, *, by: Any
) -> list[Any] | None:
    """The links to set: those given, plus the existing ones the person cannot see (they
    could not have listed them, so they cannot mean to remove them)."""
    if wanted is None:
        return None
    wanted = list(wanted)
    if is_system(by):
        return wanted
    existing = list(getattr(obj, name).all())
    visible = set(
        restrict(
            LINK_MODELS[name]._default_manager.filter(pk__in=[item.pk for item in existing]), by, Action.VIEW
        ).values_list("pk", flat=True)
    )
    given = {item.pk for item in wanted}
    return wanted + [item for item in existing if item.pk not in visible and item.pk not in given]


def _new_links(obj: models.Model, name: str, wanted: list[Any] | None) -> list[Any]:
    """The objects of `wanted` not linked yet: only these need to be within reach."""
    if wanted is None:
        return []
    linked = set(getattr(obj, name).values_list("pk", flat=True))
    return [item for item in wanted if item.pk not in linked]


def _set_links(obj: models.Model, name: str, wanted: list[Any] | None) -> dict[str, list[Any]]:
    if wanted is None:
        return {}
    manager = getattr(obj, name)
    current = list(manager.all())
    if {item.pk for item in current} == {item.pk for item in wanted}:
        return {}
    manager.set(wanted)
    return {LINK_KEYS[name]: [_references(current) or None, _references(wanted) or None]}


def _save_with_links(
    obj: models.Model,
    before: dict[str, Any],
    links: dict[str, list[Any] | None],
    *,
    by: Any,
    reason: str,
) -> dict[str, Any]:
    """Validate and save `obj` and its links, recording one event of every change."""
    obj.full_clean()
    is_new = obj.pk is None
    changes = audit.diff(before, audit.snapshot(obj))
    if changes or is_new:
        obj.save()
    if is_new:
        changes = audit.diff({}, audit.snapshot(obj))
    link_changes: dict[str, list[Any]] = {}
    for name, objects in links.items():
        link_changes.update(_set_links(obj, name, objects))
    if link_changes and not changes:
        # Touch the row so `updated_at` follows a change of links alone.
        obj.save(update_fields=["updated_at"])
    changes.update(link_changes)
    if is_new:
        audit.record(obj, AuditAction.CREATE, by=by, changes=changes, reason=reason)
    elif changes:
        audit.record(obj, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    return changes


# Reviews ---------------------------------------------------------------------------------------


@transaction.atomic
def start_review(incident: Incident, *, by: Any) -> PostIncidentReview:
    """Open the case's post-incident review (once per case), as a draft."""
    _require_change(by, incident)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if PostIncidentReview.objects.filter(incident=incident).exists():
        raise ValidationError({NON_FIELD_ERRORS: [_("This case already has its post-incident review.")]})
    if incident.status not in REVIEWABLE_STATUSES:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("A review starts once the case is in recovery, in post-incident review or closed.")
                ]
            }
        )
    review = PostIncidentReview(incident=incident)
    _save_with_links(review, {}, {}, by=by, reason="")
    note(incident, TimelineKind.NOTE, _("Post-incident review started."), by=by)
    return review


def _check_draft(review: PostIncidentReview) -> None:
    if review.status == ReviewStatus.COMPLETED:
        raise ValidationError({NON_FIELD_ERRORS: [_("The review is completed; reopen it to change it.")]})


@transaction.atomic
def update_review(
    review: PostIncidentReview,
    *,
    by: Any,
    reason: str = "",
    participants: Iterable[Person] | None = None,
    **fields: Any,
) -> PostIncidentReview:
    """Write the draft review; `participants`, when given, replace the listed ones
    (participants the person cannot see are kept)."""
    _unknown(fields, REVIEW_FIELDS, "update_review")
    _require_change(by, review)
    _check_draft(review)
    before = audit.snapshot(review)
    for name, value in fields.items():
        setattr(review, name, "" if value is None and name != "review_date" else value)
    wanted = _with_hidden_links(review, "participants", participants, by=by)
    _check_links(by, {"participants": _new_links(review, "participants", wanted)})
    _save_with_links(review, before, {"participants": wanted}, by=by, reason=reason)
    return review


@transaction.atomic
def complete_review(review: PostIncidentReview, *, by: Any, reason: str = "") -> PostIncidentReview:
    """Record that the review is done: it must state the root cause and the lessons learned."""
    _require_change(by, review)
    _check_draft(review)
    messages = {
        "root_cause": _("State the root cause before completing the review."),
        "lessons_learned": _("State the lessons learned before completing the review."),
    }
    errors = {
        name: [messages[name]] for name in REQUIRED_TO_COMPLETE if not str(getattr(review, name)).strip()
    }
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(review)
    review.status = ReviewStatus.COMPLETED
    review.completed_at = timezone.now()
    review.completed_by = None if is_system(by) else by
    _save_with_links(review, before, {}, by=by, reason=reason)
    note(review.incident, TimelineKind.DECISION, _("Post-incident review completed."), by=by)
    return review


@transaction.atomic
def reopen_review(review: PostIncidentReview, *, by: Any, reason: str) -> PostIncidentReview:
    """Make a completed review a draft again, saying why; not once the case is closed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the review is reopened.")]})
    _require_change(by, review)
    if review.status != ReviewStatus.COMPLETED:
        raise ValidationError({NON_FIELD_ERRORS: [_("Only a completed review can be reopened.")]})
    if review.incident.status == IncidentStatus.CLOSED:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("The case is closed; reopen the case before its review.")]}
        )
    before = audit.snapshot(review)
    review.status = ReviewStatus.DRAFT
    review.completed_at = None
    review.completed_by = None
    _save_with_links(review, before, {}, by=by, reason=reason)
    note(
        review.incident,
        TimelineKind.DECISION,
        _("Post-incident review reopened: %(reason)s") % {"reason": reason},
        by=by,
    )
    return review


# Corrective actions ----------------------------------------------------------------------------


def _notify_owner(action: ReviewAction, *, by: Any) -> None:
    """Tell the owner of an action someone else gave them."""
    if action.owner_id == getattr(by, "pk", None):
        return
    incident = action.review.incident
    due = action.due_on.isoformat() if action.due_on else "—"
    notify(
        action.owner,
        kinds.REVIEW_ACTION_ASSIGNED.code,
        title=format_lazy(gettext_lazy("Corrective action for you: {action}"), action=action.title),
        body=format_lazy(
            gettext_lazy("Decided in the post-incident review of {incident}; due on {date}."),
            incident=str(incident),
            date=due,
        ),
        link=object_url("incidents.incident", incident.pk) or "",
        target=action,
        dedupe_key=f"{kinds.REVIEW_ACTION_ASSIGNED.code}:{action.pk}:{action.owner_id}",
    )


@transaction.atomic
def add_action(
    review: PostIncidentReview,
    *,
    by: Any,
    title: str,
    owner: Person,
    due_on: dt.date | None = None,
    description: str = "",
    risks: Iterable[RiskScenario] = (),
    controls: Iterable[AppliedControl] = (),
    reason: str = "",
) -> ReviewAction:
    """Add a corrective action to the review, owned by `owner`, linked to the risks and
    controls it changes; the owner is told when someone else assigns it."""
    _require_change(by, review)
    _check_owner(owner, by=by)
    links: dict[str, list[Any] | None] = {"risks": list(risks), "controls": list(controls)}
    _check_links(by, {name: objects or [] for name, objects in links.items()})
    action = ReviewAction(review=review, title=title, description=description, owner=owner, due_on=due_on)
    _save_with_links(action, {}, links, by=by, reason=reason)
    _notify_owner(action, by=by)
    return action


def _check_open(action: ReviewAction) -> None:
    if action.status not in OPEN_ACTION_STATUSES:
        raise ValidationError(
            {
                "status": [
                    _("This action is %(status)s and stays so.") % {"status": action.get_status_display()}
                ]
            }
        )


@transaction.atomic
def update_action(
    action: ReviewAction,
    *,
    by: Any,
    reason: str = "",
    risks: Iterable[RiskScenario] | None = None,
    controls: Iterable[AppliedControl] | None = None,
    **fields: Any,
) -> ReviewAction:
    """Change an open action: wording, owner, due date, open ↔ in progress or cancelled;
    `risks` and `controls`, when given, replace the linked ones (links the person
    cannot see are kept). Marking it done has its own verb."""
    _unknown(fields, ACTION_FIELDS, "update_action")
    _require_change(by, action)
    _check_open(action)
    status = fields.get("status", action.status)
    if status == ReviewActionStatus.DONE:
        raise ValidationError({"status": [_("Mark the action done with its own button.")]})
    new_owner = "owner" in fields and getattr(fields["owner"], "pk", None) != action.owner_id
    if new_owner:
        _check_owner(fields["owner"], by=by)
    before = audit.snapshot(action)
    for name, value in fields.items():
        setattr(action, name, value)
    wanted = {
        "risks": _with_hidden_links(action, "risks", risks, by=by),
        "controls": _with_hidden_links(action, "controls", controls, by=by),
    }
    _check_links(by, {name: _new_links(action, name, objects) for name, objects in wanted.items()})
    _save_with_links(action, before, dict(wanted), by=by, reason=reason)
    if new_owner:
        _notify_owner(action, by=by)
    return action


@transaction.atomic
def complete_action(
    action: ReviewAction, *, by: Any, completed_on: dt.date | None = None, reason: str = ""
) -> ReviewAction:
    """Mark an open action done (today unless another day is given)."""
    _require_change(by, action)
    _check_open(action)
    today = organisation_today()
    completed_on = completed_on or today
    if completed_on > today:
        raise ValidationError({"completed_on": [_("An action cannot be completed in the future.")]})
    before = audit.snapshot(action)
    action.status = ReviewActionStatus.DONE
    action.completed_on = completed_on
    _save_with_links(action, before, {}, by=by, reason=reason)
    return action


def overdue_actions(today: dt.date) -> models.QuerySet[ReviewAction]:
    """Open actions whose due date has passed, soonest due first."""
    return (
        ReviewAction.objects.filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=today)
        .select_related("owner", "review__incident")
        .order_by("due_on", "pk")
    )
