from __future__ import annotations

import hashlib
import io
import re
from collections import Counter

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections, transaction
from django.test import Client

from garrison import cli
from garrison.core import audit
from garrison.core.demo.catalogue import DEMO_PASSWORD, FIXED_ACCOUNTS
from garrison.core.demo.plan import plan_organisation
from garrison.core.models import Attachment, AuditEvent, OrgUnit, Person, Responsibility, RoleAssignment
from garrison.core.roles import Role

pytestmark = pytest.mark.django_db

USERNAME = re.compile(r"^[a-z]+(\.[a-z]+\d*)?$")


@pytest.fixture(autouse=True)
def organisation_step_only(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the demo organisation: the steps of the other apps, tested beside
    their apps, are left out unless a test asks for the `whole_demo`."""
    if "whole_demo" in request.fixturenames:
        return
    from garrison.core.demo import registry, runner

    monkeypatch.setattr(
        runner,
        "discover_steps",
        lambda: [step for step in registry.discover_steps() if step.name == "organisation"],
    )


@pytest.fixture
def whole_demo() -> None:
    """Every app's demo step runs (see `organisation_step_only`)."""


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def organisation_digest() -> str:
    rows = sorted(
        RoleAssignment.objects.values_list(
            "person__username", "person__full_name", "person__unit__code", "role", "unit__code"
        )
    )
    units = sorted(OrgUnit.objects.values_list("code", "name", "kind", "parent__code"))
    managers = sorted(Person.objects.values_list("username", "manager__username", "employment_status"))
    return hashlib.sha256(repr((rows, units, managers)).encode()).hexdigest()


def digest_of_a_fresh_seed(*args: str) -> str:
    """Seed into an empty organisation and roll it back again, leaving the database empty."""
    savepoint = transaction.savepoint()
    seed(*args)
    digest = organisation_digest()
    transaction.savepoint_rollback(savepoint)
    return digest


def test_it_builds_an_operator_of_about_two_hundred_people_and_prints_the_logins() -> None:
    output = seed()
    people, units = Person.objects.count(), OrgUnit.objects.count()
    assert 200 <= people <= 260
    assert f"Demo organisation ready: {people} people in {units} units." in output
    for account in FIXED_ACCOUNTS:
        assert f"{account.username} / {DEMO_PASSWORD}" in output
    assert "two-factor" in output
    assert set(OrgUnit.objects.values_list("kind", flat=True)) == {
        "company",
        "committee",
        "working_group",
        "department",
        "site",
        "team",
    }
    assert OrgUnit.objects.filter(kind="site").count() >= 5
    assert OrgUnit.objects.filter(name="Blue Cloud Services", name_zh="蓝云云服务事业部").exists()


def test_every_built_in_role_is_held_by_someone() -> None:
    seed()
    held = Counter(RoleAssignment.objects.values_list("role", flat=True))
    assert set(held) == {role.value for role in Role}
    assert held[Role.ADMINISTRATOR] >= 2
    assert held[Role.AUDITOR] >= 2
    sites = OrgUnit.objects.filter(kind="site")
    for site in sites:
        assert RoleAssignment.objects.filter(role=Role.SECURITY_OFFICER, unit=site).exists(), site.code
    assert not RoleAssignment.objects.filter(role=Role.AUDITOR).exclude(unit__parent=None).exists()


def test_the_committee_and_its_working_group_hang_under_the_company() -> None:
    seed()
    root = OrgUnit.objects.get(parent=None)
    committee = OrgUnit.objects.get(name="Compliance and Information Security Management Committee")
    working_group = OrgUnit.objects.get(name="Compliance and Information Security Working Group")
    assert root.kind == "company"
    assert committee.kind == "committee"
    assert committee.parent == root
    assert working_group.kind == "working_group"
    assert working_group.parent == committee
    assert Responsibility.objects.filter(
        raci="A", assignee_unit=working_group, object_id=str(OrgUnit.objects.get(code="security").pk)
    ).exists()


def test_every_unit_path_is_its_parent_path_followed_by_its_own_id() -> None:
    seed()
    units = list(OrgUnit.objects.select_related("parent"))
    assert len(units) >= 35
    for unit in units:
        parent_path = unit.parent.path if unit.parent else "/"
        assert unit.path == f"{parent_path}{unit.pk}/"
        assert unit.depth == (unit.parent.depth + 1 if unit.parent else 0)


def test_managers_form_one_tree_headed_by_the_chief_executive() -> None:
    seed()
    people = {person.pk: person for person in Person.objects.select_related("unit")}
    top = [person for person in people.values() if person.manager_id is None]
    assert [person.job_title for person in top] == ["Chief Executive Officer"]
    for person in people.values():
        seen = set()
        current = person
        while current.manager_id is not None:
            assert current.pk not in seen, f"management loop through {current.username}"
            seen.add(current.pk)
            manager = people[current.manager_id]
            assert current.unit.path.startswith(manager.unit.path)
            current = manager


def test_people_have_unique_pinyin_style_usernames_zones_languages_and_statuses() -> None:
    seed()
    usernames = list(Person.objects.values_list("username", flat=True))
    assert len(usernames) == len(set(usernames))
    assert all(USERNAME.match(username) for username in usernames)
    hong_kong = Person.objects.filter(unit__path__startswith=OrgUnit.objects.get(code="hk").path)
    assert hong_kong.exists()
    assert set(hong_kong.values_list("time_zone", flat=True)) == {"Asia/Hong_Kong"}
    assert Person.objects.filter(time_zone="Asia/Shanghai").count() > Person.objects.count() / 2
    assert set(Person.objects.values_list("language", flat=True)) >= {"en", "zh-hans"}
    statuses = Counter(Person.objects.values_list("employment_status", flat=True))
    assert statuses["on_leave"] >= 1
    assert statuses["left"] >= 1
    assert statuses["active"] > 0.9 * len(usernames)


def test_the_well_known_logins_hold_their_roles_and_none_is_a_superuser() -> None:
    seed()
    root = OrgUnit.objects.get(parent=None)
    for account in FIXED_ACCOUNTS:
        person = Person.objects.get(username=account.username)
        assert person.employment_status == "active"
        assert not person.is_superuser
        assert RoleAssignment.objects.filter(person=person, role=account.role).exists()
    assert RoleAssignment.objects.get(person__username="admin").unit == root
    assert RoleAssignment.objects.get(person__username="auditor").unit == root
    employee = Person.objects.get(username="employee")
    assert RoleAssignment.objects.get(person=employee).unit == employee.unit


def test_the_demo_admin_logs_in_with_the_documented_password_and_leavers_cannot() -> None:
    seed()
    client = Client()
    assert client.login(username="admin", password=DEMO_PASSWORD)
    leaver = Person.objects.filter(employment_status="left").first()
    assert leaver is not None
    assert not Client().login(username=leaver.username, password=DEMO_PASSWORD)


def test_the_demo_password_passes_the_password_validators() -> None:
    seed()
    for account in FIXED_ACCOUNTS:
        validate_password(DEMO_PASSWORD, Person.objects.get(username=account.username))
    assert len(DEMO_PASSWORD) >= 10


def test_the_audit_trail_records_each_object_once_and_verifies(whole_demo: None) -> None:
    seed()
    count, problem = audit.verify_trail()
    assert problem is None
    expected = (
        OrgUnit.objects.count()
        + Person.objects.count()
        + RoleAssignment.objects.count()
        + Responsibility.objects.count()
        # Files the compliance demo keeps as evidence and certificates.
        + Attachment.objects.count()
    )
    assert AuditEvent.objects.filter(object_type__startswith="core.").count() == expected
    assert count == AuditEvent.objects.count()
    assert AuditEvent.objects.filter(action="create", object_type="core.person").count() == (
        Person.objects.count()
    )
    # The organisation is seeded by the system (later demo steps act as the people who
    # would have done the work, a tester or an evidence owner).
    organisation_events = AuditEvent.objects.filter(
        object_type__in=["core.orgunit", "core.person", "core.roleassignment", "core.responsibility"]
    )
    assert set(organisation_events.values_list("actor_label", flat=True)) == {"seed-demo"}
    unit_event = AuditEvent.objects.get(
        object_type="core.orgunit", object_id=str(OrgUnit.objects.get(code="bj").pk)
    )
    assert unit_event.scope_path == OrgUnit.objects.get(code="bj").path


def test_the_same_seed_and_scale_give_the_same_organisation() -> None:
    first = digest_of_a_fresh_seed("--seed", "7")
    assert not OrgUnit.objects.exists()
    second = digest_of_a_fresh_seed("--seed", "7")
    other_seed = digest_of_a_fresh_seed("--seed", "8")
    assert first == second
    assert first != other_seed


def test_if_empty_from_the_command_line_keeps_the_existing_data(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed()
    before = (Person.objects.count(), AuditEvent.objects.count())
    # The command line closes connections when it ends, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    cli.main(["seed-demo", "--if-empty"])
    output = capsys.readouterr().out
    assert "already exists" in output
    assert "admin / Garrison-demo-2026" in output  # make run reminds of the demo logins every time
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_seeding_over_an_existing_organisation_without_if_empty_is_refused() -> None:
    seed()
    before = Person.objects.count()
    with pytest.raises(CommandError, match="already holds an organisation"):
        seed()
    assert Person.objects.count() == before


@pytest.mark.parametrize("scale", ["0", "-3", "many"])
def test_a_scale_that_is_not_a_positive_whole_number_is_refused(scale: str) -> None:
    with pytest.raises(CommandError):
        seed("--scale", scale)
    assert not OrgUnit.objects.exists()


def test_scale_multiplies_people_and_grows_the_teams_of_each_site() -> None:
    small, large = plan_organisation(scale=1), plan_organisation(scale=4)
    assert 3.5 * len(small.people) < len(large.people) < 4.5 * len(small.people)
    site_teams = {
        plan.parent_code: sum(1 for unit in large.units if unit.parent_code == plan.parent_code)
        for plan in large.units
        if plan.kind == "team" and plan.parent_code in {"bj", "hk"}
    }
    assert site_teams == {"bj": 12, "hk": 12}
    assert len({person.username for person in large.people}) == len(large.people)
    assert len({unit.code for unit in large.units}) == len(large.units)
