"""Sourcing events (RFQs and tenders): every write to an event, its criteria, invitations,
bids, evaluators, declarations and scores goes through here.

Each verb checks the acting person may change the event (or, for a declaration or a
score, is the evaluator), validates everything at once, runs in one transaction, appends
its audit event and writes a step on the event's timeline naming who took it.

Gates: inviting and awarding ask `gating.ensure_allowed` whether the supplier's status
allows it. A refused invitation or award is recorded twice after the rollback: in the
audit trail (`audit.refusals_recorded`) and as a "refused" step on the timeline, so the
event's own page shows that a blacklisted supplier was kept out and by whom.

Who sees bids (`bid_view_refusal`): an evaluator of the event only after signing the
declaration without a conflict, whatever their roles (a declared conflict recuses them
for good); otherwise whoever may change the event (its buyer, Procurement Officers over
its unit, Administrators) administers the bids; once the event is awarded or cancelled,
whoever may see the event sees its bids, for audit. Timeline steps never carry prices or
scores, since everyone who sees the event sees its timeline.

With `by=None` (or an actor label such as "seed-demo") the system acts and the reach
checks are skipped.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import audit
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant, is_authenticated_person, is_system, require, restrict
from garrison.core.services import files as file_services
from garrison.core.services.notifications import notify
from garrison.core.services.references import save_numbered
from garrison.suppliers import notifications_sourcing as kinds
from garrison.suppliers.models import (
    Bid,
    BidScore,
    EvaluationCriterion,
    Evaluator,
    Invitation,
    InvitationStatus,
    SourcingEvent,
    SourcingStatus,
    SourcingStep,
    StepKind,
    Supplier,
)
from garrison.suppliers.services.gating import ensure_allowed
from garrison.suppliers.workflows_sourcing import FINISHED_STATUSES, SourcingWorkflow

REFERENCE_PREFIX = "SRC-"
DEFAULT_PUBLICITY_DAYS = 3
MAX_PUBLICITY_DAYS = 90
MAX_SCORE = Decimal(100)
MAX_WEIGHT = Decimal(1000)
CENTS = Decimal("0.01")

EVENT_FIELDS = frozenset(
    {"title", "kind", "description", "category", "unit", "estimated_value_cny", "bid_deadline"}
)
# What may still change once the event has left the draft: suppliers were invited to
# the event as it was, so only the description and (while open) the deadline move.
CHANGEABLE_BY_STATUS: dict[str, frozenset[str]] = {
    SourcingStatus.DRAFT: EVENT_FIELDS,
    SourcingStatus.OPEN: frozenset({"title", "description", "bid_deadline"}),
    SourcingStatus.EVALUATION: frozenset({"description"}),
    SourcingStatus.SHORTLISTED: frozenset({"description"}),
}
INVITING_STATUSES = (SourcingStatus.DRAFT, SourcingStatus.OPEN)
EVALUATOR_STATUSES = (SourcingStatus.DRAFT, SourcingStatus.OPEN, SourcingStatus.EVALUATION)

Errors = dict[str, list[str]]


# Helpers -----------------------------------------------------------------------------------------


def _add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _merge(errors: Errors, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    else:
        errors.setdefault(NON_FIELD_ERRORS, []).extend(error.messages)


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _moment(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %z")


def _person(by: Any) -> Person | None:
    return by if isinstance(by, Person) else None


def _status_label(event: SourcingEvent) -> str:
    return str(event.get_status_display()).lower()


def step(event: SourcingEvent, kind: str, description: str, *, by: Any) -> SourcingStep:
    """Write one step on the event's timeline, traced to `by`."""
    actor = _person(by)
    label = str(actor) if actor is not None else by if isinstance(by, str) else audit.SYSTEM_ACTOR
    return SourcingStep.objects.create(
        event=event,
        kind=kind,
        description=description,
        actor=actor,
        actor_label=label[:200],
        at=timezone.now(),
    )


@contextmanager
def _refusal_traced(event: SourcingEvent, *, by: Any, attempted: str) -> Iterator[None]:
    """Record a refusal in the audit trail and on the event's timeline, after the
    attempt's transaction has rolled back (so the step is kept while nothing else is)."""
    try:
        with audit.refusals_recorded(event, by=by, attempted=attempted):
            yield
    except ValidationError as error:
        step(
            event,
            StepKind.REFUSED,
            _("Refused: %(attempted)s. %(why)s")
            % {"attempted": attempted, "why": " ".join(str(message) for message in error.messages)},
            by=by,
        )
        raise


def _check_state(event: SourcingEvent, allowed: Sequence[str], message: str, errors: Errors) -> None:
    if event.status not in allowed:
        _add(errors, NON_FIELD_ERRORS, message % {"status": _status_label(event)})


