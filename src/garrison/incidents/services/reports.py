"""Reports drafted from the case with the contents the reporting measures require.

`draft_report` fills what the case already knows: the reporting organisation and the
affected systems, times in Asia/Shanghai, the category, the facts of impact, the
containment and eradication entries of the timeline, the evidence kept, the root cause
of the review. The handler completes it; a report whose cause or impact is still blank
is partial (the first part is sent, the rest follows in a supplementary report).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from garrison.core.roles import Action
from garrison.core.scoping import require
from garrison.core.services.records import create_record, delete_record, update_record
from garrison.incidents.models import (
    OPEN_TASK_STATUSES,
    Incident,
    IncidentReport,
    ReportKind,
    TimelineKind,
)
from garrison.incidents.services.profile import get_profile

REPORT_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
TEXT_FIELDS = (
    "reporting_unit",
    "occurrence",
    "impact",
    "measures",
    "trend",
    "cause",
    "attribution",
    "next_steps",
    "scene_preservation",
    "other_matters",
)
REPORT_FIELDS = frozenset({"kind", *TEXT_FIELDS})
MEASURE_KINDS = (
    TimelineKind.CONTAINMENT,
    TimelineKind.ERADICATION,
    TimelineKind.RECOVERY,
    TimelineKind.ACTION,
)


def local(moment: dt.datetime | None) -> str:
    """A time as the report states it: Beijing time."""
    if moment is None:
        return "—"
    return moment.astimezone(REPORT_ZONE).strftime("%Y-%m-%d %H:%M") + " (UTC+8)"


def is_partial(fields: dict[str, Any]) -> bool:
    return not str(fields.get("cause") or "").strip() or not str(fields.get("impact") or "").strip()


def _lines(items: list[str]) -> str:
    return "\n".join(item for item in items if item)


def _reporting_unit(incident: Incident) -> str:
    profile = get_profile()
    assets = list(incident.assets.order_by("name"))
    lines = [
        _("Reporting organisation: %(name)s") % {"name": profile.reporting_unit_name or incident.unit.name}
    ]
    lines.append(_("Owning unit: %(unit)s") % {"unit": incident.unit.name})
    if assets:
        names = [
            f"{asset.name} ({asset.reference})"
            + (" — " + _("critical system") if asset.is_critical_system else "")
            for asset in assets
        ]
        lines.append(_("Affected systems: %(names)s") % {"names": "; ".join(names)})
    return _lines(lines)


def _occurrence(incident: Incident) -> str:
    category = str(incident.category)
    if incident.subcategory_id:
        category += " / " + str(incident.subcategory)
    places = [unit.name for unit in incident.affected_units.order_by("name")] or [incident.unit.name]
    return _lines(
        [
            _("Occurred: %(time)s") % {"time": local(incident.occurred_at)},
            _("Discovered: %(time)s") % {"time": local(incident.discovered_at)},
            _("Place: %(places)s") % {"places": ", ".join(places)},
            _("Type: %(category)s") % {"category": category},
            incident.title,
            incident.description,
        ]
    )


def _impact(incident: Incident) -> str:
    facts = []
    if incident.personal_information_people:
        facts.append(
            _("Personal information of %(count)s people involved%(sensitive)s%(breach)s.")
            % {
                "count": f"{incident.personal_information_people:,}",
                "sensitive": _(", sensitive personal information included")
                if incident.sensitive_personal_information
                else "",
                "breach": _(", leaked, tampered with or lost")
                if incident.personal_information_breach
                else "",
            }
        )
    if incident.service_outage_minutes:
        facts.append(_("Service outage: %(minutes)s minutes.") % {"minutes": incident.service_outage_minutes})
    if incident.cii_full_outage_minutes:
        facts.append(
            _("Critical information infrastructure fully down: %(minutes)s minutes.")
            % {"minutes": incident.cii_full_outage_minutes}
        )
    if incident.cii_main_function_outage_minutes:
        facts.append(
            _("Main functions of critical information infrastructure down: %(minutes)s minutes.")
            % {"minutes": incident.cii_main_function_outage_minutes}
        )
    if incident.essential_services_people:
        facts.append(
            _("People whose water, power, gas, heating or transport is affected: %(count)s.")
            % {"count": f"{incident.essential_services_people:,}"}
        )
    if incident.direct_loss_cny:
        facts.append(
            _("Estimated direct economic loss: CNY %(amount)s.") % {"amount": f"{incident.direct_loss_cny:,}"}
        )
    return _lines(facts)


def _measures(incident: Incident) -> str:
    entries = incident.timeline.filter(kind__in=MEASURE_KINDS).order_by("occurred_at", "pk")
    return _lines([f"{local(entry.occurred_at)} {entry.description}" for entry in entries])


def _attribution(incident: Incident) -> str:
    indicators = incident.indicators.order_by("kind", "value")[:50]
    return _lines([f"{indicator.get_kind_display()}: {indicator.value}" for indicator in indicators])


def _next_steps(incident: Incident) -> str:
    tasks = incident.tasks.filter(status__in=OPEN_TASK_STATUSES).order_by("due_at", "pk")[:50]
    return _lines([task.title for task in tasks])


def _scene(incident: Incident) -> str:
    evidence = incident.evidence.select_related("attachment__stored_file").order_by("collected_at", "pk")
    return _lines(
        [
            _("%(name)s collected %(time)s, SHA-256 %(hash)s")
            % {
                "name": item.description or item.attachment.filename,
                "time": local(item.collected_at),
                "hash": item.attachment.stored_file.sha256,
            }
            for item in evidence
        ]
    )


def _cause(incident: Incident) -> str:
    # A case without a review raises RelatedObjectDoesNotExist, an AttributeError.
    review = getattr(incident, "review", None)
    return review.root_cause if review is not None else ""


def draft_contents(incident: Incident) -> dict[str, str]:
    """The report's sections as far as the case knows them."""
    return {
        "reporting_unit": _reporting_unit(incident),
        "occurrence": _occurrence(incident),
        "impact": _impact(incident),
        "measures": _measures(incident),
        "trend": "",
        "cause": _cause(incident),
        "attribution": _attribution(incident),
        "next_steps": _next_steps(incident),
        "scene_preservation": _scene(incident),
        "other_matters": "",
    }


