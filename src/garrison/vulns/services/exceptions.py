"""Exceptions to the remediation of findings: accepting a finding's risk until a date, or
calling it a false positive.

It works the same way as the risk register's acceptances (garrison.risks.services.
acceptance): someone who may change the finding asks, saying why; someone else holding
a role with the authority to decide in the vulnerability domain over the finding's unit
approves or rejects; the requester may withdraw a request nobody has decided. Every
step goes through `ExceptionWorkflow.apply`, which locks the row, checks the step and
records it; a refused decision is kept in the audit trail. Approval stops the finding's
SLA clock (its status becomes "risk accepted" or "false positive"); when an accepted
risk expires the finding is open again with its original due date, so it is overdue at
once if that date has passed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import audit
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import approvers, is_system, require, restrict
from garrison.core.services.notifications import notify
from garrison.core.services.records import create_record
from garrison.risks.models import RiskScenario
from garrison.vulns import notifications_findings as kinds
from garrison.vulns.models import (
    ExceptionKind,
    ExceptionStatus,
    Finding,
    FindingEventKind,
    FindingException,
    FindingStatus,
)
from garrison.vulns.services.findings import record_event
from garrison.vulns.workflows_exceptions import ExceptionWorkflow, exception_link

# The longest a risk may be accepted at once: it is then looked at again.
MAX_ACCEPTANCE_DAYS = 365
# Finding statuses an exception can still change: a fixed finding needs none.
EXCEPTABLE_STATUSES = (FindingStatus.OPEN, FindingStatus.RISK_ACCEPTED)
STATUS_ON_APPROVAL = {
    ExceptionKind.RISK_ACCEPTANCE: FindingStatus.RISK_ACCEPTED,
    ExceptionKind.FALSE_POSITIVE: FindingStatus.FALSE_POSITIVE,
}


def approvers_of(finding: Finding) -> list[Person]:
    """The active people holding a role with the authority to decide exceptions over the
    finding's unit (on the unit or one of the units above it)."""
    return approvers(Domain.VULNERABILITIES, finding.unit.path)


def record_status_change(finding: Finding, status: str, *, by: Any, note: str, **fields: Any) -> Finding:
    """Give the (locked) finding a new status: one row update, its audit event and a
    "status changed" step in its history. Nothing happens when the status is already that."""
    previous = finding.status
    if previous == status:
        return finding
    now = timezone.now()
    fields = {"status": status, **fields}
    Finding.objects.filter(pk=finding.pk).update(updated_at=now, **fields)
    for name, value in fields.items():
        setattr(finding, name, value)
    audit.record(finding, AuditAction.UPDATE, by=by, changes={"status": [previous, status]}, reason=note)
    record_event(finding, FindingEventKind.STATUS, actor=by, note=note, at=now)
    return finding


def _validate_request(
    finding: Finding, *, by: Any, kind: str, justification: str, expires_on: dt.date | None, risk: Any
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    today = organisation_today()
    latest = today + dt.timedelta(days=MAX_ACCEPTANCE_DAYS)
    if kind not in ExceptionKind.values:
        errors["kind"] = [_("Choose a risk acceptance or a false positive.")]
    if not (justification or "").strip():
        errors["justification"] = [_("Say why this finding need not be fixed.")]
    if kind == ExceptionKind.RISK_ACCEPTANCE:
        if expires_on is None or not today < expires_on <= latest:
            errors["expires_on"] = [
                _(
                    "A risk acceptance needs an expiry date after today and at most a year ahead "
                    "(%(latest)s at the latest)."
                )
                % {"latest": latest.isoformat()}
            ]
    elif kind == ExceptionKind.FALSE_POSITIVE:
        if expires_on is not None:
            errors["expires_on"] = [_("A false positive does not expire: leave the expiry date empty.")]
        if risk is not None:
            errors["risk"] = [_("A false positive is not an accepted risk: leave the risk empty.")]
    if risk is not None and "risk" not in errors:
        visible = restrict(RiskScenario.objects.filter(pk=risk.pk), by, Action.VIEW).exists()
        if not visible:
            errors["risk"] = [_("Risk scenario not found.")]
    if finding.status not in EXCEPTABLE_STATUSES:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _("This finding is %(status)s: it needs no exception.") % {"status": finding.get_status_display()}
        )
    if FindingException.objects.filter(finding=finding, status=ExceptionStatus.REQUESTED).exists():
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _("This finding already has an exception request waiting for a decision.")
        )
    return errors


@transaction.atomic
def request_exception(
    finding: Finding,
    *,
    by: Any,
    kind: str,
    justification: str,
    expires_on: dt.date | None = None,
    risk: RiskScenario | None = None,
) -> FindingException:
    """Ask to accept the risk of `finding` until `expires_on` (at most a year ahead), or to
    call it a false positive (no expiry); `risk` names the accepted risk scenario that
    covers it. Needs the right to change the finding; the people who may decide are told.
    Only one request per finding waits for a decision at a time."""
    if is_system(by):
        raise ValueError("An exception is requested by a person, who cannot then decide it.")
    require(by, Action.CHANGE, finding)
    # Lock the finding: two requests made at once must not both pass the check below.
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    errors = _validate_request(
        locked, by=by, kind=kind, justification=justification, expires_on=expires_on, risk=risk
    )
    if errors:
        raise ValidationError(errors)
    exception = create_record(
        FindingException,
        by=by,
        finding=locked,
        kind=kind,
        justification=justification.strip(),
        expires_on=expires_on,
        risk=risk,
        requested_by=by,
    )
    finding_label = str(locked)
    for approver in approvers_of(locked):
        if approver.pk == by.pk:
            continue
        notify(
            approver,
            kinds.EXCEPTION_REQUESTED.code,
            title=format_lazy(
                gettext_lazy("Exception to decide ({kind}): {finding}"),
                kind=ExceptionKind(exception.kind).label,
                finding=finding_label,
            ),
            body=exception.justification,
            link=exception_link(exception),
            target=exception,
            dedupe_key=f"vulns.exception-requested:{exception.pk}",
        )
    return exception