def _locked(event: SourcingEvent) -> SourcingEvent:
    """The event's row, locked for the rest of the transaction and read fresh."""
    return SourcingEvent.objects.select_for_update().get(pk=event.pk)


# Events ------------------------------------------------------------------------------------------


def _validate_event(
    event: SourcingEvent, *, by: Any, changed: set[str], action: Action, now: dt.datetime
) -> None:
    errors: Errors = {}
    try:
        event.full_clean(exclude=["reference"])
    except ValidationError as error:
        _merge(errors, error)
    if isinstance(event.title, str) and not event.title.strip() and "title" not in errors:
        _add(errors, "title", _("Give the event a title."))
    if (
        "bid_deadline" in changed
        and isinstance(event.bid_deadline, dt.datetime)
        and event.bid_deadline <= now
    ):
        _add(errors, "bid_deadline", _("The bid deadline must be in the future."))
    value = event.estimated_value_cny
    if value is not None and "estimated_value_cny" not in errors and Decimal(str(value)) < 0:
        _add(errors, "estimated_value_cny", _("Enter zero or more."))
    unit = event.unit if event.unit_id else None
    if (
        not is_system(by)
        and "unit" in changed
        and unit is not None
        and not has_grant(by, Domain.SUPPLIERS, action, unit.path)
    ):
        _add(errors, "unit", _("You do not run sourcing in this unit."))
    _raise(errors)


@transaction.atomic
def create_event(*, by: Any, reason: str = "", buyer: Person | None = None, **fields: Any) -> SourcingEvent:
    """Draft a sourcing event (SRC-000001 …) run by `buyer` (the acting person by default)."""
    unknown = set(fields) - EVENT_FIELDS
    if unknown:
        raise TypeError(f"unexpected sourcing event fields {sorted(unknown)}")
    now = timezone.now()
    if isinstance(fields.get("title"), str):
        fields["title"] = fields["title"].strip()
    event = SourcingEvent(**fields)
    chosen_buyer = buyer or _person(by)
    if chosen_buyer is not None:
        event.buyer = chosen_buyer
    event.created_by = _person(by)
    _validate_event(event, by=by, changed=set(fields) | {"unit"}, action=Action.ADD, now=now)
    save_numbered(event, REFERENCE_PREFIX)
    audit.record(
        event, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(event)), reason=reason
    )
    step(event, StepKind.CREATED, _("Drafted %(kind)s.") % {"kind": event.get_kind_display()}, by=by)
    return event


@transaction.atomic
def update_event(event: SourcingEvent, *, by: Any, reason: str = "", **fields: Any) -> SourcingEvent:
    """Change an event's details: all of them in the draft; the title, description and
    deadline while open; only the description afterwards."""
    require(by, Action.CHANGE, event)
    unknown = set(fields) - EVENT_FIELDS
    if unknown:
        raise TypeError(f"unexpected sourcing event fields {sorted(unknown)}")
    if isinstance(fields.get("title"), str):
        fields["title"] = fields["title"].strip()
    changed = {name for name, value in fields.items() if getattr(event, name) != value}
    allowed = CHANGEABLE_BY_STATUS.get(event.status, frozenset())
    frozen = sorted(changed - allowed)
    if frozen:
        raise ValidationError(
            {
                name: [
                    _("This can no longer be changed: the event is %(status)s.")
                    % {"status": _status_label(event)}
                ]
                for name in frozen
            }
        )
    candidate = copy.copy(event)
    for name, value in fields.items():
        setattr(candidate, name, value)
    _validate_event(candidate, by=by, changed=changed, action=Action.CHANGE, now=timezone.now())
    if not changed:
        return event
    before = audit.snapshot(event)
    for name in changed:
        setattr(event, name, fields[name])
    event.save()
    changes = audit.diff(before, audit.snapshot(event))
    audit.record(event, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    labels = ", ".join(
        str(getattr(SourcingEvent._meta.get_field(name), "verbose_name", name)) for name in sorted(changed)
    )
    step(event, StepKind.NOTE, _("Changed: %(fields)s.") % {"fields": labels}, by=by)
    return event


# Criteria ----------------------------------------------------------------------------------------


def _weight(value: Any) -> Decimal | None:
    try:
        weight = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return weight if weight.is_finite() else None


@transaction.atomic
def add_criterion(
    event: SourcingEvent, *, by: Any, name: str, weight: Any, order: int | None = None, reason: str = ""
) -> EvaluationCriterion:
    """Add a criterion of the evaluation matrix with its weight (above zero), in the draft."""
    require(by, Action.CHANGE, event)
    errors: Errors = {}
    _check_state(
        event, (SourcingStatus.DRAFT,), _("Criteria are set in the draft; the event is %(status)s."), errors
    )
    name = (name or "").strip()
    if not name:
        _add(errors, "name", _("Name the criterion."))
    elif event.criteria.filter(name__iexact=name).exists():
        _add(errors, "name", _("The event already has the criterion “%(name)s”.") % {"name": name})
    number = _weight(weight)
    if number is None:
        _add(errors, "weight", _("Enter the weight as a number."))
    elif not Decimal(0) < number <= MAX_WEIGHT:
        _add(errors, "weight", _("Enter a weight above 0 and at most %(most)s.") % {"most": MAX_WEIGHT})
    _raise(errors)
    if order is None:
        order = (event.criteria.aggregate(models.Max("order"))["order__max"] or 0) + 1
    assert number is not None
    criterion = EvaluationCriterion(event=event, name=name, weight=number, order=order)
    criterion.full_clean()
    criterion.save()
    audit.record(
        criterion, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(criterion)), reason=reason
    )
    step(
        event,
        StepKind.NOTE,
        _("Criterion “%(name)s” added with weight %(weight)s.") % {"name": name, "weight": number},
        by=by,
    )
    return criterion


