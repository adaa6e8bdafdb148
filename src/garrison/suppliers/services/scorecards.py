"""Periodic performance scorecards of suppliers and the weights of their criteria.

A scorecard scores every active criterion (delivery, quality, service, security
incidents, ESG …) 0 to 100 for one period; the overall score is the mean weighted by the
criteria's weights, which are copied onto the scorecard so a later change of weights does
not rewrite past periods. The overall score falls in a standing band by the supplier
policy's thresholds, and the supplier keeps the score and band of its latest period. A
standing below the policy's `downgrade_below` band proposes moving a qualified supplier to
rectifying (garrison.suppliers.services.classification), unless a status change of the
supplier already awaits a decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scoping import require
from garrison.suppliers import scoring
from garrison.suppliers.models import (
    Scorecard,
    ScorecardCriterion,
    ScorecardLine,
    StandingBand,
    StatusChange,
    StatusChangeSource,
    StatusChangeState,
    Supplier,
    SupplierPolicy,
    SupplierStatus,
)
from garrison.suppliers.services import classification

LINE_COMMENT_MAX_LENGTH = 500
COMMENT_MAX_LENGTH = 5000
WEIGHT_MAX = Decimal("9999.99")


def policy() -> SupplierPolicy:
    """The organisation's supplier policy (the defaults when none is stored)."""
    return SupplierPolicy.objects.order_by("pk").first() or SupplierPolicy()


def thresholds(current: SupplierPolicy | None = None) -> scoring.BandThresholds:
    current = current or policy()
    return scoring.BandThresholds(
        excellent_from=Decimal(current.excellent_from),
        good_from=Decimal(current.good_from),
        acceptable_from=Decimal(current.acceptable_from),
    )


def _check(
    supplier: Supplier,
    period_start: Any,
    period_end: Any,
    scores: Mapping[str, Any],
    comments: Mapping[str, Any],
    comment: str,
    criteria: list[ScorecardCriterion],
) -> dict[str, Decimal]:
    """The scores by criterion code as decimals; every refusal at once."""
    errors: dict[str, list[str]] = {}
    if not isinstance(period_start, dt.date):
        errors["period_start"] = [_("Give the first day of the period.")]
    if not isinstance(period_end, dt.date):
        errors["period_end"] = [_("Give the last day of the period.")]
    if isinstance(period_start, dt.date) and isinstance(period_end, dt.date):
        if period_end < period_start:
            errors["period_end"] = [_("The period cannot end before it starts.")]
        elif Scorecard.objects.filter(
            supplier=supplier, period_start=period_start, period_end=period_end
        ).exists():
            errors["period_start"] = [
                _("%(supplier)s already has a scorecard for %(period)s.")
                % {"supplier": supplier.reference, "period": scoring.period_label(period_start, period_end)}
            ]
    active = {criterion.code: criterion for criterion in criteria}
    values: dict[str, Decimal] = {}
    for code in scores:
        if code not in active:
            errors.setdefault(code, []).append(
                _("%(code)s is not an active scorecard criterion.") % {"code": code}
            )
    for code, criterion in active.items():
        raw = scores.get(code)
        number = scoring.as_decimal(raw) if raw not in (None, "") else None
        if number is None:
            errors.setdefault(code, []).append(
                _("Score %(criterion)s from 0 to 100.") % {"criterion": criterion.name}
            )
        elif not 0 <= number <= 100 or number != number.quantize(scoring.CENT):
            errors.setdefault(code, []).append(_("A score is from 0 to 100, with at most two decimals."))
        else:
            values[code] = number
    for code, text in comments.items():
        if code not in active:
            errors.setdefault(code, []).append(
                _("%(code)s is not an active scorecard criterion.") % {"code": code}
            )
        elif not isinstance(text, str) or len(text) > LINE_COMMENT_MAX_LENGTH:
            errors.setdefault(code, []).append(
                _("Keep the comment under %(limit)d characters.") % {"limit": LINE_COMMENT_MAX_LENGTH}
            )
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = [
            _("Keep the comment under %(limit)d characters.") % {"limit": COMMENT_MAX_LENGTH}
        ]
    if not active:
        errors["scores"] = [_("No scorecard criterion is active; activate one first.")]
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def create_scorecard(
    supplier: Supplier,
    *,
    by: Any,
    period_start: dt.date,
    period_end: dt.date,
    scores: Mapping[str, Any],
    comments: Mapping[str, Any] | None = None,
    comment: str = "",
    reason: str = "",
) -> Scorecard:
    """Score `supplier` for one period: every active criterion 0 to 100 (`scores` by
    criterion code, optional `comments` by code). See the module docstring for the rest."""
    require(by, Action.CHANGE, supplier)
    criteria = list(ScorecardCriterion.objects.filter(is_active=True).order_by("order", "code"))
    comments = comments or {}
    comment = (comment or "").strip()
    values = _check(supplier, period_start, period_end, scores, comments, comment, criteria)
    overall = scoring.weighted_mean(
        (values[criterion.code], Decimal(criterion.weight)) for criterion in criteria
    )
    assert overall is not None  # weights are > 0 and at least one criterion is active
    current_policy = policy()
    band = scoring.band_for(overall, thresholds(current_policy))
    scorecard = Scorecard(
        supplier=supplier,
        period_start=period_start,
        period_end=period_end,
        overall_score=overall,
        band=band,
        comment=comment,
        created_by=by if isinstance(by, Person) else None,
    )
    scorecard.full_clean()
    scorecard.save()
    lines = [
        ScorecardLine(
            scorecard=scorecard,
            criterion=criterion,
            weight=criterion.weight,
            score=values[criterion.code],
            comment=str(comments.get(criterion.code, "")).strip(),
        )
        for criterion in criteria
    ]
    ScorecardLine.objects.bulk_create(lines)
    changes = audit.diff({}, audit.snapshot(scorecard))
    changes["lines"] = [
        None,
        {line.criterion.code: {"score": str(line.score), "weight": str(line.weight)} for line in lines},
    ]
    audit.record(scorecard, AuditAction.CREATE, by=by, changes=changes, reason=reason)
    _keep_latest_on_supplier(supplier, by=by)
    if _proposes_downgrade(supplier, band, current_policy):
        classification.propose_status_change(
            supplier,
            SupplierStatus.RECTIFYING,
            by=None,
            source=StatusChangeSource.SCORECARD,
            reason=_("Scorecard %(period)s scored %(score)s (%(band)s), below %(limit)s.")
            % {
                "period": scoring.period_label(period_start, period_end),
                "score": overall,
                "band": StandingBand(band).label,
                "limit": StandingBand(current_policy.downgrade_below).label.lower(),
            },
        )
    return scorecard


