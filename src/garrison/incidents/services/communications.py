"""The communications log of a case: who was told what, when, and who told us."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core.roles import Action
from garrison.core.scoping import require
from garrison.core.services.records import create_record
from garrison.incidents.models import Audience, Channel, Communication, Direction, Incident


@transaction.atomic
def log_communication(
    incident: Incident,
    *,
    by: Any,
    audience: str,
    party: str,
    channel: str,
    occurred_at: dt.datetime | None,
    summary: str,
    direction: str = Direction.OUTGOING,
    now: dt.datetime | None = None,
) -> Communication:
    """Add an entry to the case's communications log (internal, regulators, customers,
    suppliers, others)."""
    require(by, Action.CHANGE, incident)
    errors: dict[str, list[str]] = {}
    if audience not in Audience.values:
        errors["audience"] = [_("Choose with whom.")]
    if direction not in Direction.values:
        errors["direction"] = [_("Choose which way.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Choose how.")]
    if not (party or "").strip():
        errors["party"] = [_("Name the party.")]
    if not (summary or "").strip():
        errors["summary"] = [_("Summarise what was said.")]
    if occurred_at is None:
        errors["occurred_at"] = [_("Give the time.")]
    elif occurred_at > (now or timezone.now()):
        errors["occurred_at"] = [_("A communication cannot take place in the future.")]
    if errors:
        raise ValidationError(errors)
    return create_record(
        Communication,
        by=by,
        incident=incident,
        audience=audience,
        direction=direction,
        party=party.strip(),
        channel=channel,
        occurred_at=occurred_at,
        summary=summary.strip(),
        recorded_by=by,
    )