@transaction.atomic
def remove_criterion(criterion: EvaluationCriterion, *, by: Any, reason: str = "") -> None:
    event = criterion.event
    require(by, Action.CHANGE, event)
    errors: Errors = {}
    _check_state(
        event, (SourcingStatus.DRAFT,), _("Criteria are set in the draft; the event is %(status)s."), errors
    )
    _raise(errors)
    pending = audit.pending_for(
        criterion, AuditAction.DELETE, by=by, changes=audit.diff(audit.snapshot(criterion), {}), reason=reason
    )
    criterion.delete()
    audit.record_many([pending])
    step(event, StepKind.NOTE, _("Criterion “%(name)s” removed.") % {"name": criterion.name}, by=by)


# Invitations -------------------------------------------------------------------------------------


def invite_supplier(event: SourcingEvent, supplier: Supplier, *, by: Any, reason: str = "") -> Invitation:
    """Invite `supplier` to bid, if its status allows it; a refusal is recorded in the
    audit trail and on the timeline, and nothing else is kept."""
    with _refusal_traced(
        event, by=by, attempted=_("invite %(supplier)s") % {"supplier": supplier.display_name}
    ):
        return _invite(event, supplier, by=by, reason=reason)


@transaction.atomic
def _invite(event: SourcingEvent, supplier: Supplier, *, by: Any, reason: str) -> Invitation:
    require(by, Action.CHANGE, event)
    event = _locked(event)
    now = timezone.now()
    errors: Errors = {}
    _check_state(
        event,
        INVITING_STATUSES,
        _("Suppliers are invited while the event is a draft or open for bids; it is %(status)s."),
        errors,
    )
    if event.status == SourcingStatus.OPEN and event.bid_deadline is not None and event.bid_deadline <= now:
        _add(errors, NON_FIELD_ERRORS, _("The bid deadline has passed; no more suppliers can be invited."))
    if not is_system(by) and not can(by, Action.VIEW, supplier):
        _add(errors, "supplier", _("Supplier not found."))
    else:
        if event.invitations.filter(supplier=supplier).exists():
            _add(
                errors,
                "supplier",
                _("%(supplier)s is already invited.") % {"supplier": supplier.display_name},
            )
        try:
            ensure_allowed(supplier, "may_be_invited")
        except ValidationError as error:
            _merge(errors, error)
    _raise(errors)
    invitation = Invitation.objects.create(
        event=event, supplier=supplier, invited_by=_person(by), invited_at=now
    )
    audit.record(
        invitation,
        AuditAction.CREATE,
        by=by,
        changes=audit.diff({}, audit.snapshot(invitation)),
        reason=reason,
    )
    step(event, StepKind.INVITED, _("%(supplier)s invited.") % {"supplier": supplier.display_name}, by=by)
    return invitation


# Bids --------------------------------------------------------------------------------------------


