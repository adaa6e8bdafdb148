"""Shared fixtures: a small organisation and the people every permission test uses.

The tree is Group → (Beijing site, Shanghai site); Beijing has a sub-unit, Beijing
Operations. `owner` administers Beijing, `colleague` is an employee in Beijing,
`outsider` administers Shanghai, `auditor` audits the whole Group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Role
from garrison.core.services import org

PASSWORD = "Test-passw0rd-long"


@dataclass
class Organisation:
    root: OrgUnit
    beijing: OrgUnit
    beijing_ops: OrgUnit
    shanghai: OrgUnit


@pytest.fixture(autouse=True)
def english_until_asked(settings: Any) -> Any:
    """Each test starts in the default language: a request in Chinese leaves Chinese active
    in its thread, and services write timeline notes in the active language."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def organisation(db: Any) -> Organisation:
    root = org.create_unit(by=None, name="Group", code="group", kind="company")
    beijing = org.create_unit(by=None, name="Beijing site", code="bj", kind="site", parent=root)
    beijing_ops = org.create_unit(
        by=None, name="Beijing Operations", code="bj-ops", kind="team", parent=beijing
    )
    shanghai = org.create_unit(by=None, name="Shanghai site", code="sh", kind="site", parent=root)
    return Organisation(root=root, beijing=beijing, beijing_ops=beijing_ops, shanghai=shanghai)


@pytest.fixture
def make_person(db: Any) -> Any:
    def make(username: str, unit: OrgUnit, *roles: tuple[Role, OrgUnit] | Role, **fields: Any) -> Person:
        person = org.create_person(
            by=None, username=username, full_name=username.title(), unit=unit, password=PASSWORD, **fields
        )
        for role in roles:
            role_name, role_unit = role if isinstance(role, tuple) else (role, unit)
            org.assign_role(person, role_name, role_unit, by=None)
        return person

    return make


@pytest.fixture
def owner(organisation: Organisation, make_person: Any) -> Person:
    return make_person("owner", organisation.beijing, Role.ADMINISTRATOR)


@pytest.fixture
def colleague(organisation: Organisation, make_person: Any) -> Person:
    return make_person("colleague", organisation.beijing, Role.EMPLOYEE)


@pytest.fixture
def outsider(organisation: Organisation, make_person: Any) -> Person:
    return make_person("outsider", organisation.shanghai, Role.ADMINISTRATOR)


@pytest.fixture
def auditor(organisation: Organisation, make_person: Any) -> Person:
    return make_person("auditor", organisation.root, (Role.AUDITOR, organisation.root))


@pytest.fixture
def api() -> Any:
    """An API client; `api.as_(person)` logs in through the session, `api.as_(None)` logs out."""

    class Client(APIClient):
        def as_(self, person: Person | None) -> Client:
            self.logout()
            if person is not None:
                self.force_login(person)
            return self

    return Client()


def _set_audit_truncate_trigger(config: pytest.Config, state: str) -> None:
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    if connection.vendor == "postgresql":
        with config.stash[blocking_manager_key].unblock(), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE core_auditevent {state} TRIGGER core_auditevent_no_truncate")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Transactional tests (live server, browser) end by truncating every table, which the
    PostgreSQL append-only trigger refuses: lift that one trigger while such a test is torn
    down, and restore it unless the session (and its test database) ends with this test."""
    flushes = bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))
    if flushes:
        _set_audit_truncate_trigger(item.config, "DISABLE")
    try:
        return (yield)
    finally:
        if flushes and nextitem is not None:
            _set_audit_truncate_trigger(item.config, "ENABLE")
