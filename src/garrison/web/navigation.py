"""The navigation: one entry per domain, shown once the domain's app exists and the
person may view something in it."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant


@dataclass(frozen=True)
class Section:
    """A page of a domain reached from the domain's own row of tabs."""

    label: str | Promise
    url_name: str
    # What the person must hold on the domain to be offered the page.
    action: Action = Action.VIEW


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    domain: Domain
    app_label: str
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class SectionLink:
    label: str | Promise
    url: str
    is_active: bool


ASSET_SECTIONS = (
    Section(_("Inventory"), "assets:asset-list"),
    Section(_("Import"), "assets:asset-import", Action.ADD),
)
RISK_SECTIONS = (
    Section(_("Register"), "risks:risk-list"),
    Section(_("Heat map"), "risks:heatmap"),
    Section(_("Acceptances"), "risks:acceptance-list"),
    Section(_("Campaigns"), "risks:campaign-list"),
    Section(_("My reviews"), "risks:review-task-list"),
    Section(_("Matrices"), "risks:matrix-list"),
    Section(_("Threats"), "risks:threat-list"),
    Section(_("Libraries"), "library:library-list"),
)
COMPLIANCE_SECTIONS = (
    Section(_("Dashboard"), "compliance:dashboard"),
    Section(_("Assessments"), "compliance:assessment-list"),
    Section(_("Controls"), "compliance:control-list"),
    Section(_("Testing calendar"), "compliance:control-test-list"),
    Section(_("Evidence"), "compliance:evidence-list"),
    Section(_("Evidence requests"), "compliance:evidence-request-list"),
    Section(_("Audits"), "compliance:audit-list"),
    Section(_("Findings"), "compliance:finding-list"),
    Section(_("Certifications"), "compliance:certification-list"),
    Section(_("Frameworks"), "compliance:framework-list"),
    Section(_("Mapping sets"), "compliance:mapping-list"),
    Section(_("Reference controls"), "compliance:reference-control-list"),
    Section(_("Libraries"), "library:library-list"),
)
INCIDENT_SECTIONS = (
    Section(_("Cases"), "incidents:incident-list"),
    Section(_("Reporting deadlines"), "incidents:obligation-due-list"),
    Section(_("My tasks"), "incidents:my-tasks"),
    Section(_("Metrics"), "incidents:metrics"),
    Section(_("Playbooks"), "incidents:playbook-list"),
    Section(_("Emergency contacts"), "incidents:contact-list"),
    Section(_("Escalation chain"), "incidents:escalation-list"),
    Section(_("Categories"), "incidents:category-list"),
    Section(_("Grading thresholds"), "incidents:threshold-list"),
    Section(_("Reporting profile"), "incidents:reporting-profile"),
    Section(_("Reporting rules"), "incidents:reporting-rule-list"),
)
SUPPLIER_SECTIONS = (
    Section(_("Dashboard"), "suppliers:dashboard"),
    Section(_("Suppliers"), "suppliers:supplier-list"),
    Section(_("Access applications"), "suppliers:application-list"),
    Section(_("Assessments"), "suppliers:assessment-list"),
    Section(_("Scorecards"), "suppliers:scorecard-list"),
    Section(_("Status changes"), "suppliers:status-change-list"),
    Section(_("Rectification"), "suppliers:plan-list"),
    Section(_("Screening"), "suppliers:match-list"),
    Section(_("Watch lists"), "suppliers:watchlist-list"),
    Section(_("Sourcing"), "suppliers:event-list"),
    Section(_("Orders"), "suppliers:order-list"),
    Section(_("Questionnaires"), "suppliers:questionnaire-list"),
    Section(_("Categories"), "suppliers:category-list"),
    Section(_("Access paths"), "suppliers:access-config"),
    Section(_("Scorecard criteria"), "suppliers:criterion-list"),
    Section(_("Supplier policy"), "suppliers:policy"),
)
VULNERABILITY_SECTIONS = (
    Section(_("Dashboard"), "vulns:dashboard"),
    Section(pgettext_lazy("vulnerability", "Findings"), "vulns:finding-list"),
    Section(_("Imports"), "vulns:import-list"),
    Section(_("Penetration tests"), "vulns:pentest-list"),
    Section(_("Exceptions"), "vulns:exception-list"),
    Section(_("Coverage"), "vulns:coverage"),
    Section(_("Vulnerability policy"), "vulns:policy"),
)
LOG_AUDIT_SECTIONS = (
    Section(_("Dashboard"), "logaudit:dashboard"),
    Section(_("Audit reports"), "logaudit:report-list"),
    Section(pgettext_lazy("log audit", "Findings"), "logaudit:finding-list"),
    Section(_("Log sources"), "logaudit:source-list"),
    Section(_("Detection rules"), "logaudit:rule-list"),
    Section(_("Suppressions"), "logaudit:suppression-list"),
    Section(_("Log-audit policy"), "logaudit:policy"),
)