def _amount(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


@transaction.atomic
def record_bid(
    event: SourcingEvent,
    supplier: Supplier,
    *,
    by: Any,
    price_cny: Any,
    delivery_days: int | None = None,
    terms: str = "",
    file: Any = None,
    reason: str = "",
) -> Bid:
    """Record the bid an invited supplier sent, while the event is open and before the
    deadline; one bid per supplier."""
    require(by, Action.CHANGE, event)
    event = _locked(event)
    now = timezone.now()
    errors: Errors = {}
    _check_state(
        event,
        (SourcingStatus.OPEN,),
        _("Bids are recorded while the event is open; it is %(status)s."),
        errors,
    )
    if event.status == SourcingStatus.OPEN and event.bid_deadline is not None and event.bid_deadline <= now:
        _add(
            errors,
            NON_FIELD_ERRORS,
            _("The bid deadline passed at %(moment)s; a late bid is not accepted.")
            % {"moment": _moment(event.bid_deadline)},
        )
    invitation = event.invitations.filter(supplier=supplier).first()
    if invitation is None:
        _add(
            errors,
            "supplier",
            _("%(supplier)s was not invited to this event.") % {"supplier": supplier.display_name},
        )
    elif event.bids.filter(supplier=supplier).exists():
        _add(
            errors,
            "supplier",
            _("%(supplier)s has already bid; one bid per supplier.") % {"supplier": supplier.display_name},
        )
    price = _amount(price_cny)
    if price is None:
        _add(errors, "price_cny", _("Enter the price as a number."))
    elif price <= 0:
        _add(errors, "price_cny", _("Enter a price above zero."))
    if delivery_days is not None and (not isinstance(delivery_days, int) or delivery_days < 0):
        _add(errors, "delivery_days", _("Enter zero or more days."))
    _raise(errors)
    assert invitation is not None
    assert price is not None
    attachment = None
    if file is not None:
        attachment = file_services.store_file(
            file,
            filename=getattr(file, "name", "") or "",
            by=_person(by) or event.buyer,
            unit=event.unit,
            target=event,
            content_type=getattr(file, "content_type", "") or "",
            description=_("Bid of %(supplier)s for %(event)s")
            % {"supplier": supplier.display_name, "event": event.reference},
        )
    bid = Bid(
        event=event,
        supplier=supplier,
        price_cny=price,
        delivery_days=delivery_days,
        terms=(terms or "").strip(),
        attachment=attachment,
        submitted_at=now,
        recorded_by=_person(by),
    )
    bid.full_clean()
    bid.save()
    invitation.status = InvitationStatus.BID
    invitation.save(update_fields=["status"])
    audit.record(bid, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(bid)), reason=reason)
    step(
        event, StepKind.BID, _("Bid received from %(supplier)s.") % {"supplier": supplier.display_name}, by=by
    )
    return bid


# Who sees bids -----------------------------------------------------------------------------------


def bid_view_refusal(event: SourcingEvent, person: Any) -> str | None:
    """Why `person` may not see the bids of `event`, or None (see the module docstring)."""
    if not is_authenticated_person(person):
        return _("Sign in to see the bids.")
    evaluator = event.evaluators.filter(person=person).first()
    if evaluator is not None:
        if evaluator.declared_at is None:
            return _("Sign the conflict-of-interest declaration before you see the bids.")
        if evaluator.has_conflict:
            return _(
                "You declared a conflict of interest and are recused from this event: its bids stay hidden."
            )
        return None
    if can(person, Action.CHANGE, event):
        return None
    if event.status in FINISHED_STATUSES and can(person, Action.VIEW, event):
        return None
    return _("Until the award, the bids are seen by the event's buyer and its declared evaluators.")


def visible_bids(person: Any) -> models.QuerySet[Bid]:
    """Every bid `person` may see, over all events (the same rule as `bid_view_refusal`)."""
    bids = restrict(Bid.objects.all(), person, Action.VIEW)
    if not is_authenticated_person(person):
        return bids
    evaluations = Evaluator.objects.filter(person=person)
    cleared = evaluations.filter(declared_at__isnull=False, has_conflict=False).values("event")
    blocked = evaluations.exclude(declared_at__isnull=False, has_conflict=False).values("event")
    administered = restrict(SourcingEvent.objects.all(), person, Action.CHANGE).values("pk")
    return bids.filter(
        Q(event__in=cleared) | Q(event__in=administered) | Q(event__status__in=FINISHED_STATUSES)
    ).exclude(event__in=blocked)


def bids_visible_to(event: SourcingEvent, person: Any) -> models.QuerySet[Bid]:
    """The bids of `event` that `person` may see: all of them or none."""
    return visible_bids(person).filter(event=event)


def ensure_bids_visible(event: SourcingEvent, person: Any) -> None:
    """Refuse (PermissionDenied with the reason) a person who may not see the bids of
    `event`, and record the refusal in the audit trail. A read has no transaction to roll
    back, so the event is recorded directly."""
    refusal = bid_view_refusal(event, person)
    if refusal is None:
        return
    audit.record(
        event,
        AuditAction.REFUSED,
        by=person if is_authenticated_person(person) else None,
        changes={"attempted": [None, "view bids"]},
        reason=refusal,
    )
    raise PermissionDenied(refusal)


# Evaluators and declarations ---------------------------------------------------------------------


