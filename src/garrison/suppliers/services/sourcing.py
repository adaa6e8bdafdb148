"""Sourcing events (RFQs and tenders): every write to an event, its criteria, invitations
and bids, and every step of its workflow, goes through here. Who sees the bids, the
evaluators, their declarations and scores, and the evaluation matrix are in
garrison.suppliers.services.evaluation.

Each verb checks the acting person may change the event, validates everything at once,
runs in one transaction, appends its audit event and writes a step on the event's
timeline naming who took it.

Gates: inviting and awarding ask `gating.ensure_allowed` whether the supplier's status
allows it. A refused invitation or award is recorded twice after the rollback: in the
audit trail (`audit.refusals_recorded`) and as a "refused" step on the timeline, so the
event's own page shows that a blacklisted supplier was kept out and by whom. Timeline
steps never carry prices or scores, since everyone who sees the event sees its timeline.

With `by=None` (or an actor label such as "seed-demo") the system acts and the reach
checks are skipped.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import audit
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant, is_system, require
from garrison.core.services import files as file_services
from garrison.core.services.notifications import notify
from garrison.core.services.references import save_numbered
from garrison.suppliers import notifications_sourcing as kinds
from garrison.suppliers.models import (
    Bid,
    EvaluationCriterion,
    Invitation,
    InvitationStatus,
    SourcingEvent,
    SourcingStatus,
    StepKind,
    Supplier,
)
from garrison.suppliers.services.evaluation import evaluation_matrix
from garrison.suppliers.services.gating import ensure_allowed
from garrison.suppliers.services.sourcing_common import (
    Errors,
    acting_person,
    add,
    amount,
    check_state,
    moment,
    raise_errors,
    status_label,
    step,
)
from garrison.suppliers.workflows_sourcing import SourcingWorkflow

REFERENCE_PREFIX = "SRC-"
DEFAULT_PUBLICITY_DAYS = 3
MAX_PUBLICITY_DAYS = 90
MAX_WEIGHT = Decimal(1000)

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


# Helpers -----------------------------------------------------------------------------------------


def _merge(errors: Errors, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    else:
        errors.setdefault(NON_FIELD_ERRORS, []).extend(error.messages)


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
        add(errors, "title", _("Give the event a title."))
    if (
        "bid_deadline" in changed
        and isinstance(event.bid_deadline, dt.datetime)
        and event.bid_deadline <= now
    ):
        add(errors, "bid_deadline", _("The bid deadline must be in the future."))
    value = event.estimated_value_cny
    if value is not None and "estimated_value_cny" not in errors and Decimal(str(value)) < 0:
        add(errors, "estimated_value_cny", _("Enter zero or more."))
    unit = event.unit if event.unit_id else None
    if (
        not is_system(by)
        and "unit" in changed
        and unit is not None
        and not has_grant(by, Domain.SUPPLIERS, action, unit.path)
    ):
        add(errors, "unit", _("You do not run sourcing in this unit."))
    raise_errors(errors)


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
    chosen_buyer = buyer or acting_person(by)
    if chosen_buyer is not None:
        event.buyer = chosen_buyer
    event.created_by = acting_person(by)
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
                    % {"status": status_label(event)}
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
    check_state(
        event, (SourcingStatus.DRAFT,), _("Criteria are set in the draft; the event is %(status)s."), errors
    )
    name = (name or "").strip()
    if not name:
        add(errors, "name", _("Name the criterion."))
    elif event.criteria.filter(name__iexact=name).exists():
        add(errors, "name", _("The event already has the criterion “%(name)s”.") % {"name": name})
    number = _weight(weight)
    if number is None:
        add(errors, "weight", _("Enter the weight as a number."))
    elif not Decimal(0) < number <= MAX_WEIGHT:
        add(errors, "weight", _("Enter a weight above 0 and at most %(most)s.") % {"most": MAX_WEIGHT})
    raise_errors(errors)
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
    check_state(
        event, (SourcingStatus.DRAFT,), _("Criteria are set in the draft; the event is %(status)s."), errors
    )
    raise_errors(errors)
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
    check_state(
        event,
        INVITING_STATUSES,
        _("Suppliers are invited while the event is a draft or open for bids; it is %(status)s."),
        errors,
    )
    if event.status == SourcingStatus.OPEN and event.bid_deadline is not None and event.bid_deadline <= now:
        add(errors, NON_FIELD_ERRORS, _("The bid deadline has passed; no more suppliers can be invited."))
    if not is_system(by) and not can(by, Action.VIEW, supplier):
        add(errors, "supplier", _("Supplier not found."))
    else:
        if event.invitations.filter(supplier=supplier).exists():
            add(
                errors,
                "supplier",
                _("%(supplier)s is already invited.") % {"supplier": supplier.display_name},
            )
        try:
            ensure_allowed(supplier, "may_be_invited")
        except ValidationError as error:
            _merge(errors, error)
    raise_errors(errors)
    invitation = Invitation.objects.create(
        event=event, supplier=supplier, invited_by=acting_person(by), invited_at=now
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
    check_state(
        event,
        (SourcingStatus.OPEN,),
        _("Bids are recorded while the event is open; it is %(status)s."),
        errors,
    )
    if event.status == SourcingStatus.OPEN and event.bid_deadline is not None and event.bid_deadline <= now:
        add(
            errors,
            NON_FIELD_ERRORS,
            _("The bid deadline passed at %(moment)s; a late bid is not accepted.")
            % {"moment": moment(event.bid_deadline)},
        )
    invitation = event.invitations.filter(supplier=supplier).first()
    if invitation is None:
        add(
            errors,
            "supplier",
            _("%(supplier)s was not invited to this event.") % {"supplier": supplier.display_name},
        )
    elif event.bids.filter(supplier=supplier).exists():
        add(
            errors,
            "supplier",
            _("%(supplier)s has already bid; one bid per supplier.") % {"supplier": supplier.display_name},
        )
    price = amount(price_cny)
    if price is None:
        add(errors, "price_cny", _("Enter the price as a number."))
    elif price <= 0:
        add(errors, "price_cny", _("Enter a price above zero."))
    if delivery_days is not None and (not isinstance(delivery_days, int) or delivery_days < 0):
        add(errors, "delivery_days", _("Enter zero or more days."))
    raise_errors(errors)
    assert invitation is not None
    assert price is not None
    attachment = None
    if file is not None:
        attachment = file_services.store_file(
            file,
            filename=getattr(file, "name", "") or "",
            by=acting_person(by) or event.buyer,
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
        recorded_by=acting_person(by),
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
        _("Opened for bids until %(moment)s.") % {"moment": moment(event.bid_deadline)},
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
                    % {"moment": moment(deadline)}
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
        add(errors, "bids", _("Choose at least one bid for the shortlist."))
    elif any(bid.event_id != event.pk for bid in chosen):
        add(errors, "bids", _("Choose bids of this event."))
    if not isinstance(days, int) or not 1 <= days <= MAX_PUBLICITY_DAYS:
        add(
            errors,
            "publicity_days",
            _("The publicity period lasts from 1 to %(most)d days.") % {"most": MAX_PUBLICITY_DAYS},
        )
    require(by, Action.CHANGE, event)
    raise_errors(errors)
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
        % {"names": names, "moment": moment(event.publicity_ends_at)},
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
        add(errors, "reason", _("Give the reason for the award."))
    bid = event.bids.filter(supplier=supplier).first()
    if bid is None:
        add(errors, "supplier", _("%(supplier)s did not bid.") % {"supplier": supplier.display_name})
    elif not bid.is_shortlisted:
        add(
            errors,
            "supplier",
            _("%(supplier)s is not on the shortlist.") % {"supplier": supplier.display_name},
        )
    try:
        ensure_allowed(supplier, "may_be_awarded")
    except ValidationError as error:
        _merge(errors, error)
    raise_errors(errors)
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
