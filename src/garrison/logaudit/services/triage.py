"""What a reviewer does with a weekly log audit report: triage each finding, open an
incident for a true positive in one step, and sign the report; and the escalation of
reports left unsigned past the policy's delay.

A signed report is closed: its findings' triage no longer changes. Signing needs every
finding triaged, the reviewer (or someone who may approve log-audit decisions over the
source's unit), and the seal intact: the stored logs behind the report must still hash to
the tree head it recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from garrison.core import audit, chain
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scheduling import organisation_zone
from garrison.core.scoping import (
    approval_paths,
    approvers,
    is_authenticated_person,
    is_system,
    may_approve,
    require,
)
from garrison.core.services import notifications
from garrison.incidents.models import Incident, IncidentCategory
from garrison.incidents.models.cases import OPEN_STATUSES
from garrison.incidents.services.cases import create_incident
from garrison.logaudit import notifications_audits as kinds
from garrison.logaudit.models import AuditFinding, AuditReport, ReportStatus, Triage
from garrison.logaudit.services.audits import report_link
from garrison.logaudit.services.policy import current_policy
from garrison.logaudit.services.sealing import verify_report

DECISIONS = (Triage.TRUE_POSITIVE, Triage.EXPECTED, Triage.FALSE_POSITIVE)
# GB/T 20986-2023: matches of sensitive-operation rules are abnormal behaviour until the
# handler says otherwise; "other incident" when that category is not loaded.
INCIDENT_CATEGORY_CODES = ("AB", "OTH")
SAMPLES_IN_INCIDENT = 5
SAMPLE_TEXT_LENGTH = 400
ACCOUNTS_IN_INCIDENT = 10


def _unit_path(report: AuditReport) -> str:
    return str(report.source.asset.unit.path)


def _require_open(report: AuditReport) -> None:
    if report.status == ReportStatus.SIGNED:
        raise ValidationError(
            _("Report %(report)s is signed: its findings can no longer change.")
            % {"report": report.reference}
        )


def _record_triage(finding: AuditFinding, before: dict[str, Any], *, by: Any, reason: str = "") -> None:
    audit.record(
        finding, AuditAction.UPDATE, by=by, changes=audit.diff(before, audit.snapshot(finding)), reason=reason
    )


@transaction.atomic
def triage_finding(
    finding: AuditFinding, *, by: Any, triage: str, change_ticket: str = "", note: str = ""
) -> AuditFinding:
    """Decide what a finding is: a true positive, an expected operation (named by its change
    ticket) or a false positive. Refused once its report is signed, and away from true
    positive while an incident opened for it is still open."""
    require(by, Action.CHANGE, finding)
    finding = (
        AuditFinding.objects.select_for_update(of=("self",))
        .select_related("report", "incident")
        .get(pk=finding.pk)
    )
    _require_open(finding.report)
    errors: dict[str, list[str]] = {}
    if triage not in DECISIONS:
        errors["triage"] = [_("Choose true positive, expected operation or false positive.")]
    ticket = (change_ticket or "").strip()
    if triage == Triage.EXPECTED and not ticket:
        errors["change_ticket"] = [_("An expected operation names the change ticket that allowed it.")]
    if len(ticket) > AuditFinding._meta.get_field("change_ticket").max_length:  # type: ignore[operator]
        errors["change_ticket"] = [_("The change ticket is too long.")]
    incident = finding.incident
    if incident is not None and incident.status in OPEN_STATUSES and triage != Triage.TRUE_POSITIVE:
        errors["triage"] = [
            _("Incident %(incident)s is open for this finding: it stays a true positive.")
            % {"incident": incident.reference}
        ]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(finding)
    finding.triage = triage
    finding.change_ticket = ticket if triage == Triage.EXPECTED else ""
    finding.triage_note = (note or "").strip()
    finding.triaged_by = None if is_system(by) else by
    finding.triaged_at = timezone.now()
    finding.save(update_fields=["triage", "change_ticket", "triage_note", "triaged_by", "triaged_at"])
    _record_triage(finding, before, by=by)
    return finding


def _category(category: IncidentCategory | None) -> IncidentCategory:
    if category is not None:
        return category
    found = {item.code: item for item in IncidentCategory.objects.filter(code__in=INCIDENT_CATEGORY_CODES)}
    for code in INCIDENT_CATEGORY_CODES:
        if code in found:
            return found[code]
    raise ValidationError(
        {"category": [_("Load the incident categories (GB/T 20986) before opening incidents from findings.")]}
    )


def _sample_line(sample: dict[str, Any]) -> str:
    event = sample.get("event") or {}
    text = ", ".join(f"{key}={value}" for key, value in event.items())
    if len(text) > SAMPLE_TEXT_LENGTH:
        text = text[: SAMPLE_TEXT_LENGTH - 1] + "…"
    where = _("batch %(batch)s, line %(line)s") % {"batch": sample.get("batch"), "line": sample.get("line")}
    return f"- {where}: {text}"


def incident_description(finding: AuditFinding) -> str:
    """What the incident says of the finding it comes from, in the active language."""
    report = finding.report
    zone = organisation_zone()
    lines = [
        _(
            "Log audit %(report)s of %(source)s (week from %(start)s) found %(count)d events on %(asset)s "
            "matching the rule “%(rule)s” (level %(level)s)."
        )
        % {
            "report": report.reference,
            "source": report.source.name,
            "start": report.period_start.astimezone(zone).date().isoformat(),
            "count": finding.match_count,
            "asset": finding.asset.name,
            "rule": finding.title,
            "level": finding.level,
        }
    ]
    if finding.first_match_at and finding.last_match_at:
        lines.append(
            _("First match %(first)s, last match %(last)s.")
            % {
                "first": finding.first_match_at.astimezone(zone).isoformat(timespec="seconds"),
                "last": finding.last_match_at.astimezone(zone).isoformat(timespec="seconds"),
            }
        )
    if finding.rule.author:
        lines.append(_("Rule author: %(author)s.") % {"author": finding.rule.author})
    if finding.accounts:
        lines.append(
            _("Accounts: %(accounts)s.") % {"accounts": ", ".join(finding.accounts[:ACCOUNTS_IN_INCIDENT])}
        )
    samples = list(finding.samples or [])[:SAMPLES_IN_INCIDENT]
    if samples:
        lines.append(_("Sample events:"))
        lines.extend(_sample_line(sample) for sample in samples)
    return "\n".join(lines)


@transaction.atomic
def open_incident(finding: AuditFinding, *, by: Any, category: IncidentCategory | None = None) -> Incident:
    """Open an incident for a finding in one step: the case (titled from the rule and the
    asset, the asset linked, handled by whoever opens it), the finding linked to it and
    triaged a true positive. Refused while an incident opened for it is still open."""

    require(by, Action.CHANGE, finding)
    finding = (
        AuditFinding.objects.select_for_update(of=("self",))
        .select_related("report__source__asset__unit", "report__reviewer", "asset__unit", "rule", "incident")
        .get(pk=finding.pk)
    )
    report = finding.report
    if report.status == ReportStatus.SIGNED and finding.triage != Triage.TRUE_POSITIVE:
        _require_open(report)
    if finding.incident is not None and finding.incident.status in OPEN_STATUSES:
        raise ValidationError(
            _("Incident %(incident)s is already open for this finding.")
            % {"incident": finding.incident.reference}
        )
    handler = report.reviewer if is_system(by) else by
    if handler is None:
        raise ValidationError(_("Nobody reviews this log source: there is no one to handle the incident."))
    now = timezone.now()
    title = _("%(rule)s on %(asset)s") % {"rule": finding.title, "asset": finding.asset.name}
    incident = create_incident(
        by=by,
        reason=_("Opened from log audit finding of report %(report)s.") % {"report": report.reference},
        now=now,
        title=title[:300],
        description=incident_description(finding),
        category=_category(category),
        occurred_at=min(finding.first_match_at, now) if finding.first_match_at else None,
        discovered_at=now,
        reported_by=handler,
        handler=handler,
        unit=finding.asset.unit,
        assets=[finding.asset],
    )
    before = audit.snapshot(finding)
    finding.incident = incident
    if finding.triage != Triage.TRUE_POSITIVE:
        finding.triage = Triage.TRUE_POSITIVE
        finding.change_ticket = ""
        finding.triaged_by = handler
        finding.triaged_at = now
    finding.save(update_fields=["incident", "triage", "change_ticket", "triaged_by", "triaged_at"])
    _record_triage(
        finding, before, by=by, reason=_("Incident %(incident)s opened.") % {"incident": incident.reference}
    )
    return incident


@transaction.atomic
def sign_report(report: AuditReport, *, by: Any, note: str = "") -> AuditReport:
    """Sign a weekly report: it awaits sign-off, every finding is triaged, the signer is its
    reviewer or may approve log-audit decisions over the source's unit, and the logs behind
    it still match the tree head it recorded."""

    require(by, Action.VIEW, report)
    report = (
        AuditReport.objects.select_for_update(of=("self",))
        .select_related("source__asset__unit")
        .get(pk=report.pk)
    )
    if is_system(by):
        raise ValidationError(_("A report is signed by a person."))
    if report.status != ReportStatus.AWAITING_SIGN_OFF:
        raise ValidationError(
            _("Report %(report)s is %(status)s: only a report awaiting sign-off can be signed.")
            % {"report": report.reference, "status": ReportStatus(report.status).label}
        )
    if report.reviewer_id != by.pk and not may_approve(by, Domain.LOG_AUDIT, _unit_path(report)):
        raise ValidationError(
            _("Only the reviewer of %(source)s, or someone who may approve log audits of its unit, signs it.")
            % {"source": report.source.name}
        )
    untriaged = report.findings.filter(triage=Triage.UNTRIAGED).count()
    if untriaged:
        raise ValidationError(
            _("Triage every finding before signing: %(count)d not triaged yet.") % {"count": untriaged}
        )
    check = verify_report(report)
    if not check.ok:
        raise ValidationError(
            _("The logs behind this report no longer match its seal, so it cannot be signed: %(problems)s")
            % {"problems": "; ".join(str(problem) for problem in check.problems)}
        )
    before = audit.snapshot(report)
    report.status = ReportStatus.SIGNED
    report.signed_by = by
    report.signed_at = timezone.now()
    report.sign_note = (note or "").strip()
    report.save(update_fields=["status", "signed_by", "signed_at", "sign_note"])
    audit.record(report, AuditAction.UPDATE, by=by, changes=audit.diff(before, audit.snapshot(report)))
    return report


def escalate_unsigned(now: dt.datetime | None = None) -> int:
    """Tell the people who may approve log audits over each report's unit about reports that
    have awaited sign-off longer than the policy's delay; each report is escalated once.
    Returns how many reports were escalated."""
    now = now or timezone.now()
    hours = current_policy().escalation_hours
    due = AuditReport.objects.filter(
        status=ReportStatus.AWAITING_SIGN_OFF,
        escalated_at__isnull=True,
        finished_at__lte=now - dt.timedelta(hours=hours),
    ).select_related("source__asset__unit", "reviewer")
    escalated = 0
    for report in due.order_by("pk"):
        with transaction.atomic():
            if not AuditReport.objects.filter(pk=report.pk, escalated_at__isnull=True).update(
                escalated_at=now
            ):
                continue  # another run escalated it a moment ago
            audit.record(
                report,
                AuditAction.UPDATE,
                by=None,
                changes={"escalated_at": [None, chain.to_jsonable(now)]},
                reason=_("Unsigned for more than %(hours)d hours.") % {"hours": hours},
            )
            for person in approvers(Domain.LOG_AUDIT, _unit_path(report)):
                _tell_approver(report, person, hours)
            escalated += 1
    return escalated


def _tell_approver(report: AuditReport, person: Any, hours: int) -> None:
    reviewer = report.reviewer.full_name if report.reviewer else _("nobody")
    with translation.override(notifications.language_of(person)):
        title = _("Log audit report %(report)s of %(source)s is still unsigned") % {
            "report": report.reference,
            "source": report.source.name,
        }
        body = _(
            "It has awaited sign-off by %(reviewer)s for more than %(hours)d hours. "
            "Remind them, or triage and sign it yourself."
        ) % {"reviewer": reviewer, "hours": hours}
    notifications.notify(
        person,
        kinds.REPORT_ESCALATED.code,
        title=title,
        body=body,
        link=report_link(report),
        target=report,
        dedupe_key=f"{kinds.REPORT_ESCALATED.code}:{report.pk}:{person.pk}",
    )


def awaiting_sign_off_by(person: Any) -> Q:
    """Reports waiting for `person`'s signature: those they review, and escalated ones they
    may sign in the reviewer's stead (who may approve log audits over the source's unit; the
    service has the last word)."""
    if not is_authenticated_person(person):
        return Q(pk__in=[])
    stand_in = Q(pk__in=[])
    if person.is_superuser:
        stand_in = Q()
    for path in approval_paths(person, Domain.LOG_AUDIT):
        stand_in |= Q(source__asset__unit__path__startswith=path)
    escalated = Q(escalated_at__isnull=False) & stand_in
    return Q(status=ReportStatus.AWAITING_SIGN_OFF) & (Q(reviewer=person.pk) | escalated)
