"""The case timeline: what the system records by itself as the case moves (status
changes, grade decisions, submissions) and what handlers add.

Handlers add, change and remove events through `add_event`, `update_event` and
`delete_event`: the time is aware (a page gives it in the viewer's zone), it may lie
before the case's own "occurred at" (the facts of a lead can precede the case) but not
in the future; linked assets must be within the person's sight and linked indicators
must be of the same case. Each write is checked whole before anything is saved and
audited, the links included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.assets.models import Asset
from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scoping import is_system, require, restrict
from garrison.core.services.records import create_record, delete_record, update_record
from garrison.incidents.models import Incident, Indicator, TimelineEvent, TimelineKind

EVENT_FIELDS = frozenset({"occurred_at", "kind", "description"})
ASSET_CHANGES = "asset_references"
INDICATOR_CHANGES = "indicator_values"


def note(
    incident: Incident,
    kind: TimelineKind | str,
    description: str,
    *,
    by: Any = None,
    at: dt.datetime | None = None,
) -> TimelineEvent:
    """Add an entry the system writes alongside a change it has already audited (the
    transition, the grade confirmation, the submission), so it is not audited again."""
    recorded_by = by if getattr(by, "pk", None) is not None else None
    return TimelineEvent.objects.create(
        incident=incident,
        kind=kind,
        description=str(description),
        occurred_at=at or timezone.now(),
        recorded_by=recorded_by,
    )


# Checks ----------------------------------------------------------------------------------------


def _check_time(occurred_at: Any, now: dt.datetime) -> None:
    if not isinstance(occurred_at, dt.datetime):
        raise ValidationError({"occurred_at": [_("Give the date and time of the event.")]})
    if timezone.is_naive(occurred_at):
        raise ValidationError({"occurred_at": [_("Give the time with its time zone.")]})
    if occurred_at > now:
        raise ValidationError({"occurred_at": [_("An event cannot lie in the future.")]})


def _check_links(
    incident: Incident, *, by: Any, assets: list[Asset] | None, indicators: list[Indicator] | None
) -> None:
    errors: dict[str, list[str]] = {}
    if assets and not is_system(by):
        wanted = {item.pk for item in assets}
        visible = set(
            restrict(Asset.objects.filter(pk__in=wanted), by, Action.VIEW).values_list("pk", flat=True)
        )
        if wanted - visible:
            errors["assets"] = [_("Asset not found.")]
    if indicators and any(item.incident_id != incident.pk for item in indicators):
        errors["indicators"] = [_("Only indicators of this case can be linked to its events.")]
    if errors:
        raise ValidationError(errors)


def _names(objects: Iterable[Any]) -> str | None:
    text = ", ".join(sorted(str(getattr(item, "reference", None) or item) for item in objects))
    return text or None


def _set_links(
    event: TimelineEvent,
    *,
    by: Any,
    reason: str,
    assets: list[Asset] | None,
    indicators: list[Indicator] | None,
) -> None:
    """Replace the linked assets and indicators given, recording what changed."""
    changes: dict[str, list[Any]] = {}
    if assets is not None:
        current = list(event.assets.all())
        if {item.pk for item in current} != {item.pk for item in assets}:
            event.assets.set(assets)
            changes[ASSET_CHANGES] = [_names(current), _names(assets)]
    if indicators is not None:
        current_indicators = list(event.indicators.all())
        if {item.pk for item in current_indicators} != {item.pk for item in indicators}:
            event.indicators.set(indicators)
            changes[INDICATOR_CHANGES] = [_names(current_indicators), _names(indicators)]
    if changes:
        audit.record(event, AuditAction.UPDATE, by=by, changes=changes, reason=reason)


# Writes ----------------------------------------------------------------------------------------


@transaction.atomic
def add_event(
    incident: Incident,
    *,
    by: Any,
    occurred_at: dt.datetime,
    description: str,
    kind: str = TimelineKind.NOTE,
    assets: Iterable[Asset] = (),
    indicators: Iterable[Indicator] = (),
    reason: str = "",
    now: dt.datetime | None = None,
) -> TimelineEvent:
    """Record what happened in the case and when, linked to assets and indicators."""
    require(by, Action.CHANGE, incident)
    asset_list, indicator_list = list(assets), list(indicators)
    _check_time(occurred_at, now or timezone.now())
    _check_links(incident, by=by, assets=asset_list, indicators=indicator_list)
    event = create_record(
        TimelineEvent,
        by=by,
        reason=reason,
        incident=incident,
        occurred_at=occurred_at,
        kind=kind,
        description=description,
        recorded_by=None if is_system(by) else by,
    )
    _set_links(event, by=by, reason=reason, assets=asset_list, indicators=indicator_list)
    return event


@transaction.atomic
def update_event(
    event: TimelineEvent,
    *,
    by: Any,
    reason: str = "",
    assets: Iterable[Asset] | None = None,
    indicators: Iterable[Indicator] | None = None,
    now: dt.datetime | None = None,
    **fields: Any,
) -> TimelineEvent:
    """Correct an event's time, kind or description; replace its links when given."""
    unknown = set(fields) - EVENT_FIELDS
    if unknown:
        raise TypeError(f"update_event() got unexpected fields {sorted(unknown)}")
    require(by, Action.CHANGE, event)
    asset_list = list(assets) if assets is not None else None
    indicator_list = list(indicators) if indicators is not None else None
    if "occurred_at" in fields:
        _check_time(fields["occurred_at"], now or timezone.now())
    _check_links(event.incident, by=by, assets=asset_list, indicators=indicator_list)
    if asset_list is not None and not is_system(by):
        # Linked assets the person cannot see stay linked: they could not have unlinked them.
        visible = set(restrict(event.assets.all(), by, Action.VIEW).values_list("pk", flat=True))
        asset_list += [item for item in event.assets.all() if item.pk not in visible]
    event = update_record(event, by=by, reason=reason, **fields)
    _set_links(event, by=by, reason=reason, assets=asset_list, indicators=indicator_list)
    return event


@transaction.atomic
def delete_event(event: TimelineEvent, *, by: Any, reason: str = "") -> None:
    """Remove an event recorded by mistake (the audit trail keeps what it said)."""
    require(by, Action.CHANGE, event)
    delete_record(event, by=by, reason=reason)