def _decision_note(exception: FindingException) -> str:
    if exception.kind == ExceptionKind.RISK_ACCEPTANCE and exception.expires_on is not None:
        return _("Risk accepted until %(date)s") % {"date": exception.expires_on.isoformat()}
    return _("Confirmed as a false positive")


@transaction.atomic
def _decide(exception: FindingException, name: str, *, by: Any, comment: str) -> FindingException:
    ExceptionWorkflow.apply(exception, name, by=by, reason=comment)
    # The transition event already records who decided, when and why; these columns keep
    # the same for the page and the API without a second event.
    decided_at = timezone.now()
    FindingException.objects.filter(pk=exception.pk).update(
        decided_by=by, decided_at=decided_at, decision_comment=comment
    )
    exception.decided_by, exception.decided_at, exception.decision_comment = by, decided_at, comment
    if exception.status == ExceptionStatus.APPROVED:
        finding = Finding.objects.select_for_update().get(pk=exception.finding_id)
        # A finding fixed meanwhile stays fixed: the decision is kept, the status is not forced.
        if finding.status in EXCEPTABLE_STATUSES:
            record_status_change(
                finding,
                STATUS_ON_APPROVAL[ExceptionKind(exception.kind)],
                by=by,
                note=_decision_note(exception),
            )
        exception.finding = finding
    return exception


def approve_exception(exception: FindingException, *, by: Any, comment: str = "") -> FindingException:
    """Approve the request (not by the requester): the finding's risk is accepted until the
    expiry date, or it is a false positive, and its SLA clock stops."""
    with audit.refusals_recorded(exception, by=by, attempted="approve finding exception"):
        return _decide(exception, "approve", by=by, comment=(comment or "").strip())


def reject_exception(exception: FindingException, *, by: Any, comment: str = "") -> FindingException:
    """Refuse the request (not by the requester); the comment, required, tells the requester
    why. The finding stays as it is."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Say why the request is rejected; the requester is told.")]})
    with audit.refusals_recorded(exception, by=by, attempted="reject finding exception"):
        return _decide(exception, "reject", by=by, comment=comment)


def withdraw_exception(exception: FindingException, *, by: Any, comment: str = "") -> FindingException:
    """The requester takes back a request nobody has decided yet."""
    with audit.refusals_recorded(exception, by=by, attempted="withdraw finding exception"):
        ExceptionWorkflow.apply(exception, "withdraw", by=by, reason=(comment or "").strip())
    return exception


def _tell_expired(exception: FindingException, finding: Finding) -> None:
    recipients = {exception.requested_by_id: exception.requested_by}
    if finding.asset is not None:
        recipients.setdefault(finding.asset.owner_id, finding.asset.owner)
    for person in recipients.values():
        notify(
            person,
            kinds.EXCEPTION_EXPIRED.code,
            title=format_lazy(gettext_lazy("Risk acceptance expired: {finding}"), finding=str(finding)),
            body=gettext_lazy(
                "The finding is open again with its original due date: fix it or ask for a new exception."
            ),
            link=exception_link(exception),
            target=exception,
            dedupe_key=f"vulns.exception-expired:{exception.pk}:{person.pk}",
        )


def expire_exceptions(today: dt.date | None = None) -> int:
    """Expire every approved risk acceptance past its date; returns how many expired.

    Its finding, unless a later approved acceptance still covers it or it changed status
    meanwhile, is open again with the due date it had (overdue at once if that date has
    passed); the requester and the asset owner are told. Each acceptance is handled in its
    own transaction and a second run finds nothing left to do.
    """
    today = today or organisation_today()
    due = FindingException.objects.filter(
        status=ExceptionStatus.APPROVED, kind=ExceptionKind.RISK_ACCEPTANCE, expires_on__lt=today
    )
    expired = 0
    for exception in due.select_related("requested_by").order_by("expires_on", "pk"):
        with transaction.atomic():
            ExceptionWorkflow.apply(exception, "expire", by=None)
            finding = Finding.objects.select_for_update().get(pk=exception.finding_id)
            still_covered = FindingException.objects.filter(
                finding=finding,
                status=ExceptionStatus.APPROVED,
                kind=ExceptionKind.RISK_ACCEPTANCE,
                expires_on__gte=today,
            ).exists()
            if finding.status == FindingStatus.RISK_ACCEPTED and not still_covered:
                record_status_change(
                    finding,
                    FindingStatus.OPEN,
                    by=None,
                    note=_("Risk acceptance expired on %(date)s") % {"date": str(exception.expires_on)},
                    # The overdue reminder counts it again from the next run.
                    overdue_notified_on=None,
                )
            _tell_expired(exception, Finding.objects.select_related("asset__owner").get(pk=finding.pk))
            expired += 1
    return expired