@transaction.atomic
def add_evaluator(event: SourcingEvent, person: Person, *, by: Any, reason: str = "") -> Evaluator:
    """Ask `person` (active, working with suppliers of the event's unit) to evaluate the
    bids. The buyer may evaluate their own event; the timeline says so."""
    require(by, Action.CHANGE, event)
    errors: Errors = {}
    _check_state(
        event,
        EVALUATOR_STATUSES,
        _("Evaluators are added before the shortlist; the event is %(status)s."),
        errors,
    )
    if not is_system(by) and not can(by, Action.VIEW, person):
        _add(errors, "person", _("Person not found."))
    elif not person.is_active:
        _add(errors, "person", _("%(name)s has left.") % {"name": person.full_name})
    elif not has_grant(person, Domain.SUPPLIERS, Action.VIEW, event.unit.path):
        _add(
            errors,
            "person",
            _("%(name)s does not work with the suppliers of %(unit)s, so cannot evaluate this event.")
            % {"name": person.full_name, "unit": event.unit.name},
        )
    elif event.evaluators.filter(person=person).exists():
        _add(errors, "person", _("%(name)s is already an evaluator.") % {"name": person.full_name})
    _raise(errors)
    evaluator = Evaluator.objects.create(
        event=event, person=person, added_by=_person(by), added_at=timezone.now()
    )
    audit.record(
        evaluator, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(evaluator)), reason=reason
    )
    if person.pk == event.buyer_id:
        description = _("%(name)s, the event's buyer, added as an evaluator.") % {"name": person.full_name}
    else:
        description = _("%(name)s added as an evaluator.") % {"name": person.full_name}
    step(event, StepKind.EVALUATOR, description, by=by)
    if getattr(by, "pk", None) != person.pk:
        notify(
            person,
            kinds.EVALUATOR_ADDED.code,
            title=format_lazy(gettext_lazy("Evaluate {event}"), event=str(event)),
            body=gettext_lazy(
                "Sign the conflict-of-interest declaration on the event's page to see the bids."
            ),
            link=reverse("suppliers:event-detail", args=[event.pk]),
            target=event,
        )
    return evaluator


@transaction.atomic
def remove_evaluator(evaluator: Evaluator, *, by: Any, reason: str = "") -> None:
    """Remove an evaluator who has not scored anything yet, before the shortlist."""
    event = evaluator.event
    require(by, Action.CHANGE, event)
    errors: Errors = {}
    _check_state(
        event,
        EVALUATOR_STATUSES,
        _("Evaluators change before the shortlist; the event is %(status)s."),
        errors,
    )
    if evaluator.scores.exists():
        _add(
            errors,
            NON_FIELD_ERRORS,
            _("%(name)s has scored bids; their scores stay with the evaluation.")
            % {"name": evaluator.person.full_name},
        )
    _raise(errors)
    pending = audit.pending_for(
        evaluator, AuditAction.DELETE, by=by, changes=audit.diff(audit.snapshot(evaluator), {}), reason=reason
    )
    evaluator.delete()
    audit.record_many([pending])
    step(
        event,
        StepKind.EVALUATOR,
        _("%(name)s removed as an evaluator.") % {"name": evaluator.person.full_name},
        by=by,
    )


@transaction.atomic
def sign_declaration(evaluator: Evaluator, *, by: Any, has_conflict: bool, details: str = "") -> Evaluator:
    """The evaluator's own conflict-of-interest declaration, signed once: without a
    conflict they may see and score the bids; a declared conflict recuses them."""
    evaluator = Evaluator.objects.select_for_update().select_related("event", "person").get(pk=evaluator.pk)
    event = evaluator.event
    errors: Errors = {}
    if getattr(by, "pk", None) != evaluator.person_id:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("Only %(name)s can sign their own declaration.") % {"name": evaluator.person.full_name}
                ]
            }
        )
    if event.status in FINISHED_STATUSES:
        _add(errors, NON_FIELD_ERRORS, _("The event is %(status)s.") % {"status": _status_label(event)})
    if evaluator.declared_at is not None:
        _add(
            errors,
            NON_FIELD_ERRORS,
            _("You signed your declaration at %(moment)s; it cannot be changed.")
            % {"moment": _moment(evaluator.declared_at)},
        )
    details = (details or "").strip()
    if has_conflict and not details:
        _add(errors, "details", _("Describe the conflict of interest."))
    _raise(errors)
    before = audit.snapshot(evaluator)
    evaluator.declared_at = timezone.now()
    evaluator.has_conflict = bool(has_conflict)
    evaluator.conflict_details = details if has_conflict else ""
    evaluator.save(update_fields=["declared_at", "has_conflict", "conflict_details"])
    audit.record(evaluator, AuditAction.UPDATE, by=by, changes=audit.diff(before, audit.snapshot(evaluator)))
    name = evaluator.person.full_name
    if has_conflict:
        description = _("%(name)s declared a conflict of interest and is recused.") % {"name": name}
    else:
        description = _("%(name)s declared no conflict of interest.") % {"name": name}
    step(event, StepKind.DECLARATION, description, by=by)
    return evaluator


