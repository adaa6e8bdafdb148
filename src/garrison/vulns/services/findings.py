"""Findings as people work them: entering one by hand, changing a hand-entered one,
marking one fixed or open again, linking it to risk scenarios and incidents, and the
history rows every change appends. Imports write findings in bulk elsewhere
(garrison.vulns.services.import_writing); they use `record_event` and the same SLA rule.

Every verb checks the person's reach through garrison.core.scoping (a finding out of
reach answers 404 exactly like a missing one), validates everything at once and raises
one ValidationError naming each field, runs in one transaction and appends its audit
event. With `by=None` (or an actor label such as "seed-demo") the system acts and the
reach checks are skipped.

A finding's SLA clock starts when it opens (first found, entered, or reopened): it is due
the policy's number of days for its severity after the organisation's date of that moment.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.assets.models import Asset
from garrison.core import audit
from garrison.core.models import OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scheduling import organisation_today, organisation_zone
from garrison.core.scoping import has_grant, is_system, require, restrict
from garrison.core.workflow import StateMachine, Transition
from garrison.incidents.models import Incident
from garrison.risks.models import RiskScenario
from garrison.vulns import sla
from garrison.vulns.fingerprint import content_digest_of, unique_fingerprint
from garrison.vulns.models import (
    ACTIVE_STATUSES,
    Finding,
    FindingEvent,
    FindingEventKind,
    FindingSighting,
    FindingStatus,
    PenetrationTest,
    Severity,
    Source,
    VulnerabilityPolicy,
)
from garrison.vulns.services.policy import sla_days
from garrison.vulns.severity import assess, score_vector

CVE_PATTERN = re.compile(r"^CVE-\d{4}-\d{4,}$")
CWE_PATTERN = re.compile(r"^CWE-\d+$")
MAX_PORT = 65535

# What a person may set on a finding entered by hand; the rest (fingerprint, source, the
# clock, the status) is derived or changes through its own verb.
TEXT_FIELDS = frozenset(
    {
        "rule_id",
        "host",
        "protocol",
        "service",
        "location",
        "component",
        "component_version",
        "fixed_version",
        "description",
        "solution",
        "evidence",
    }
)
LIST_FIELDS = frozenset({"cve_ids", "cwe_ids", "references"})
CHANGEABLE_FIELDS = frozenset(
    {
        *TEXT_FIELDS,
        *LIST_FIELDS,
        "title",
        "port",
        "severity",
        "cvss_vector",
        "unit",
        "asset",
        "penetration_test",
    }
)
CREATE_FIELDS = CHANGEABLE_FIELDS - {"title", "severity", "cvss_vector", "unit", "asset", "penetration_test"}


class FindingWorkflow(StateMachine):
    """A person's decisions on a finding's status. Risk acceptances and false positives
    are decided through exceptions (garrison.vulns.services.exceptions); re-scans move
    findings in bulk through the import."""

    states = FindingStatus
    field = "status"
    transitions = [
        Transition(
            "fix",
            source=[FindingStatus.OPEN, FindingStatus.RISK_ACCEPTED],
            target=FindingStatus.FIXED,
            label=gettext_lazy("Mark fixed"),
            requires_reason=True,
        ),
        Transition(
            "reopen",
            source=[FindingStatus.FIXED, FindingStatus.RISK_ACCEPTED, FindingStatus.FALSE_POSITIVE],
            target=FindingStatus.OPEN,
            label=gettext_lazy("Reopen"),
            requires_reason=True,
        ),
    ]


# The SLA clock --------------------------------------------------------------------------------


def opened_on(moment: dt.datetime) -> dt.date:
    """The organisation's date of the moment a finding's clock started."""
    return organisation_today(moment)


def due_date(
    opened_at: dt.datetime, severity: int, policy: VulnerabilityPolicy | None = None
) -> dt.date | None:
    """When a finding of `severity` whose clock started at `opened_at` is due."""
    return sla.due_on(opened_on(opened_at), severity, sla_days(policy))


def recompute_due_dates(policy: VulnerabilityPolicy | None = None) -> int:
    """Set the due date of every open finding from its clock's start and `policy` (the
    current one by default), after the policy's SLA days changed; returns the number of
    findings whose due date changed.

    One UPDATE per severity, computed by the database: the clock's start plus the days,
    taken as a date in the organisation's time zone (75,000 open findings rewritten in
    about 1.5 s on SQLite and 3 s on PostgreSQL; one severity's 15,000 in under 1 s)."""
    days_by_severity = sla_days(policy)
    zone = organisation_zone()
    open_findings = Finding.objects.filter(status__in=ACTIVE_STATUSES)
    updated = 0
    with transaction.atomic():
        for severity in Severity:
            rows = open_findings.filter(severity=severity.value)
            days = days_by_severity.get(severity.value)
            if days is None:
                updated += rows.exclude(due_on=None).update(due_on=None)
                continue
            shifted = ExpressionWrapper(
                F("opened_at") + Value(dt.timedelta(days=days)), output_field=DateTimeField()
            )
            due = TruncDate(shifted, tzinfo=zone)
            # Rows already right are left alone: a change of one severity's days rewrites
            # only the findings of that severity.
            updated += rows.filter(~Q(due_on=due) | Q(due_on=None)).update(due_on=due)
    return updated


