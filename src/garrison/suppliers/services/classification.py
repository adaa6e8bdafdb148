"""A supplier's status under four eyes, and the organisation's supplier policy.

A status changes when someone proposes it with a reason and someone else with the
authority to decide supplier changes over the supplier's unit (Administrator or
Procurement Officer there) approves it. `ALLOWED_MOVES` lists where each status may go;
the way back to qualified from rectifying, unqualified or suspended needs a rectification
plan completed since the supplier entered that status, and leaving the blacklist needs an
Administrator's approval. Approving a blacklisting adds the supplier to the screening
blacklist; leaving the blacklist removes nothing from it (a person removes the entry).

Changes decided elsewhere (an approved access application, a lapsed express access, a
suspension's release date) are recorded approved and applied at once by
`set_status_by_system`. Only this module writes a supplier's status, status_since and
suspended_until. A proposal made with `by=None` comes from the system (a scorecard
below the policy's band) and any approver may decide it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import audit
from garrison.core.models import Person, RoleAssignment
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain, Role
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import (
    ancestor_paths,
    approvers,
    is_authenticated_person,
    is_system,
    may_approve,
    require,
)
from garrison.core.services.notifications import notify
from garrison.suppliers import notifications_classification as kinds
from garrison.suppliers.models import (
    PlanStatus,
    RectificationPlan,
    StandingBand,
    StatusChange,
    StatusChangeSource,
    StatusChangeState,
    Supplier,
    SupplierPolicy,
    SupplierStatus,
)
from garrison.suppliers.services import screening
from garrison.web.links import object_url

S = SupplierStatus

# Where a status may go by a proposal. Prospective → qualified also happens through an
# approved access application (set_status_by_system, source "access").
ALLOWED_MOVES: dict[str, tuple[str, ...]] = {
    S.PROSPECTIVE: (S.QUALIFIED, S.UNQUALIFIED, S.BLACKLISTED),
    S.QUALIFIED: (S.RECTIFYING, S.UNQUALIFIED, S.SUSPENDED, S.BLACKLISTED),
    S.RECTIFYING: (S.QUALIFIED, S.UNQUALIFIED, S.SUSPENDED, S.BLACKLISTED),
    S.UNQUALIFIED: (S.QUALIFIED, S.RECTIFYING, S.SUSPENDED, S.BLACKLISTED),
    S.SUSPENDED: (S.QUALIFIED, S.RECTIFYING, S.UNQUALIFIED, S.BLACKLISTED),
    # Not straight back to qualified: the way back runs through rectifying and a plan.
    S.BLACKLISTED: (S.PROSPECTIVE, S.RECTIFYING, S.UNQUALIFIED, S.SUSPENDED),
}
# Substandard statuses a rectification plan is made for; back to qualified from them
# only with a plan completed since the supplier entered the status.
PLAN_STATUSES: tuple[str, ...] = (S.RECTIFYING, S.UNQUALIFIED, S.SUSPENDED)

REASON_REQUIRED = gettext_lazy("Give the reason for the change; it is kept in the supplier's history.")
PROPOSER_MAY_NOT_DECIDE = gettext_lazy("You proposed this change; another approver must decide it.")
POLICY_REMINDER_MAX_DAYS = 3650


def status_label(status: str) -> str:
    return str(S(status).label) if status in S.values else status


def allowed_targets(supplier: Supplier) -> list[str]:
    """The statuses a proposal may move `supplier` to (whether the plan gate is open or not)."""
    return list(ALLOWED_MOVES.get(supplier.status, ()))


def completed_plan(supplier: Supplier) -> RectificationPlan | None:
    """The supplier's latest plan completed since it entered its current status."""
    plans = RectificationPlan.objects.filter(supplier=supplier, status=PlanStatus.COMPLETED)
    if supplier.status_since is not None:
        plans = plans.filter(completed_at__gte=supplier.status_since)
    return plans.order_by("-completed_at", "-pk").first()