# Scores and the evaluation matrix ----------------------------------------------------------------


@dataclass(frozen=True)
class ScoreEntry:
    """One score to record: a bid against a criterion, 0 to 100, with a comment."""

    bid: Bid
    criterion: EvaluationCriterion
    score: Any
    comment: str = ""


def _scoring_evaluator(event: SourcingEvent, by: Any, errors: Errors) -> Evaluator | None:
    evaluator = event.evaluators.filter(person=_person(by)).first() if _person(by) else None
    if evaluator is None:
        _add(errors, NON_FIELD_ERRORS, _("Only the event's evaluators score its bids."))
    elif evaluator.declared_at is None:
        _add(errors, NON_FIELD_ERRORS, _("Sign the conflict-of-interest declaration before you score."))
    elif evaluator.has_conflict:
        _add(
            errors,
            NON_FIELD_ERRORS,
            _("You declared a conflict of interest and are recused from this event."),
        )
    return evaluator


@transaction.atomic
def score_bids(event: SourcingEvent, *, by: Any, entries: Iterable[ScoreEntry]) -> list[BidScore]:
    """Record (or correct) the acting evaluator's scores while the event is in evaluation;
    one timeline step for the lot."""
    items = list(entries)
    errors: Errors = {}
    _check_state(
        event,
        (SourcingStatus.EVALUATION,),
        _("Bids are scored during the evaluation; the event is %(status)s."),
        errors,
    )
    evaluator = _scoring_evaluator(event, by, errors)
    values: list[Decimal] = []
    for item in items:
        if item.bid.event_id != event.pk or item.criterion.event_id != event.pk:
            _add(errors, NON_FIELD_ERRORS, _("Score only the bids of this event on its criteria."))
            break
        value = _amount(item.score)
        if value is None or not Decimal(0) <= value <= MAX_SCORE:
            _add(
                errors,
                "score",
                _("Score %(supplier)s on “%(criterion)s” from 0 to 100.")
                % {"supplier": item.bid.supplier.display_name, "criterion": item.criterion.name},
            )
            continue
        values.append(value.quantize(CENTS, rounding=ROUND_HALF_UP))
    if not items:
        _add(errors, "score", _("Enter at least one score."))
    _raise(errors)
    assert evaluator is not None
    now = timezone.now()
    saved = []
    for item, value in zip(items, values, strict=True):
        score, created = BidScore.objects.get_or_create(
            bid=item.bid,
            criterion=item.criterion,
            evaluator=evaluator,
            defaults={"score": value, "comment": (item.comment or "").strip()[:500], "scored_at": now},
        )
        if created:
            audit.record(score, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(score)))
        else:
            before = audit.snapshot(score)
            score.score = value
            score.comment = (item.comment or "").strip()[:500]
            score.scored_at = now
            score.save()
            changes = audit.diff(before, audit.snapshot(score))
            changes.pop("scored_at", None)
            if changes:
                audit.record(score, AuditAction.UPDATE, by=by, changes=changes)
        saved.append(score)
    step(
        event,
        StepKind.SCORED,
        _("%(name)s recorded %(count)d scores.") % {"name": evaluator.person.full_name, "count": len(saved)},
        by=by,
    )
    return saved


def score_bid(
    bid: Bid, criterion: EvaluationCriterion, *, by: Any, score: Any, comment: str = ""
) -> BidScore:
    """One score of the acting evaluator (see `score_bids`)."""
    return score_bids(bid.event, by=by, entries=[ScoreEntry(bid, criterion, score, comment)])[0]


@dataclass
class MatrixRow:
    """A bid in the matrix: each criterion's scores by evaluator, each evaluator's
    weighted total (None until they scored every criterion) and the bid's total."""

    bid: Bid
    scores: dict[tuple[int, int], BidScore] = field(default_factory=dict)
    evaluator_totals: dict[int, Decimal | None] = field(default_factory=dict)
    total: Decimal | None = None
    rank: int | None = None

    def score(self, criterion_id: int, evaluator_id: int) -> BidScore | None:
        return self.scores.get((criterion_id, evaluator_id))


@dataclass
class EvaluationMatrix:
    """Criteria by bids with the scores of the evaluators who may score (declared,
    not recused), ranked by weighted total."""

    criteria: list[EvaluationCriterion]
    evaluators: list[Evaluator]
    rows: list[MatrixRow]

    @property
    def is_complete(self) -> bool:
        return (
            bool(self.rows)
            and all(row.total is not None for row in self.rows)
            and all(total is not None for row in self.rows for total in row.evaluator_totals.values())
        )

    def cells(self, row: MatrixRow) -> list[tuple[EvaluationCriterion, list[BidScore | None]]]:
        return [
            (criterion, [row.score(criterion.pk, evaluator.pk) for evaluator in self.evaluators])
            for criterion in self.criteria
        ]


