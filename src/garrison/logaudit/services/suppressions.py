"""Suppressions: matches that are expected at a site, on an asset or for an account, kept
out of the weekly findings until a date.

A suppression is data with an owner, a reason and an expiry, at most a year ahead, so that
nothing is hidden for ever without someone looking at it again; creating and revoking one
are audited like any record. It applies to a rule or to every rule:

- a *site* suppression (an organisational unit) to every asset of the unit and below;
- an *asset* suppression to one asset;
- an *account* suppression to the matches naming one account (the event's user) on the
  assets of a unit and below, or on one asset when it names one.

The audit (garrison.logaudit.services.audits) reads `active_suppressions` once per asset,
asks `matching_suppression` (no query) for each match, and adds up what each suppression
kept out with `count_suppressed`. Expiry is a date comparison: no job ends a suppression;
a daily job reminds the owner a week before (garrison.logaudit.tasks_suppressions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.assets.models import Asset
from garrison.core import audit
from garrison.core.models import EmploymentStatus, OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import all_visible, ancestor_paths, has_grant, is_system, require
from garrison.core.services.records import update_record
from garrison.core.services.references import save_numbered
from garrison.logaudit.models import DetectionRule, Suppression, SuppressionKind

REFERENCE_PREFIX = "SUP"
# The furthest ahead a suppression may expire: it is then looked at again.
MAX_SUPPRESSION_DAYS = 365
# A suppression ending within this many days is "expiring" on the list.
EXPIRING_WITHIN_DAYS = 14
# The owner is reminded this many days before the expiry date.
REMINDER_DAYS = 7

ACTIVE = "active"
EXPIRED = "expired"
REVOKED = "revoked"

# Most specific first: the suppression a match is counted against when several apply.
_SPECIFICITY: dict[str, int] = {SuppressionKind.ACCOUNT: 0, SuppressionKind.ASSET: 1, SuppressionKind.SITE: 2}


def state_of(suppression: Suppression, today: dt.date | None = None) -> str:
    """ "revoked", "expired" (its date has passed) or "active"."""
    if suppression.revoked_at is not None:
        return REVOKED
    today = today or organisation_today()
    return EXPIRED if suppression.expires_on < today else ACTIVE


def in_state(
    queryset: QuerySet[Suppression], state: str, today: dt.date | None = None
) -> QuerySet[Suppression]:
    """The suppressions of `queryset` that are active, expired or revoked on `today`."""
    today = today or organisation_today()
    if state == REVOKED:
        return queryset.filter(revoked_at__isnull=False)
    if state == EXPIRED:
        return queryset.filter(revoked_at__isnull=True, expires_on__lt=today)
    if state == ACTIVE:
        return queryset.filter(revoked_at__isnull=True, expires_on__gte=today)
    return queryset


def expiring(queryset: QuerySet[Suppression], today: dt.date | None = None) -> QuerySet[Suppression]:
    """Active suppressions that end within the next 14 days."""
    today = today or organisation_today()
    return in_state(queryset, ACTIVE, today).filter(
        expires_on__lte=today + dt.timedelta(days=EXPIRING_WITHIN_DAYS)
    )


def latest_expiry(today: dt.date | None = None) -> dt.date:
    return (today or organisation_today()) + dt.timedelta(days=MAX_SUPPRESSION_DAYS)


def _clean_text(value: Any) -> str:
    return str(value or "").replace("\x00", "").strip()


def _validate_target(
    kind: str, unit: OrgUnit | None, asset: Asset | None, account: str, errors: dict[str, list[str]]
) -> OrgUnit | None:
    """The unit the suppression belongs to, or None with the reasons in `errors`."""
    if kind == SuppressionKind.SITE:
        if unit is None:
            errors["unit"] = [_("Choose the site (organisational unit) the suppression applies to.")]
        if asset is not None:
            errors["asset"] = [
                _("A site suppression applies to every asset of the site: leave the asset empty.")
            ]
        if account:
            errors["account"] = [_("A site suppression applies to every account: leave the account empty.")]
        return unit
    if kind == SuppressionKind.ASSET:
        if asset is None:
            errors["asset"] = [_("Choose the asset the suppression applies to.")]
            return None
        if unit is not None and unit.pk != asset.unit_id:
            errors["unit"] = [_("An asset suppression belongs to the asset's unit: leave the site empty.")]
        if account:
            errors["account"] = [
                _("An asset suppression applies to every account on it: leave the account empty.")
            ]
        return asset.unit
    if kind == SuppressionKind.ACCOUNT:
        if not account:
            errors["account"] = [_("Name the account (the user name the logs show).")]
        if asset is not None:
            if unit is not None and unit.pk != asset.unit_id:
                errors["unit"] = [_("For an account on one asset, leave the site empty.")]
            return asset.unit
        if unit is None:
            errors["unit"] = [
                _("Choose the site whose assets the account suppression applies to, or an asset.")
            ]
        return unit
    errors["kind"] = [_("Choose a site, an asset or an account.")]
    return None


def _validate_owner(owner: Any, errors: dict[str, list[str]]) -> None:
    if not isinstance(owner, Person):
        errors["owner"] = [_("A suppression needs an owner, who is reminded before it expires.")]
    elif owner.employment_status == EmploymentStatus.LEFT or not owner.is_active:
        errors["owner"] = [_("The owner has left: choose someone who is still here.")]


def _validate_expiry(expires_on: Any, errors: dict[str, list[str]]) -> None:
    today = organisation_today()
    latest = latest_expiry(today)
    if not isinstance(expires_on, dt.date):
        errors["expires_on"] = [_("Give the date the suppression expires.")]
    elif expires_on < today:
        errors["expires_on"] = [_("The expiry date has passed: choose today or a later date.")]
    elif expires_on > latest:
        errors["expires_on"] = [
            _(
                "A suppression lasts at most %(days)d days, so that it is looked at again: "
                "choose %(latest)s at the latest."
            )
            % {"days": MAX_SUPPRESSION_DAYS, "latest": latest.isoformat()}
        ]


def create_suppression(
    *,
    by: Any,
    kind: str,
    reason: str,
    expires_on: dt.date | None,
    unit: OrgUnit | None = None,
    asset: Asset | None = None,
    account: str = "",
    rule: DetectionRule | None = None,
    owner: Person | None = None,
) -> Suppression:
    """Keep the matches of `rule` (blank: every rule) at a site, on an asset or for an
    account out of the findings until `expires_on` (today at the earliest, a year ahead at
    the latest). Needs the right to add log-audit records over the unit it belongs to;
    the owner, by default the person creating it, is reminded before it expires."""
    reason = _clean_text(reason)
    account = _clean_text(account)
    if owner is None and not is_system(by):
        owner = by
    errors: dict[str, list[str]] = {}
    target_unit = _validate_target(kind, unit, asset, account, errors)
    if not reason:
        errors["reason"] = [_("Say why these matches are expected.")]
    _validate_expiry(expires_on, errors)
    _validate_owner(owner, errors)
    if not is_system(by):
        # Out of reach reads as missing, as everywhere else.
        if target_unit is not None and not has_grant(by, Domain.LOG_AUDIT, Action.ADD, target_unit.path):
            errors["asset" if asset is not None else "unit"] = [
                _("Asset not found.") if asset is not None else _("Unit not found.")
            ]
        elif asset is not None and not all_visible(Asset, by, [asset.pk]):
            errors["asset"] = [_("Asset not found.")]
    if errors:
        raise ValidationError(errors)
    assert target_unit is not None
    assert expires_on is not None
    with transaction.atomic():
        suppression = Suppression(
            kind=kind,
            rule=rule,
            unit=target_unit,
            asset=asset,
            account=account,
            reason=reason,
            owner=owner,
            expires_on=expires_on,
            # The system (the demo) creates on the owner's behalf.
            created_by=owner if is_system(by) else by,
        )
        save_numbered(suppression, REFERENCE_PREFIX)
        audit.record(
            suppression,
            AuditAction.CREATE,
            by=by,
            changes=audit.diff({}, audit.snapshot(suppression)),
            reason=reason,
        )
    return suppression


def revoke_suppression(suppression: Suppression, *, by: Any, reason: str) -> Suppression:
    """End a suppression before its date, saying why; matches count as findings again from
    the next audit. Needs the right to change log-audit records over its unit."""
    require(by, Action.CHANGE, suppression)
    reason = _clean_text(reason)
    if not reason:
        raise ValidationError({"reason": [_("Say why the suppression is revoked.")]})
    with transaction.atomic():
        locked = Suppression.objects.select_for_update().get(pk=suppression.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("This suppression is already revoked."))
        if locked.expires_on < organisation_today():
            raise ValidationError(_("This suppression has already expired: there is nothing to revoke."))
        update_record(
            locked, by=by, reason=reason, revoked_at=timezone.now(), revoked_by=None if is_system(by) else by
        )
    suppression.revoked_at, suppression.revoked_by = locked.revoked_at, locked.revoked_by
    return suppression


def active_suppressions(asset: Asset, *, on: dt.date) -> list[Suppression]:
    """The suppressions in force on `on` that can apply to the asset's matches: those of its
    unit and the units above it, of the asset itself, and of accounts there; most specific
    first (see `matching_suppression`). One query (two when the asset's unit is not loaded)."""
    paths = ancestor_paths(asset.unit.path)
    applies = (
        Q(kind=SuppressionKind.SITE, unit__path__in=paths)
        | Q(kind=SuppressionKind.ASSET, asset=asset)
        | Q(kind=SuppressionKind.ACCOUNT, asset=asset)
        | Q(kind=SuppressionKind.ACCOUNT, asset__isnull=True, unit__path__in=paths)
    )
    # Revoked on a later day, it still applied on `on` (an audit of a past week).
    in_force = Q(revoked_at__isnull=True) | Q(revoked_at__date__gt=on)
    found = Suppression.objects.filter(applies, in_force, expires_on__gte=on).order_by("pk")
    return sorted(found, key=_specificity)


def _specificity(suppression: Suppression) -> tuple[bool, int, int]:
    return (suppression.rule_id is None, _SPECIFICITY[suppression.kind], suppression.pk)


def matching_suppression(
    suppressions: Sequence[Suppression], *, rule: DetectionRule, account: str
) -> Suppression | None:
    """The suppression among `suppressions` (as `active_suppressions` gives them, for one
    asset) that keeps a match of `rule` naming `account` out of the findings, or None.
    No database query: called once per match."""
    account = (account or "").strip()
    best: Suppression | None = None
    for suppression in suppressions:
        if suppression.rule_id is not None and suppression.rule_id != rule.pk:
            continue
        if suppression.kind == SuppressionKind.ACCOUNT and suppression.account != account:
            continue
        if best is None or _specificity(suppression) < _specificity(best):
            best = suppression
    return best


def count_suppressed(counts: dict[int, int]) -> None:
    """Add to each suppression (by id) the number of matches it kept out of an audit."""
    for pk, number in sorted(counts.items()):
        if number > 0:
            Suppression.objects.filter(pk=pk).update(match_count=F("match_count") + number)


def due_for_reminder(today: dt.date) -> QuerySet[Suppression]:
    """Active suppressions expiring within a week of `today`, with their owner."""
    return (
        in_state(Suppression.objects.all(), ACTIVE, today)
        .filter(expires_on__lte=today + dt.timedelta(days=REMINDER_DAYS))
        .exclude(owner__employment_status=EmploymentStatus.LEFT)
        .select_related("owner", "rule", "unit", "asset")
        .order_by("expires_on", "pk")
    )
