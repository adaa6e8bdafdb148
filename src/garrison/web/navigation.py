"""The navigation: one entry per domain, shown once the domain's app exists and the
person may view something in it."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    domain: Domain
    app_label: str


ENTRIES = [
    NavEntry(_("Organisation"), "core:unit-list", Domain.ORGANISATION, "core"),
    NavEntry(_("People"), "core:person-list", Domain.ORGANISATION, "core"),
    NavEntry(_("Roles"), "core:role-assignment-list", Domain.ACCESS_CONTROL, "core"),
    NavEntry(_("Audit trail"), "core:audit-event-list", Domain.AUDIT, "core"),
    NavEntry(_("Assets"), "assets:asset-list", Domain.ASSETS, "assets"),
    NavEntry(_("Risks"), "risks:risk-list", Domain.RISKS, "risks"),
    NavEntry(_("Compliance"), "compliance:framework-list", Domain.COMPLIANCE, "compliance"),
    NavEntry(_("Policies"), "policies:policy-list", Domain.POLICIES, "policies"),
    NavEntry(_("Incidents"), "incidents:incident-list", Domain.INCIDENTS, "incidents"),
    NavEntry(_("Vulnerabilities"), "vulns:finding-list", Domain.VULNERABILITIES, "vulns"),
    NavEntry(_("Log audit"), "logaudit:finding-list", Domain.LOG_AUDIT, "logaudit"),
    NavEntry(_("Access"), "access:dashboard", Domain.ACCESS, "access"),
    NavEntry(_("Privacy"), "privacy:record-list", Domain.PRIVACY, "privacy"),
    NavEntry(_("Training"), "training:course-list", Domain.TRAINING, "training"),
    NavEntry(_("Suppliers"), "suppliers:supplier-list", Domain.SUPPLIERS, "suppliers"),
    NavEntry(_("Reports"), "reports:dashboard", Domain.REPORTS, "reports"),
]


def entries_for(person: object) -> list[NavEntry]:
    return [
        entry
        for entry in ENTRIES
        if apps.is_installed(f"garrison.{entry.app_label}") and has_grant(person, entry.domain, Action.VIEW)
    ]
