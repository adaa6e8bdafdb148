"""The supplier figures on the home dashboard: suppliers by region (the seed's figures),
substandard suppliers, qualification documents expiring within 30 days and status changes
awaiting the person's approval. Each counts only what the person may see and links to the
list it counted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Action, Domain
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import has_grant, may_approve
from garrison.suppliers import metrics
from garrison.suppliers.models import Region, StatusChange
from garrison.web.dashboard import Tile, register_tiles
from garrison.web.links import optional_url

DOCUMENTS_DUE_DAYS = 30


def _link(name: str, **query: str) -> str:
    url = optional_url(name) or ""
    return f"{url}?{urlencode(query)}" if url and query else url


def supplier_tiles(person: Any, today: dt.date | None = None) -> list[Tile]:
    if not has_grant(person, Domain.SUPPLIERS, Action.VIEW):
        return []
    today = today or organisation_today()
    counts = metrics.register_counts(person)
    tiles = [
        Tile(
            format_lazy(_("Suppliers: {region}"), region=label),
            counts.by_region.get(value, 0),
            _link("suppliers:supplier-list", region=value),
        )
        for value, label in Region.choices
    ]
    tiles.append(
        Tile(
            _("Substandard suppliers"),
            counts.substandard,
            _link("suppliers:dashboard") + "#statuses" if optional_url("suppliers:dashboard") else "",
            is_warning=True,
        )
    )
    expiring = metrics.expiring_documents(person, today, DOCUMENTS_DUE_DAYS).filter(expires_on__gte=today)
    tiles.append(
        Tile(
            _("Supplier documents expiring within 30 days"),
            expiring.count(),
            _link("suppliers:supplier-list", expiring="yes"),
            is_warning=True,
        )
    )
    if may_approve(person, Domain.SUPPLIERS):
        # The classification part's own rule of who decides what (imported here: this module
        # loads when the app starts, before the web forms it pulls in are needed).
        from garrison.suppliers.filtersets_classification import awaiting_approval_by

        waiting = awaiting_approval_by(StatusChange.objects.all(), person)
        tiles.append(
            Tile(
                _("Supplier status changes awaiting my approval"),
                waiting.count(),
                _link("suppliers:status-change-list", awaiting_me="true"),
                is_warning=True,
            )
        )
    return tiles


register_tiles("suppliers", supplier_tiles)