def open_proposal(supplier: Supplier) -> StatusChange | None:
    return (
        StatusChange.objects.select_related("proposed_by")
        .filter(supplier=supplier, state=StatusChangeState.PROPOSED)
        .first()
    )


def approvers_of(supplier: Supplier) -> list[Person]:
    """Active people holding Administrator or Procurement Officer over the supplier's unit."""
    return approvers(Domain.SUPPLIERS, supplier.unit.path)


def _is_administrator_over(person: Any, supplier: Supplier) -> bool:
    if not is_authenticated_person(person):
        return False
    if person.is_superuser:
        return True
    return RoleAssignment.objects.filter(
        person=person, role=Role.ADMINISTRATOR, unit__path__in=ancestor_paths(supplier.unit.path)
    ).exists()


def may_decide(change: StatusChange, by: Any) -> str | None:
    """Why `by` may not approve or reject `change`, or None when they may."""
    if change.state != StatusChangeState.PROPOSED:
        return _("This change is no longer awaiting approval (%(state)s).") % {
            "state": change.get_state_display()
        }
    if (
        by is not None
        and change.proposed_by_id is not None
        and getattr(by, "pk", None) == change.proposed_by_id
    ):
        return str(PROPOSER_MAY_NOT_DECIDE)
    supplier = change.supplier
    if not may_approve(by, Domain.SUPPLIERS, supplier.unit.path):
        return _("You do not have the authority to decide status changes of suppliers in %(unit)s.") % {
            "unit": supplier.unit.name
        }
    if change.from_status == S.BLACKLISTED and not _is_administrator_over(by, supplier):
        return _("Only an Administrator over %(unit)s may take a supplier off the blacklist.") % {
            "unit": supplier.unit.name
        }
    return None


def _move_errors(
    supplier: Supplier, to_status: str, *, suspended_until: dt.date | None, checking_dates: bool = True
) -> dict[str, list[str]]:
    """Every reason the move of `supplier` to `to_status` is refused."""
    errors: dict[str, list[str]] = {}
    current = supplier.status
    names = {"supplier": supplier.display_name, "from": status_label(current), "to": status_label(to_status)}
    if to_status not in S.values:
        errors["to_status"] = [_("Choose one of the supplier statuses.")]
    elif to_status == current:
        errors["to_status"] = [_("%(supplier)s is already %(to)s.") % names]
    elif to_status not in ALLOWED_MOVES.get(current, ()):
        allowed = ", ".join(status_label(status) for status in ALLOWED_MOVES.get(current, ()))
        errors["to_status"] = [
            _("A supplier cannot move from %(from)s to %(to)s; from %(from)s it may become: %(allowed)s.")
            % {**names, "allowed": allowed}
        ]
    elif to_status == S.QUALIFIED and current in PLAN_STATUSES and completed_plan(supplier) is None:
        errors["to_status"] = [
            _(
                "%(supplier)s is %(from)s: complete its rectification plan first, then propose the "
                "return to qualified."
            )
            % names
        ]
    if suspended_until is not None:
        if to_status != S.SUSPENDED:
            errors["suspended_until"] = [_("Only a suspension carries a release date; leave it empty.")]
        elif checking_dates and suspended_until <= organisation_today():
            errors["suspended_until"] = [_("The release date must be in the future.")]
    return errors


def _link(supplier: Supplier) -> str:
    return object_url("suppliers.supplier", supplier.pk) or reverse("suppliers:status-change-list")


def _tell_approvers(change: StatusChange, by: Any) -> None:
    supplier = change.supplier
    for approver in approvers_of(supplier):
        if approver.pk == getattr(by, "pk", None):
            continue
        notify(
            approver,
            kinds.STATUS_CHANGE_PROPOSED.code,
            title=format_lazy(
                gettext_lazy("Supplier status change to decide: {supplier} → {status}"),
                supplier=str(supplier),
                status=change.get_to_status_display(),
            ),
            body=change.reason,
            link=reverse("suppliers:status-change-decide", args=[change.pk]),
            target=change,
            dedupe_key=f"{kinds.STATUS_CHANGE_PROPOSED.code}:{change.pk}",
        )