ENTRIES = [
    NavEntry(_("Organisation"), "core:unit-list", Domain.ORGANISATION, "core"),
    NavEntry(_("People"), "core:person-list", Domain.ORGANISATION, "core"),
    NavEntry(_("Roles"), "core:role-assignment-list", Domain.ACCESS_CONTROL, "core"),
    NavEntry(_("Audit trail"), "core:audit-event-list", Domain.AUDIT, "core"),
    NavEntry(_("Assets"), "assets:asset-list", Domain.ASSETS, "assets", ASSET_SECTIONS),
    NavEntry(_("Risks"), "risks:risk-list", Domain.RISKS, "risks", RISK_SECTIONS),
    NavEntry(_("Compliance"), "compliance:dashboard", Domain.COMPLIANCE, "compliance", COMPLIANCE_SECTIONS),
    NavEntry(_("Policies"), "policies:policy-list", Domain.POLICIES, "policies"),
    NavEntry(_("Incidents"), "incidents:incident-list", Domain.INCIDENTS, "incidents", INCIDENT_SECTIONS),
    NavEntry(
        _("Vulnerabilities"), "vulns:dashboard", Domain.VULNERABILITIES, "vulns", VULNERABILITY_SECTIONS
    ),
    NavEntry(_("Log audit"), "logaudit:dashboard", Domain.LOG_AUDIT, "logaudit", LOG_AUDIT_SECTIONS),
    NavEntry(_("Access"), "access:dashboard", Domain.ACCESS, "access"),
    NavEntry(_("Privacy"), "privacy:record-list", Domain.PRIVACY, "privacy"),
    NavEntry(_("Training"), "training:course-list", Domain.TRAINING, "training"),
    NavEntry(_("Suppliers"), "suppliers:dashboard", Domain.SUPPLIERS, "suppliers", SUPPLIER_SECTIONS),
    NavEntry(_("Reports"), "reports:dashboard", Domain.REPORTS, "reports"),
]


def entries_for(person: object) -> list[NavEntry]:
    return [
        entry
        for entry in ENTRIES
        if apps.is_installed(f"garrison.{entry.app_label}") and has_grant(person, entry.domain, Action.VIEW)
    ]


def section_links(entries: list[NavEntry], path: str, person: object) -> list[SectionLink]:
    """The tabs of the domain the page at `path` belongs to, the closest match marked active.

    A page belongs to the domain one of whose sections' addresses it starts with; the
    longest matching address is the active tab (``/risks/heat-map/`` over ``/risks/``).
    """
    best: tuple[int, NavEntry, str] | None = None
    for entry in entries:
        for section in entry.sections:
            url = reverse(section.url_name)
            if path.startswith(url) and (best is None or len(url) > best[0]):
                best = (len(url), entry, url)
    if best is None:
        return []
    _length, entry, active_url = best
    links = []
    for section in entry.sections:
        if section.action != Action.VIEW and not has_grant(person, entry.domain, section.action):
            continue
        url = reverse(section.url_name)
        links.append(SectionLink(section.label, url, url == active_url))
    return links