# History --------------------------------------------------------------------------------------


def actor_label(actor: Any) -> str:
    """How a finding's history names who acted: a person's name, or the job's label."""
    if isinstance(actor, Person):
        return (actor.full_name or actor.username)[:200]
    return str(actor or "")[:200]


def record_event(
    finding: Finding,
    kind: str,
    *,
    actor: Any,
    note: str = "",
    scan_import: Any = None,
    at: dt.datetime | None = None,
) -> FindingEvent:
    """Append one step to the finding's history, with the status it has now."""
    return FindingEvent.objects.create(
        finding=finding,
        kind=FindingEventKind(kind),
        status=finding.status,
        scan_import=scan_import,
        actor=actor_label(actor),
        note=note or "",
        at=at or timezone.now(),
    )


# Validation -----------------------------------------------------------------------------------


def _identifiers(values: Any, pattern: re.Pattern[str]) -> list[str]:
    """Identifiers given as a list or as text separated by commas, spaces or new lines,
    in capitals, each once, in the order given."""
    if values is None:
        return []
    items = re.split(r"[\s,;]+", values) if isinstance(values, str) else [str(value) for value in values]
    kept: list[str] = []
    for item in items:
        text = item.strip().upper()
        if text and text not in kept:
            kept.append(text)
    return kept


def _references(values: Any) -> list[str]:
    if values is None:
        return []
    items = values.splitlines() if isinstance(values, str) else [str(value) for value in values]
    return [item.strip() for item in items if item.strip()]


