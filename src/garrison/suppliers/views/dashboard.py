"""The supplier dashboard: the register by region, category, status and criticality tier
(the seed's figures — total suppliers, how many from Hong Kong, Macau and Taiwan, how many
from other countries — come out of it), documents expiring, rectification actions due,
status changes awaiting approval, live sourcing events and screening matches to review.

Each figure counts what the person may see and links to the list it counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from garrison.core.roles import Action, Domain
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import has_grant
from garrison.suppliers import metrics
from garrison.suppliers.models import (
    SUBSTANDARD_STATUSES,
    CriticalityTier,
    MatchStatus,
    Region,
    SourcingStatus,
    StatusChangeState,
    SupplierStatus,
)
from garrison.web.links import optional_url

SHOWN_AT_MOST = 20


@dataclass(frozen=True)
class Figure:
    """One counted line: what, how many, where the list of them is."""

    label: str
    count: int
    url: str
    is_warning: bool = False


def list_url(name: str, **query: str) -> str:
    """The URL of the list named `name` filtered by `query`; empty while the page is missing."""
    url = optional_url(name) or ""
    return f"{url}?{urlencode(query)}" if url and query else url


def supplier_list(**query: str) -> str:
    return list_url("suppliers:supplier-list", **query)


def _register(person: Any) -> dict[str, Any]:
    counts = metrics.register_counts(person)
    return {
        "total": Figure(_("Suppliers"), counts.total, supplier_list()),
        "regions": [
            Figure(str(label), counts.by_region.get(value, 0), supplier_list(region=value))
            for value, label in Region.choices
        ],
        "statuses": [
            Figure(
                str(label),
                counts.by_status.get(value, 0),
                supplier_list(status=value),
                value in SUBSTANDARD_STATUSES and counts.by_status.get(value, 0) > 0,
            )
            for value, label in SupplierStatus.choices
        ],
        "substandard": counts.substandard,
        "tiers": [
            Figure(str(label), counts.by_tier.get(value, 0), supplier_list(tier=value))
            for value, label in CriticalityTier.choices
        ],
        "categories": [
            Figure(category.name, number, supplier_list(category=category.code))
            for category, number in metrics.counts_by_category(person)
        ],
    }


@login_required
def supplier_dashboard(request: HttpRequest) -> HttpResponse:
    person = request.user
    if not has_grant(person, Domain.SUPPLIERS, Action.VIEW):
        raise Http404
    today = organisation_today()
    documents = metrics.expiring_documents(person, today).select_related("supplier")
    expired = documents.filter(expires_on__lt=today)
    expiring = documents.filter(expires_on__gte=today)
    actions = metrics.rectification_actions_due(person, today).select_related("plan__supplier")
    overdue_actions = actions.filter(due_on__lt=today)
    due_actions = actions.filter(due_on__gte=today)
    changes = metrics.pending_status_changes(person).select_related("supplier", "proposed_by")
    events = metrics.live_events_by_status(person)
    context = {
        "title": _("Supplier dashboard"),
        "today": today,
        **_register(person),
        "expired": list(expired[:SHOWN_AT_MOST]),
        "expired_count": expired.count(),
        "expiring": list(expiring[:SHOWN_AT_MOST]),
        "expiring_count": expiring.count(),
        "expiring_url": supplier_list(expiring="yes"),
        "overdue_actions": list(overdue_actions[:SHOWN_AT_MOST]),
        "overdue_action_count": overdue_actions.count(),
        "due_actions": list(due_actions[:SHOWN_AT_MOST]),
        "due_action_count": due_actions.count(),
        "overdue_plans_url": list_url("suppliers:plan-list", overdue="yes"),
        "open_plans_url": list_url("suppliers:plan-list", status="open"),
        "changes": list(changes[:SHOWN_AT_MOST]),
        "change_count": changes.count(),
        "changes_url": list_url("suppliers:status-change-list", state=StatusChangeState.PROPOSED),
        "events": [
            Figure(
                str(SourcingStatus(status).label),
                events.get(status, 0),
                list_url("suppliers:event-list", status=status),
            )
            for status in metrics.LIVE_EVENT_STATUSES
        ],
        "match_figure": Figure(
            _("Screening matches awaiting review"),
            metrics.pending_matches(person).count(),
            list_url("suppliers:match-list", status=MatchStatus.PENDING),
            is_warning=True,
        ),
        "shown_at_most": SHOWN_AT_MOST,
        "document_horizon": metrics.DOCUMENT_HORIZON_DAYS,
        "rectification_horizon": metrics.RECTIFICATION_HORIZON_DAYS,
    }
    return render(request, "suppliers/dashboard.html", context)


urlpatterns: list[URLPattern] = [
    path("dashboard/", supplier_dashboard, name="dashboard"),
]
