"""Evaluating a sourcing event's bids: who sees them, the evaluators and their
conflict-of-interest declarations, their scores and the evaluation matrix that ranks the
bids. The event itself, its criteria, invitations, bids and workflow steps are written by
garrison.suppliers.services.sourcing.

Each verb checks the acting person may change the event (or, for a declaration or a
score, is the evaluator), validates everything at once, runs in one transaction, appends
its audit event and writes a step on the event's timeline naming who took it.

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
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
from garrison.core.services.notifications import notify
from garrison.suppliers import notifications_sourcing as kinds
from garrison.suppliers.models import (
    Bid,
    BidScore,
    EvaluationCriterion,
    Evaluator,
    SourcingEvent,
    SourcingStatus,
    StepKind,
)
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
from garrison.suppliers.workflows_sourcing import FINISHED_STATUSES

MAX_SCORE = Decimal(100)
CENTS = Decimal("0.01")
EVALUATOR_STATUSES = (SourcingStatus.DRAFT, SourcingStatus.OPEN, SourcingStatus.EVALUATION)


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
    check_state(
        event,
        EVALUATOR_STATUSES,
        _("Evaluators are added before the shortlist; the event is %(status)s."),
        errors,
    )
    if not is_system(by) and not can(by, Action.VIEW, person):
        add(errors, "person", _("Person not found."))
    elif not person.is_active:
        add(errors, "person", _("%(name)s has left.") % {"name": person.full_name})
    elif not has_grant(person, Domain.SUPPLIERS, Action.VIEW, event.unit.path):
        add(
            errors,
            "person",
            _("%(name)s does not work with the suppliers of %(unit)s, so cannot evaluate this event.")
            % {"name": person.full_name, "unit": event.unit.name},
        )
    elif event.evaluators.filter(person=person).exists():
        add(errors, "person", _("%(name)s is already an evaluator.") % {"name": person.full_name})
    raise_errors(errors)
    evaluator = Evaluator.objects.create(
        event=event, person=person, added_by=acting_person(by), added_at=timezone.now()
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
    check_state(
        event,
        EVALUATOR_STATUSES,
        _("Evaluators change before the shortlist; the event is %(status)s."),
        errors,
    )
    if evaluator.scores.exists():
        add(
            errors,
            NON_FIELD_ERRORS,
            _("%(name)s has scored bids; their scores stay with the evaluation.")
            % {"name": evaluator.person.full_name},
        )
    raise_errors(errors)
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
        add(errors, NON_FIELD_ERRORS, _("The event is %(status)s.") % {"status": status_label(event)})
    if evaluator.declared_at is not None:
        add(
            errors,
            NON_FIELD_ERRORS,
            _("You signed your declaration at %(moment)s; it cannot be changed.")
            % {"moment": moment(evaluator.declared_at)},
        )
    details = (details or "").strip()
    if has_conflict and not details:
        add(errors, "details", _("Describe the conflict of interest."))
    raise_errors(errors)
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
    evaluator = event.evaluators.filter(person=acting_person(by)).first() if acting_person(by) else None
    if evaluator is None:
        add(errors, NON_FIELD_ERRORS, _("Only the event's evaluators score its bids."))
    elif evaluator.declared_at is None:
        add(errors, NON_FIELD_ERRORS, _("Sign the conflict-of-interest declaration before you score."))
    elif evaluator.has_conflict:
        add(
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
    check_state(
        event,
        (SourcingStatus.EVALUATION,),
        _("Bids are scored during the evaluation; the event is %(status)s."),
        errors,
    )
    evaluator = _scoring_evaluator(event, by, errors)
    values: list[Decimal] = []
    for item in items:
        if item.bid.event_id != event.pk or item.criterion.event_id != event.pk:
            add(errors, NON_FIELD_ERRORS, _("Score only the bids of this event on its criteria."))
            break
        value = amount(item.score)
        if value is None or not Decimal(0) <= value <= MAX_SCORE:
            add(
                errors,
                "score",
                _("Score %(supplier)s on “%(criterion)s” from 0 to 100.")
                % {"supplier": item.bid.supplier.display_name, "criterion": item.criterion.name},
            )
            continue
        values.append(value.quantize(CENTS, rounding=ROUND_HALF_UP))
    if not items:
        add(errors, "score", _("Enter at least one score."))
    raise_errors(errors)
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