def _tell_proposer(change: StatusChange) -> None:
    if change.proposed_by is None:
        return
    titles = {
        StatusChangeState.APPROVED: gettext_lazy("Supplier status change approved: {supplier} → {status}"),
        StatusChangeState.REJECTED: gettext_lazy("Supplier status change rejected: {supplier} → {status}"),
        StatusChangeState.WITHDRAWN: gettext_lazy("Supplier status change set aside: {supplier} → {status}"),
    }
    notify(
        change.proposed_by,
        kinds.STATUS_CHANGE_DECIDED.code,
        title=format_lazy(
            titles[StatusChangeState(change.state)],
            supplier=str(change.supplier),
            status=change.get_to_status_display(),
        ),
        body=change.decision_note,
        link=_link(change.supplier),
        target=change,
        dedupe_key=f"{kinds.STATUS_CHANGE_DECIDED.code}:{change.pk}",
    )


# Proposing and deciding -------------------------------------------------------------------------


@transaction.atomic
def propose_status_change(
    supplier: Supplier,
    to_status: str,
    *,
    by: Any,
    reason: str,
    source: str = StatusChangeSource.MANUAL,
    suspended_until: dt.date | None = None,
) -> StatusChange:
    """Propose moving `supplier` to `to_status`; the approvers over its unit are told.

    One proposal per supplier awaits approval at a time. `by=None` is the system (a
    scorecard below the band)."""
    if not is_system(by):
        require(by, Action.CHANGE, supplier)
    # Lock the supplier: two proposals made at once must not both pass the checks.
    supplier = Supplier.objects.select_for_update(of=("self",)).select_related("unit").get(pk=supplier.pk)
    reason = (reason or "").strip()
    errors = _move_errors(supplier, to_status, suspended_until=suspended_until)
    if not reason:
        errors["reason"] = [str(REASON_REQUIRED)]
    if source not in StatusChangeSource.values:
        errors["source"] = [_("Choose one of the sources of a status change.")]
    waiting = open_proposal(supplier)
    if waiting is not None:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _(
                "%(supplier)s already has a status change awaiting approval (to %(status)s); "
                "decide or withdraw it first."
            )
            % {"supplier": supplier.display_name, "status": waiting.get_to_status_display()}
        )
    if errors:
        raise ValidationError(errors)
    change = StatusChange(
        supplier=supplier,
        from_status=supplier.status,
        to_status=to_status,
        reason=reason,
        source=source,
        suspended_until=suspended_until,
        proposed_by=None if is_system(by) else by,
        proposed_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            change.save()
    except IntegrityError:
        # Another proposal for the supplier was saved a moment ago.
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("This supplier already has a status change awaiting approval.")]}
        ) from None
    audit.record(
        change, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(change)), reason=reason
    )
    _tell_approvers(change, by)
    return change


def _apply(supplier: Supplier, change: StatusChange, *, by: Any) -> None:
    """Give `supplier` the change's status (audited), and blacklist it when that is the status."""
    before = audit.snapshot(supplier)
    supplier.status = change.to_status
    supplier.status_since = change.decided_at or timezone.now()
    supplier.suspended_until = change.suspended_until if change.to_status == S.SUSPENDED else None
    supplier.save(update_fields=["status", "status_since", "suspended_until", "updated_at"])
    audit.record(
        supplier,
        AuditAction.UPDATE,
        by=by,
        changes=audit.diff(before, audit.snapshot(supplier)),
        reason=change.reason,
    )
    if change.to_status == S.BLACKLISTED:
        screening.add_to_blacklist(supplier, by=by, reason=change.reason)


def _close(change: StatusChange, state: str, *, by: Any, note: str) -> None:
    before = audit.snapshot(change)
    change.state = state
    change.decided_by = by if getattr(by, "pk", None) else None
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit.record(
        change, AuditAction.UPDATE, by=by, changes=audit.diff(before, audit.snapshot(change)), reason=note
    )