def _clean(fields: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unexpected finding fields {sorted(unknown)}")
    cleaned = dict(fields)
    for name in TEXT_FIELDS & set(cleaned):
        cleaned[name] = (cleaned[name] or "").strip()
    if "title" in cleaned:
        cleaned["title"] = (cleaned["title"] or "").strip()
    if "cvss_vector" in cleaned:
        cleaned["cvss_vector"] = (cleaned["cvss_vector"] or "").strip()
    if "cve_ids" in cleaned:
        cleaned["cve_ids"] = _identifiers(cleaned["cve_ids"], CVE_PATTERN)
    if "cwe_ids" in cleaned:
        cleaned["cwe_ids"] = _identifiers(cleaned["cwe_ids"], CWE_PATTERN)
    if "references" in cleaned:
        cleaned["references"] = _references(cleaned["references"])
    return cleaned


def _check_identifiers(finding: Finding, errors: dict[str, list[str]]) -> None:
    wrong_cves = [value for value in finding.cve_ids if not CVE_PATTERN.match(value)]
    if wrong_cves:
        errors.setdefault("cve_ids", []).append(
            _("Not a CVE identifier (CVE-YYYY-NNNN): %(values)s.") % {"values": ", ".join(wrong_cves)}
        )
    wrong_cwes = [value for value in finding.cwe_ids if not CWE_PATTERN.match(value)]
    if wrong_cwes:
        errors.setdefault("cwe_ids", []).append(
            _("Not a CWE identifier (CWE-NNN): %(values)s.") % {"values": ", ".join(wrong_cwes)}
        )


def _assess(finding: Finding, severity: Any, errors: dict[str, list[str]]) -> None:
    """The severity from the CVSS vector when one is given, else the one chosen."""
    finding.cvss_version, finding.cvss_score = "", None
    if finding.cvss_vector:
        if score_vector(finding.cvss_vector) is None:
            errors.setdefault("cvss_vector", []).append(
                _(
                    "This is not a CVSS vector the scorer reads; give a CVSS v4.0, v3.1, v3.0 or v2 "
                    "base vector such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H, or leave it "
                    "blank and choose the severity."
                )
            )
            return
        assessment = assess(finding.cvss_vector)
        finding.severity = assessment.severity
        finding.cvss_version = assessment.cvss_version
        finding.cvss_vector = assessment.cvss_vector
        score = assessment.cvss_score
        finding.cvss_score = Decimal(str(score)) if score is not None else None
        return
    if severity is None or severity == "":
        errors.setdefault("severity", []).append(_("Choose the severity, or give a CVSS vector to score it."))
        return
    try:
        finding.severity = Severity(int(severity))
    except (TypeError, ValueError):
        errors.setdefault("severity", []).append(_("Choose one of the severities in the list."))


def _check_reach(
    finding: Finding, *, by: Any, action: Action, changed: set[str], errors: dict[str, list[str]]
) -> None:
    """The asset, the penetration test and the unit must be within the person's reach."""
    if "asset" in changed and finding.asset_id is not None:
        assets = Asset.objects.filter(pk=finding.asset_id)
        if not restrict(assets, by, Action.VIEW).exists():
            errors.setdefault("asset", []).append(_("Asset not found."))
            return
    if "penetration_test" in changed and finding.penetration_test_id is not None:
        tests = PenetrationTest.objects.filter(pk=finding.penetration_test_id)
        if not restrict(tests, by, Action.VIEW).exists():
            errors.setdefault("penetration_test", []).append(_("Penetration test not found."))
    unit = finding.unit if finding.unit_id else None
    if unit is not None and not has_grant(by, Domain.VULNERABILITIES, action, unit.path):
        field = "asset" if finding.asset_id is not None else "unit"
        errors.setdefault(field, []).append(
            _("You do not manage vulnerabilities in %(unit)s.") % {"unit": unit.name}
        )


def _validate(finding: Finding, *, by: Any, action: Action, changed: set[str], severity: Any) -> None:
    """Every rule at once, so the person sees every refusal in one go."""
    errors: dict[str, list[str]] = {}
    if "severity" in changed or "cvss_vector" in changed:
        _assess(finding, severity, errors)
    if not finding.title:
        errors.setdefault("title", []).append(_("Give the finding a title."))
    if finding.asset_id is not None:
        finding.unit = finding.asset.unit  # type: ignore[union-attr]
    elif not finding.unit_id:
        errors.setdefault("unit", []).append(_("Choose the unit the finding belongs to, or its asset."))
    _check_identifiers(finding, errors)
    if finding.port is not None and not 0 < finding.port <= MAX_PORT:
        errors.setdefault("port", []).append(_("A port is a number from 1 to 65535."))
    try:
        finding.full_clean(
            exclude=[
                "fingerprint",
                "severity",
                "cvss_score",
                "cve_ids",
                "cwe_ids",
                "unit",
                "references",
                "port",
            ]
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if not is_system(by) and "unit" not in errors and "asset" not in errors:
        _check_reach(finding, by=by, action=action, changed=changed, errors=errors)
    if errors:
        raise ValidationError(errors)


# Creating and changing ------------------------------------------------------------------------


@transaction.atomic
def create_finding(
    *,
    by: Any,
    unit: OrgUnit | None,
    title: str,
    severity: int | None = None,
    cvss_vector: str = "",
    asset: Asset | None = None,
    penetration_test: PenetrationTest | None = None,
    reason: str = "",
    **fields: Any,
) -> Finding:
    """Enter a finding by hand (a penetration tester's, an auditor's, a report's): open,
    never deduplicated against scans, due by the policy's SLA for its severity, which
    its CVSS vector gives when there is one. On an asset, it belongs to the asset's unit."""
    values = _clean(
        {**fields, "title": title, "cvss_vector": cvss_vector}, CREATE_FIELDS | {"title", "cvss_vector"}
    )
    now = timezone.now()
    finding = Finding(
        fingerprint=unique_fingerprint(),
        source=Source.MANUAL,
        status=FindingStatus.OPEN,
        unit=unit,
        asset=asset,
        penetration_test=penetration_test,
        first_seen_at=now,
        opened_at=now,
        **values,
    )
    changed = {"severity", "cvss_vector", "unit", "asset", "penetration_test", *values}
    _validate(finding, by=by, action=Action.ADD, changed=changed, severity=severity)
    finding.cve = finding.cve_ids[0] if finding.cve_ids else ""
    finding.due_on = due_date(now, finding.severity)
    finding.content_digest = content_digest_of(finding)
    finding.save()
    # Seen when entered; no import saw it.
    FindingSighting.objects.create(finding=finding, last_seen_at=now)
    audit.record(
        finding, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(finding)), reason=reason
    )
    record_event(finding, FindingEventKind.OPENED, actor=by, note=reason, at=now)
    return finding


def is_editable(finding: Finding) -> bool:
    """Only findings entered by hand are changed by people: the next import of a scanner's
    finding would overwrite whatever a person changed."""
    return finding.source == Source.MANUAL


def update_finding(finding: Finding, *, by: Any, reason: str = "", **fields: Any) -> Finding:
    """Change a finding entered by hand. A new severity (or CVSS vector) moves the due date
    of an open finding; the clock keeps its start."""
    require(by, Action.CHANGE, finding)
    if not is_editable(finding):
        raise ValidationError(
            _(
                "%(finding)s was imported from %(source)s: the next import overwrites its facts, so they "
                "are changed in the scanner, not here."
            )
            % {"finding": finding.reference, "source": finding.get_source_display()}
        )
    return _update_finding(finding, by=by, reason=reason, fields=fields)


@transaction.atomic
def _update_finding(finding: Finding, *, by: Any, reason: str, fields: dict[str, Any]) -> Finding:
    values = _clean(fields, CHANGEABLE_FIELDS)
    severity = values.pop("severity", None)
    chosen = severity is not None and severity != finding.severity
    if chosen and "cvss_vector" not in values:
        # A severity chosen by hand replaces the score of the vector.
        values["cvss_vector"] = ""
    before = audit.snapshot(finding)
    candidate = Finding.objects.select_related("asset__unit", "unit").get(pk=finding.pk)
    for name, value in values.items():
        setattr(candidate, name, value)
    changed = set(values) | ({"severity"} if chosen else set())
    _validate(
        candidate,
        by=by,
        action=Action.CHANGE,
        changed=changed,
        severity=severity if severity is not None else finding.severity,
    )
    candidate.cve = candidate.cve_ids[0] if candidate.cve_ids else ""
    if candidate.status in ACTIVE_STATUSES:
        candidate.due_on = due_date(candidate.opened_at, candidate.severity)
    changes = audit.diff(before, audit.snapshot(candidate))
    if not changes:
        return finding
    # Derived, so kept out of the recorded changes.
    candidate.content_digest = content_digest_of(candidate)
    candidate.save()
    audit.record(candidate, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    finding.refresh_from_db()
    return finding


# Status ---------------------------------------------------------------------------------------


def _transition(
    finding: Finding, name: str, *, by: Any, reason: str, consequences: Callable[[Finding], dict[str, Any]]
) -> Finding:
    """Take a workflow step, then set what follows from it, recorded with the same reason."""
    reason = (reason or "").strip()
    with transaction.atomic():
        FindingWorkflow.apply(finding, name, by=by, reason=reason)
        # The row stays locked by the step until this transaction ends.
        finding.refresh_from_db()
        before = audit.snapshot(finding)
        values = consequences(finding)
        for field, value in values.items():
            setattr(finding, field, value)
        finding.save(update_fields=[*values, "updated_at"])
        changes = audit.diff(before, audit.snapshot(finding))
        if changes:
            audit.record(finding, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
        record_event(finding, FindingEventKind.STATUS, actor=by, note=reason)
    return finding


def mark_fixed(finding: Finding, *, by: Any, reason: str) -> Finding:
    """A person says the weakness is gone (patched, configuration changed, asset retired);
    the reason is required. A later scan that finds it again reopens it."""
    return _transition(
        finding, "fix", by=by, reason=reason, consequences=lambda _: {"fixed_at": timezone.now()}
    )


def _reopened(finding: Finding) -> dict[str, Any]:
    now = timezone.now()
    return {
        "fixed_at": None,
        "opened_at": now,
        "due_on": due_date(now, finding.severity),
        "reopened_count": finding.reopened_count + 1,
    }


def reopen_finding(finding: Finding, *, by: Any, reason: str) -> Finding:
    """The weakness is back or was never gone: the finding opens again with a new SLA
    clock; the reason is required."""
    return _transition(finding, "reopen", by=by, reason=reason, consequences=_reopened)


# Links ----------------------------------------------------------------------------------------


LINK_MODELS: dict[str, type[models.Model]] = {"risks": RiskScenario, "incidents": Incident}


def _link_references(objects: Iterable[Any]) -> list[str]:
    return sorted(str(getattr(obj, "reference", obj.pk)) for obj in objects)


def _resolve(name: str, wanted: Iterable[Any]) -> list[Any]:
    """Objects given as objects or ids; unknown ids are left for the reach check to refuse."""
    model = LINK_MODELS[name]
    items = list(wanted)
    ids = [item for item in items if not isinstance(item, models.Model)]
    found = {obj.pk: obj for obj in model._default_manager.filter(pk__in=ids)} if ids else {}
    missing = [item for item in ids if item not in found]
    if missing:
        raise ValidationError({name: [_("Not found: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]})
    return [found.get(item, item) for item in items]


def _hidden(name: str, objects: list[Any], *, by: Any) -> list[Any]:
    """Those of `objects` the person may not see."""
    if is_system(by) or not objects:
        return []
    model = LINK_MODELS[name]
    visible = restrict(model._default_manager.filter(pk__in=[obj.pk for obj in objects]), by, Action.VIEW)
    seen = set(visible.values_list("pk", flat=True))
    return [obj for obj in objects if obj.pk not in seen]


@transaction.atomic
def set_links(
    finding: Finding, *, by: Any, risks: Iterable[Any] | None = None, incidents: Iterable[Any] | None = None
) -> Finding:
    """Link the finding to the risk scenarios and incidents given (objects or ids), in
    place of the links the person sees; None leaves a kind of link as it is. Only what the
    person may see can be linked; links they cannot see stay."""
    require(by, Action.CHANGE, finding)
    messages = {
        "risks": _("Risk scenario not found: %(objects)s."),
        "incidents": _("Incident not found: %(objects)s."),
    }
    wanted = {
        name: _resolve(name, given)
        for name, given in (("risks", risks), ("incidents", incidents))
        if given is not None
    }
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    for name, objects in wanted.items():
        manager = getattr(finding, name)
        current = list(manager.all())
        linked = {obj.pk for obj in current}
        missing = _hidden(name, [obj for obj in objects if obj.pk not in linked], by=by)
        if missing:
            errors[name] = [messages[name] % {"objects": ", ".join(_link_references(missing))}]
            continue
        # Links the person cannot see stay: they could not have meant to remove them.
        hidden = _hidden(name, current, by=by)
        target = {obj.pk: obj for obj in [*objects, *hidden]}
        if set(target) != linked:
            manager.set(list(target.values()))
            # Lists of ids, as the history names them for whoever may see them.
            changes[name] = [sorted(linked) or None, sorted(target) or None]
    if errors:
        raise ValidationError(errors)
    if changes:
        finding.save(update_fields=["updated_at"])
        audit.record(finding, AuditAction.UPDATE, by=by, changes=changes)
    return finding