def _weighted(scores: Sequence[Decimal], weights: Sequence[Decimal]) -> Decimal:
    total_weight = sum(weights, Decimal(0))
    value = sum((score * weight for score, weight in zip(scores, weights, strict=True)), Decimal(0))
    return (value / total_weight).quantize(CENTS, rounding=ROUND_HALF_UP)


def evaluation_matrix(event: SourcingEvent, bids: models.QuerySet[Bid] | None = None) -> EvaluationMatrix:
    """The evaluation matrix of `event` over `bids` (all its bids by default; pass
    `bids_visible_to(event, person)` when showing it to someone).

    An evaluator's total for a bid is the sum of score times weight divided by the sum of
    the weights over the criteria; the bid's total is the mean of the totals of the
    evaluators who scored it completely. Ranked by total (highest first), then by price
    (lowest first), then by arrival."""
    criteria = list(event.criteria.all())
    evaluators = list(
        event.evaluators.filter(declared_at__isnull=False, has_conflict=False).select_related("person")
    )
    chosen = bids if bids is not None else event.bids.all()
    rows = [MatrixRow(bid) for bid in chosen.select_related("supplier").order_by("submitted_at", "pk")]
    by_bid = {row.bid.pk: row for row in rows}
    scores = BidScore.objects.filter(bid__in=[row.bid.pk for row in rows], evaluator__in=evaluators)
    for score in scores:
        by_bid[score.bid_id].scores[(score.criterion_id, score.evaluator_id)] = score
    weights = [criterion.weight for criterion in criteria]
    for row in rows:
        complete: list[Decimal] = []
        for evaluator in evaluators:
            given = [row.score(criterion.pk, evaluator.pk) for criterion in criteria]
            if criteria and all(item is not None for item in given):
                total = _weighted([item.score for item in given if item is not None], weights)
                complete.append(total)
                row.evaluator_totals[evaluator.pk] = total
            else:
                row.evaluator_totals[evaluator.pk] = None
        if complete:
            row.total = (sum(complete, Decimal(0)) / len(complete)).quantize(CENTS, rounding=ROUND_HALF_UP)
    rows.sort(
        key=lambda row: (
            row.total is None,
            -(row.total or Decimal(0)),
            row.bid.price_cny,
            row.bid.submitted_at,
            row.bid.pk,
        )
    )
    for position, row in enumerate(rows, start=1):
        row.rank = position if row.total is not None else None
    return EvaluationMatrix(criteria=criteria, evaluators=evaluators, rows=rows)


# Workflow steps ----------------------------------------------------------------------------------


@transaction.atomic
def open_event(event: SourcingEvent, *, by: Any, reason: str = "") -> SourcingEvent:
    """Open the event for bids: suppliers invited, weighted criteria, a deadline ahead."""
    SourcingWorkflow.apply(event, "open", by=by, reason=reason)
    assert event.bid_deadline is not None
    event.refresh_from_db()
    step(
        event,
        StepKind.OPENED,
        _("Opened for bids until %(moment)s.") % {"moment": _moment(event.bid_deadline)},
        by=by,
    )
    return event


@transaction.atomic
def close_bidding(event: SourcingEvent, *, by: Any, reason: str = "") -> SourcingEvent:
    """End bidding and start the evaluation: after the deadline, or earlier with a reason."""
    reason = (reason or "").strip()
    fresh = _locked(event)
    deadline = fresh.bid_deadline
    early = deadline is not None and deadline > timezone.now()
    if deadline is not None and early and not reason and fresh.status == SourcingStatus.OPEN:
        require(by, Action.CHANGE, event)
        raise ValidationError(
            {
                "reason": [
                    _("The bid deadline (%(moment)s) has not passed: give a reason to close bidding early.")
                    % {"moment": _moment(deadline)}
                ]
            }
        )
    SourcingWorkflow.apply(event, "close_bidding", by=by, reason=reason)
    description = (
        _("Bidding closed early; evaluation started.") if early else _("Bidding closed; evaluation started.")
    )
    if reason:
        description = f"{description} {_('Reason')}: {reason}"
    step(event, StepKind.NOTE, description, by=by)
    for evaluator in event.evaluators.select_related("person"):
        if evaluator.has_conflict:
            continue
        notify(
            evaluator.person,
            kinds.BIDS_READY.code,
            title=format_lazy(gettext_lazy("Bids ready to evaluate: {event}"), event=str(event)),
            link=reverse("suppliers:event-detail", args=[event.pk]),
            target=event,
        )
    return event