@transaction.atomic
def _decide(change: StatusChange, *, by: Any, approve: bool, note: str) -> StatusChange:
    require(by, Action.VIEW, change)
    locked = (
        StatusChange.objects.select_for_update(of=("self",))
        .select_related("supplier__unit", "proposed_by")
        .get(pk=change.pk)
    )
    refusal = may_decide(locked, by)
    if refusal:
        raise ValidationError({NON_FIELD_ERRORS: [refusal]})
    supplier = (
        Supplier.objects.select_for_update(of=("self",)).select_related("unit").get(pk=locked.supplier_id)
    )
    if approve:
        if supplier.status != locked.from_status:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        _(
                            "%(supplier)s is %(status)s now, not %(from)s as when this was proposed; "
                            "reject it and propose again."
                        )
                        % {
                            "supplier": supplier.display_name,
                            "status": status_label(supplier.status),
                            "from": status_label(locked.from_status),
                        }
                    ]
                }
            )
        errors = _move_errors(
            supplier, locked.to_status, suspended_until=locked.suspended_until, checking_dates=False
        )
        if locked.suspended_until is not None and locked.suspended_until <= organisation_today():
            errors.setdefault("suspended_until", []).append(
                _("The release date has passed; reject this and propose the suspension again.")
            )
        if errors:
            raise ValidationError(errors)
    _close(locked, StatusChangeState.APPROVED if approve else StatusChangeState.REJECTED, by=by, note=note)
    if approve:
        _apply(supplier, locked, by=by)
    locked.supplier = supplier
    _tell_proposer(locked)
    return locked


def decide_status_change(change: StatusChange, *, by: Any, approve: bool, note: str = "") -> StatusChange:
    """Approve (the supplier takes the status at once) or reject `change`.

    The decider needs the authority to decide supplier changes over the supplier's unit
    and must not be the proposer; a refusal is recorded in the audit trail. Rejecting
    needs a note, which the proposer is told."""
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": [_("Say why the change is rejected; the proposer is told.")]})
    attempted = "approve status change" if approve else "reject status change"
    with audit.refusals_recorded(change, by=by, attempted=attempted):
        return _decide(change, by=by, approve=approve, note=note)


@transaction.atomic
def withdraw_status_change(change: StatusChange, *, by: Any, reason: str = "") -> StatusChange:
    """The proposer takes back a change nobody has decided yet."""
    require(by, Action.VIEW, change)
    locked = StatusChange.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=change.pk)
    if locked.state != StatusChangeState.PROPOSED:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("This change is no longer awaiting approval; it cannot be withdrawn.")]}
        )
    if locked.proposed_by_id is None or getattr(by, "pk", None) != locked.proposed_by_id:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("Only the person who proposed this change may withdraw it.")]}
        )
    _close(locked, StatusChangeState.WITHDRAWN, by=by, note=(reason or "").strip())
    return locked


@transaction.atomic
def set_status_by_system(
    supplier: Supplier, to_status: str, *, reason: str, source: str, by: Any = None
) -> StatusChange | None:
    """Record an approved change of `supplier` to `to_status` and apply it at once.

    For changes decided elsewhere (an access application approved by its approver, an
    express access lapsed, a suspension's release date reached): no four eyes here. A
    proposal still awaiting approval was made from the old status and is set aside (its
    proposer is told). Returns None, recording nothing, when the supplier already holds
    `to_status`."""
    supplier = Supplier.objects.select_for_update(of=("self",)).select_related("unit").get(pk=supplier.pk)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if to_status not in S.values:
        errors["to_status"] = [_("Choose one of the supplier statuses.")]
    if source not in StatusChangeSource.values:
        errors["source"] = [_("Choose one of the sources of a status change.")]
    if not reason:
        errors["reason"] = [str(REASON_REQUIRED)]
    if errors:
        raise ValidationError(errors)
    if supplier.status == to_status:
        return None
    waiting = open_proposal(supplier)
    if waiting is not None:
        waiting.supplier = supplier
        _close(
            waiting,
            StatusChangeState.WITHDRAWN,
            by=by,
            note=_("Set aside: the supplier became %(status)s (%(source)s).")
            % {"status": status_label(to_status), "source": StatusChangeSource(source).label},
        )
        _tell_proposer(waiting)
    now = timezone.now()
    person = by if getattr(by, "pk", None) else None
    change = StatusChange.objects.create(
        supplier=supplier,
        from_status=supplier.status,
        to_status=to_status,
        reason=reason,
        source=source,
        state=StatusChangeState.APPROVED,
        proposed_by=person,
        proposed_at=now,
        decided_by=person,
        decided_at=now,
    )
    audit.record(
        change, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(change)), reason=reason
    )
    _apply(supplier, change, by=by)
    return change


