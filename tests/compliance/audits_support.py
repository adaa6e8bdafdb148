"""Fixtures of the audit tests: a Compliance Manager of the Beijing site who plans and
leads audits, an employee who owns findings, and helpers that raise findings and plan
their corrective actions through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from garrison.compliance.models import (
    AppliedControl,
    Audit,
    ControlTest,
    CorrectiveAction,
    Finding,
    FindingKind,
    TestMethod,
    TestResult,
)
from garrison.compliance.services import audits as services
from garrison.core.models import Person
from garrison.core.roles import Role
from garrison.core.services.records import create_record

TODAY = timezone.localdate


@pytest.fixture
def manager(organisation: Any, make_person: Any) -> Person:
    """Compliance Manager of the Beijing site: writes compliance data there only."""
    return make_person("manager", organisation.beijing, (Role.COMPLIANCE_MANAGER, organisation.beijing))


@pytest.fixture
def officer(organisation: Any, make_person: Any) -> Person:
    """Security Officer of the Beijing site: reads compliance data."""
    return make_person("officer", organisation.beijing, (Role.SECURITY_OFFICER, organisation.beijing))


@pytest.fixture
def audit(organisation: Any, manager: Person) -> Audit:
    """An internal audit of Beijing, led by the manager, in fieldwork."""
    created = services.create_audit(
        by=manager,
        title="Internal ISMS audit",
        unit=organisation.beijing,
        lead=manager,
        starts_on=TODAY() - dt.timedelta(days=3),
    )
    return services.transition_audit(created, "start", by=manager)


def raise_(audit: Audit, by: Any, owner: Person, kind: str = FindingKind.MINOR, **fields: Any) -> Finding:
    fields.setdefault("title", f"A {kind} finding")
    return services.raise_audit_finding(audit, by=by, kind=kind, owner=owner, **fields)


def plan(finding: Finding, by: Any, owner: Person, days: int = 10, **fields: Any) -> CorrectiveAction:
    fields.setdefault("title", "Fix it")
    return services.add_corrective_action(
        finding, by=by, owner=owner, due_on=TODAY() + dt.timedelta(days=days), **fields
    )


def failed_test(unit: Any, owner: Person, tester: Person) -> ControlTest:
    control = create_record(
        AppliedControl,
        by=None,
        reference="CTL-000001",
        name="Quarterly access review",
        unit=unit,
        owner=owner,
        category="organisational",
    )
    return create_record(
        ControlTest,
        by=None,
        control=control,
        due_on=TODAY(),
        tester=tester,
        method=TestMethod.INSPECTION,
        result=TestResult.FAILED,
        performed_on=TODAY(),
        performed_by=tester,
        notes="Two reviews missing.",
    )


def reload(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj
