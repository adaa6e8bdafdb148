"""The log-audit tiles of the home dashboard: weekly reports waiting for the person's
sign-off, escalated reports and findings nobody triaged, counted over what the person may
see (registered when the app loads)."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant
from garrison.logaudit.models import ReportStatus, Triage
from garrison.logaudit.services.dashboard import finding_counts, sign_off_figures
from garrison.web.dashboard import Tile, register_tiles


def link(name: str, **query: Any) -> str:
    """The URL named `name` with a query ("" while that page is absent)."""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def logaudit_tiles(person: Any) -> list[Tile]:
    """Reports awaiting the person's sign-off (and the escalated ones when there are any),
    and untriaged findings."""
    if not has_grant(person, Domain.LOG_AUDIT, Action.VIEW):
        return []
    awaiting = sign_off_figures(person)
    untriaged, _true_positives = finding_counts(person, timezone.now())
    status = ReportStatus.AWAITING_SIGN_OFF
    tiles = [
        Tile(
            _("Log-audit reports awaiting your sign-off"),
            awaiting.mine,
            link("logaudit:report-list", awaiting_me="yes"),
            is_warning=True,
        ),
        Tile(
            _("Log-audit findings not triaged"),
            untriaged,
            link("logaudit:finding-list", triage=Triage.UNTRIAGED),
        ),
    ]
    if awaiting.escalated:
        tiles.append(
            Tile(
                _("Escalated log-audit reports"),
                awaiting.escalated,
                link("logaudit:report-list", status=status, escalated="yes"),
                is_warning=True,
            )
        )
    return tiles


register_tiles("logaudit", logaudit_tiles)