@transaction.atomic
def draft_report(incident: Incident, *, kind: str = ReportKind.INITIAL, by: Any) -> IncidentReport:
    """A new report of `kind` prefilled from the case."""
    require(by, Action.CHANGE, incident)
    contents = draft_contents(incident)
    return create_record(
        IncidentReport,
        by=by,
        incident=incident,
        kind=kind,
        is_partial=is_partial(contents),
        created_by=by if getattr(by, "pk", None) is not None else None,
        **contents,
    )


@transaction.atomic
def update_report(report: IncidentReport, *, by: Any, reason: str = "", **fields: Any) -> IncidentReport:
    unknown = set(fields) - REPORT_FIELDS
    if unknown:
        raise TypeError(f"update_report() got unexpected fields {sorted(unknown)}")
    require(by, Action.CHANGE, report.incident)
    merged = {name: fields.get(name, getattr(report, name)) for name in TEXT_FIELDS}
    return update_record(report, by=by, reason=reason, is_partial=is_partial(merged), **fields)


@transaction.atomic
def delete_report(report: IncidentReport, *, by: Any, reason: str = "") -> None:
    """Remove a draft; a report already sent (named by a submission) is kept."""
    require(by, Action.CHANGE, report.incident)
    from django.core.exceptions import ValidationError

    if report.submissions.exists():
        raise ValidationError({"report": [_("This report was sent; it stays on record.")]})
    delete_record(report, by=by, reason=reason)
