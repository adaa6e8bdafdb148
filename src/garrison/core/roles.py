"""Built-in roles and what each may do, kept as data. Pure module: no Django import.

A role is granted to a person on an organisation-unit subtree; the grants below say
which actions the role allows on which domain inside that subtree. The scoping
mechanism (garrison.core.scoping) turns these grants into queryset filters.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Action(StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"


class Domain(StrEnum):
    """Areas of the product; one per app, plus the core's own areas."""

    ORGANISATION = "organisation"  # units, people, responsibilities
    ACCESS_CONTROL = "access_control"  # role assignments, API tokens of others, lockouts
    AUDIT = "audit"  # the audit trail
    ASSETS = "assets"
    RISKS = "risks"
    COMPLIANCE = "compliance"
    POLICIES = "policies"
    INCIDENTS = "incidents"
    VULNERABILITIES = "vulns"
    LOG_AUDIT = "logaudit"
    ACCESS = "access"
    PRIVACY = "privacy"
    TRAINING = "training"
    SUPPLIERS = "suppliers"
    REPORTS = "reports"


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    SECURITY_OFFICER = "security_officer"
    COMPLIANCE_MANAGER = "compliance_manager"
    RISK_OWNER = "risk_owner"
    AUDITOR = "auditor"
    PROCUREMENT_OFFICER = "procurement_officer"
    EMPLOYEE = "employee"


ALL_ACTIONS = frozenset(Action)
READ = frozenset({Action.VIEW})
WRITE = frozenset({Action.VIEW, Action.ADD, Action.CHANGE})
WRITE_AND_DELETE = ALL_ACTIONS

SECURITY_DOMAINS = (
    Domain.ASSETS,
    Domain.RISKS,
    Domain.INCIDENTS,
    Domain.VULNERABILITIES,
    Domain.LOG_AUDIT,
    Domain.ACCESS,
)
COMPLIANCE_DOMAINS = (Domain.COMPLIANCE, Domain.POLICIES, Domain.PRIVACY, Domain.TRAINING)


def _grant(domains: Iterable[Domain], actions: frozenset[Action]) -> dict[Domain, frozenset[Action]]:
    return {domain: actions for domain in domains}


GRANTS: dict[Role, dict[Domain, frozenset[Action]]] = {
    Role.ADMINISTRATOR: _grant(Domain, WRITE_AND_DELETE),
    Role.SECURITY_OFFICER: {
        Domain.ORGANISATION: READ,
        **_grant((*COMPLIANCE_DOMAINS, Domain.SUPPLIERS, Domain.REPORTS), READ),
        **_grant(SECURITY_DOMAINS, WRITE_AND_DELETE),
    },
    Role.COMPLIANCE_MANAGER: {
        Domain.ORGANISATION: READ,
        **_grant((*SECURITY_DOMAINS, Domain.SUPPLIERS, Domain.REPORTS), READ),
        **_grant(COMPLIANCE_DOMAINS, WRITE_AND_DELETE),
    },
    Role.RISK_OWNER: {
        Domain.ORGANISATION: READ,
        Domain.ASSETS: READ,
        Domain.INCIDENTS: READ,
        Domain.REPORTS: READ,
        Domain.RISKS: WRITE,
    },
    # The auditor reads everything, the audit trail included, and changes nothing.
    Role.AUDITOR: _grant(Domain, READ),
    Role.PROCUREMENT_OFFICER: {
        Domain.ORGANISATION: READ,
        Domain.REPORTS: READ,
        Domain.SUPPLIERS: WRITE_AND_DELETE,
    },
    Role.EMPLOYEE: {Domain.ORGANISATION: READ},
}

# Roles whose holders may decide on what someone else asks to accept in a domain (a
# risk, a vulnerability exception), inside the unit subtree the role is held on.
APPROVER_ROLES: dict[Domain, frozenset[Role]] = {
    Domain.RISKS: frozenset({Role.ADMINISTRATOR, Role.SECURITY_OFFICER}),
    Domain.VULNERABILITIES: frozenset({Role.ADMINISTRATOR, Role.SECURITY_OFFICER}),
    # Signing a weekly log-audit report for its reviewer, and receiving the escalation.
    Domain.LOG_AUDIT: frozenset({Role.ADMINISTRATOR, Role.SECURITY_OFFICER}),
    # A supplier's change of status (qualified, rectifying, blacklisted …).
    Domain.SUPPLIERS: frozenset({Role.ADMINISTRATOR, Role.PROCUREMENT_OFFICER}),
}

# Roles whose holders must log in with a second factor.
MFA_REQUIRED_ROLES = frozenset({Role.ADMINISTRATOR, Role.SECURITY_OFFICER})


def allows(role: Role | str, domain: Domain | str, action: Action | str) -> bool:
    """Whether `role` grants `action` on `domain` (inside the unit subtree it is held on)."""
    return Action(action) in GRANTS[Role(role)].get(Domain(domain), frozenset())


def domains_visible_to(roles: Iterable[Role | str]) -> set[Domain]:
    """Domains a person holding `roles` may at least view somewhere."""
    visible: set[Domain] = set()
    for role in roles:
        visible.update(domain for domain, actions in GRANTS[Role(role)].items() if Action.VIEW in actions)
    return visible