def _keep_latest_on_supplier(supplier: Supplier, *, by: Any) -> None:
    """The supplier shows the score and band of its latest period."""
    latest = (
        Scorecard.objects.filter(supplier=supplier).order_by("-period_end", "-period_start", "-pk").first()
    )
    if latest is None:
        return
    locked = Supplier.objects.select_for_update().get(pk=supplier.pk)
    before = audit.snapshot(locked)
    locked.performance_score = latest.overall_score
    locked.performance_band = latest.band
    changes = audit.diff(before, audit.snapshot(locked))
    if changes:
        locked.save(update_fields=["performance_score", "performance_band", "updated_at"])
        audit.record(
            locked,
            AuditAction.UPDATE,
            by=by,
            changes=changes,
            reason=_("Scorecard for %(period)s.")
            % {"period": scoring.period_label(latest.period_start, latest.period_end)},
        )
    supplier.performance_score = locked.performance_score
    supplier.performance_band = locked.performance_band


def _proposes_downgrade(supplier: Supplier, band: str, current_policy: SupplierPolicy) -> bool:
    if supplier.status != SupplierStatus.QUALIFIED:
        return False
    if not scoring.is_below(band, current_policy.downgrade_below):
        return False
    # One open proposal per supplier: the one awaiting a decision stands.
    return not StatusChange.objects.filter(supplier=supplier, state=StatusChangeState.PROPOSED).exists()


# Criteria ------------------------------------------------------------------------------------------


@transaction.atomic
def update_criterion(
    criterion: ScorecardCriterion,
    *,
    by: Any,
    weight: Any = None,
    is_active: bool | None = None,
    reason: str = "",
) -> ScorecardCriterion:
    """Change a criterion's weight (greater than zero) or take it in or out of use; past
    scorecards keep the weights they were scored with. Needs the change grant on suppliers
    over the whole organisation."""
    require(by, Action.CHANGE, criterion)
    errors: dict[str, list[str]] = {}
    new_weight = Decimal(criterion.weight)
    if weight is not None:
        number = scoring.as_decimal(weight)
        if number is None or number <= 0:
            errors["weight"] = [_("A weight is a number greater than zero.")]
        elif number > WEIGHT_MAX or number != number.quantize(scoring.CENT):
            errors["weight"] = [_("A weight is at most 9999.99, with at most two decimals.")]
        else:
            new_weight = number.quantize(scoring.CENT)
    new_active = criterion.is_active if is_active is None else bool(is_active)
    if (
        not new_active
        and not ScorecardCriterion.objects.filter(is_active=True).exclude(pk=criterion.pk).exists()
    ):
        errors["is_active"] = [_("At least one criterion must stay active.")]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(criterion)
    criterion.weight = new_weight
    criterion.is_active = new_active
    criterion.full_clean()
    changes = audit.diff(before, audit.snapshot(criterion))
    if changes:
        criterion.save()
        audit.record(criterion, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    return criterion