@transaction.atomic
def announce_shortlist(
    event: SourcingEvent,
    *,
    by: Any,
    bids: Iterable[Bid],
    publicity_days: int | None = DEFAULT_PUBLICITY_DAYS,
    reason: str = "",
) -> SourcingEvent:
    """Rank the bids by weighted total, put `bids` on the shortlist and announce it for
    `publicity_days` days, after which the event may be awarded."""
    chosen = list(bids)
    days = DEFAULT_PUBLICITY_DAYS if publicity_days is None else publicity_days
    errors: Errors = {}
    if not chosen:
        _add(errors, "bids", _("Choose at least one bid for the shortlist."))
    elif any(bid.event_id != event.pk for bid in chosen):
        _add(errors, "bids", _("Choose bids of this event."))
    if not isinstance(days, int) or not 1 <= days <= MAX_PUBLICITY_DAYS:
        _add(
            errors,
            "publicity_days",
            _("The publicity period lasts from 1 to %(most)d days.") % {"most": MAX_PUBLICITY_DAYS},
        )
    require(by, Action.CHANGE, event)
    _raise(errors)
    SourcingWorkflow.apply(event, "shortlist", by=by, reason=reason)
    matrix = evaluation_matrix(event)
    shortlisted = {bid.pk for bid in chosen}
    for row in matrix.rows:
        row.bid.total_score = row.total
        row.bid.rank = row.rank
        row.bid.is_shortlisted = row.bid.pk in shortlisted
        row.bid.save(update_fields=["total_score", "rank", "is_shortlisted"])
    event.invitations.filter(supplier__in=[bid.supplier_id for bid in chosen]).update(
        status=InvitationStatus.SHORTLISTED
    )
    before = audit.snapshot(event)
    event.publicity_ends_at = timezone.now() + dt.timedelta(days=days)
    event.save(update_fields=["publicity_ends_at", "updated_at"])
    audit.record(
        event, AuditAction.UPDATE, by=by, changes=audit.diff(before, audit.snapshot(event)), reason=reason
    )
    names = ", ".join(
        _("%(supplier)s (rank %(rank)s)") % {"supplier": row.bid.supplier.display_name, "rank": row.rank}
        for row in matrix.rows
        if row.bid.pk in shortlisted
    )
    step(
        event,
        StepKind.SHORTLIST,
        _("Shortlist announced: %(names)s. Publicity until %(moment)s.")
        % {"names": names, "moment": _moment(event.publicity_ends_at)},
        by=by,
    )
    return event


def award(event: SourcingEvent, supplier: Supplier, *, by: Any, reason: str) -> SourcingEvent:
    """Award the event to a shortlisted supplier whose status allows it, after the
    publicity period; a refusal is recorded in the audit trail and on the timeline."""
    with _refusal_traced(
        event, by=by, attempted=_("award to %(supplier)s") % {"supplier": supplier.display_name}
    ):
        return _award(event, supplier, by=by, reason=reason)


@transaction.atomic
def _award(event: SourcingEvent, supplier: Supplier, *, by: Any, reason: str) -> SourcingEvent:
    require(by, Action.CHANGE, event)
    reason = (reason or "").strip()
    errors: Errors = {}
    if not reason:
        _add(errors, "reason", _("Give the reason for the award."))
    bid = event.bids.filter(supplier=supplier).first()
    if bid is None:
        _add(errors, "supplier", _("%(supplier)s did not bid.") % {"supplier": supplier.display_name})
    elif not bid.is_shortlisted:
        _add(
            errors,
            "supplier",
            _("%(supplier)s is not on the shortlist.") % {"supplier": supplier.display_name},
        )
    try:
        ensure_allowed(supplier, "may_be_awarded")
    except ValidationError as error:
        _merge(errors, error)
    _raise(errors)
    SourcingWorkflow.apply(event, "award", by=by, reason=reason)
    before = audit.snapshot(event)
    event.awarded_supplier = supplier
    event.awarded_at = timezone.now()
    event.award_reason = reason
    event.save(update_fields=["awarded_supplier", "awarded_at", "award_reason", "updated_at"])
    audit.record(
        event, AuditAction.UPDATE, by=by, changes=audit.diff(before, audit.snapshot(event)), reason=reason
    )
    step(
        event,
        StepKind.AWARDED,
        _("Awarded to %(supplier)s. Reason: %(reason)s")
        % {"supplier": supplier.display_name, "reason": reason},
        by=by,
    )
    return event


@transaction.atomic
def cancel_event(event: SourcingEvent, *, by: Any, reason: str) -> SourcingEvent:
    """Cancel the event, with a reason, before the award."""
    SourcingWorkflow.apply(event, "cancel", by=by, reason=reason)
    step(event, StepKind.CANCELLED, _("Cancelled. Reason: %(reason)s") % {"reason": reason.strip()}, by=by)
    return event


TRANSITION_SERVICES = {
    "open": open_event,
    "close_bidding": close_bidding,
    "cancel": cancel_event,
}