# The supplier policy ----------------------------------------------------------------------------

POLICY_FIELDS = frozenset(
    {
        "excellent_from",
        "good_from",
        "acceptable_from",
        "downgrade_below",
        "document_reminder_days",
        "screening_threshold",
    }
)


def current_policy() -> SupplierPolicy:
    """The organisation's supplier policy (the one row; made with the defaults if missing)."""
    policy = SupplierPolicy.objects.order_by("pk").first()
    if policy is None:
        policy = SupplierPolicy.objects.create(document_reminder_days=[90, 30, 7])
    return policy


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _reminder_days(value: Any) -> tuple[list[int], list[str]]:
    if not isinstance(value, list | tuple) or not value:
        return [], [_("List at least one number of days, such as 90, 30, 7.")]
    days: set[int] = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | str):
            return [], [_("Each reminder is a whole number of days.")]
        try:
            number = int(item)
        except ValueError:
            return [], [_("“%(value)s” is not a whole number of days.") % {"value": item}]
        if not 1 <= number <= POLICY_REMINDER_MAX_DAYS:
            return [], [
                _("Each reminder is between 1 and %(max)d days before expiry.")
                % {"max": POLICY_REMINDER_MAX_DAYS}
            ]
        days.add(number)
    return sorted(days, reverse=True), []


@transaction.atomic
def update_policy(policy: SupplierPolicy, *, by: Any, reason: str = "", **fields: Any) -> SupplierPolicy:
    """Change the supplier policy: score bands (excellent > good > acceptable, 0 to 100), the
    standing below which a scorecard proposes a downgrade, document reminder days (positive
    whole numbers, kept largest first) and the screening threshold (50 to 100). Needs the right
    to change supplier records over the whole organisation."""
    unknown = set(fields) - POLICY_FIELDS
    if unknown:
        raise TypeError(f"unexpected policy fields {sorted(unknown)}")
    require(by, Action.CHANGE, policy)
    errors: dict[str, list[str]] = {}
    values = {name: getattr(policy, name) for name in POLICY_FIELDS}
    values.update(fields)
    bands = {}
    for name in ("excellent_from", "good_from", "acceptable_from"):
        number = _decimal(values[name])
        if number is None or not Decimal(0) <= number <= Decimal(100):
            errors[name] = [_("Enter a score from 0 to 100.")]
        else:
            bands[name] = number
    if len(bands) == 3 and not bands["excellent_from"] > bands["good_from"] > bands["acceptable_from"]:
        errors.setdefault("good_from", []).append(
            _("The bands must descend: excellent from above good from, good from above acceptable from.")
        )
    if values["downgrade_below"] not in StandingBand.values:
        errors["downgrade_below"] = [_("Choose one of the standings.")]
    days, refused = _reminder_days(values["document_reminder_days"])
    if refused:
        errors["document_reminder_days"] = refused
    threshold = values["screening_threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 50 <= threshold <= 100:
        errors["screening_threshold"] = [_("Enter a whole number from 50 to 100.")]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(policy)
    for name, number in bands.items():
        setattr(policy, name, number)
    policy.downgrade_below = values["downgrade_below"]
    policy.document_reminder_days = days
    policy.screening_threshold = threshold
    changes = audit.diff(before, audit.snapshot(policy))
    if changes:
        policy.save()
        audit.record(policy, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    return policy
