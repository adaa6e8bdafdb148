"""Account safety: a sub-unit administrator cannot take over someone whose roles reach wider,
and a refused or invalid change of a person writes nothing at all."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from garrison.core.models import AuditEvent, EmploymentStatus, Person
from garrison.core.roles import Role
from garrison.core.services import identity, mfa, org
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REFUSAL = "You cannot change someone who holds roles beyond the units you manage."


def events_of(person: Person) -> int:
    return AuditEvent.objects.filter(object_type="core.person", object_id=str(person.pk)).count()


def with_mfa(person: Person) -> Person:
    secret = mfa.new_secret()
    return mfa.confirm_enrolment(person, secret, pyotp.TOTP(secret).now(), by=person)


@pytest.fixture
def group_auditor(organisation: Any, make_person: Any) -> Person:
    """Homed in Beijing (inside the owner's units) but auditing the whole group."""
    return make_person("groupauditor", organisation.beijing, (Role.AUDITOR, organisation.root))


@pytest.fixture
def installation_admin(organisation: Any, make_person: Any) -> Person:
    return make_person("installer", organisation.beijing, is_superuser=True)


@pytest.mark.parametrize(
    "changes",
    [
        {"password": "Brand-new-passphrase-77"},
        {"email": "attacker@example.com"},
        {"username": "taken-over"},
        {"employment_status": EmploymentStatus.LEFT},
        {"job_title": "Renamed"},
    ],
)
def test_a_sub_unit_administrator_cannot_change_someone_with_wider_roles_through_the_api(
    api: Any, owner: Person, group_auditor: Person, changes: dict[str, str]
) -> None:
    before = events_of(group_auditor)

    response = api.as_(owner).patch(f"/api/people/{group_auditor.pk}/", changes, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == REFUSAL
    fresh = Person.objects.get(pk=group_auditor.pk)
    assert fresh.check_password(PASSWORD)
    assert (fresh.username, fresh.email, fresh.job_title) == ("groupauditor", "", "")
    assert fresh.employment_status == EmploymentStatus.ACTIVE
    assert events_of(group_auditor) == before


def test_a_sub_unit_administrator_cannot_change_the_installation_superuser(
    api: Any, owner: Person, installation_admin: Person
) -> None:
    before = events_of(installation_admin)

    response = api.as_(owner).patch(
        f"/api/people/{installation_admin.pk}/", {"password": "Brand-new-passphrase-77"}, format="json"
    )

    assert response.status_code == 403
    assert Person.objects.get(pk=installation_admin.pk).check_password(PASSWORD)
    assert events_of(installation_admin) == before


def test_the_web_edit_page_refuses_with_403_and_writes_nothing(
    client: Client, owner: Person, group_auditor: Person, organisation: Any
) -> None:
    client.force_login(owner)
    before = events_of(group_auditor)
    form = {
        "username": "taken-over",
        "full_name": "Groupauditor",
        "email": "attacker@example.com",
        "unit": organisation.beijing.pk,
        "manager": "",
        "job_title": "",
        "employment_status": EmploymentStatus.ACTIVE,
        "time_zone": "Asia/Shanghai",
        "language": "",
        "reason": "",
    }

    response = client.post(reverse("core:person-edit", args=[group_auditor.pk]), form)

    assert response.status_code == 403
    fresh = Person.objects.get(pk=group_auditor.pk)
    assert (fresh.username, fresh.email) == ("groupauditor", "")
    assert events_of(group_auditor) == before


def test_unlocking_and_resetting_mfa_of_someone_with_wider_roles_are_refused(
    api: Any, owner: Person, group_auditor: Person
) -> None:
    with_mfa(group_auditor)
    before = events_of(group_auditor)

    unlock = api.as_(owner).post(f"/api/people/{group_auditor.pk}/unlock/", {"reason": "x"}, format="json")
    reset = api.as_(owner).post(f"/api/people/{group_auditor.pk}/reset-mfa/", {"reason": "x"}, format="json")

    assert unlock.status_code == reset.status_code == 403
    assert Person.objects.get(pk=group_auditor.pk).has_mfa
    assert events_of(group_auditor) == before
    with pytest.raises(PermissionDenied):
        identity.unlock(group_auditor, by=owner)
    with pytest.raises(PermissionDenied):
        org.set_password(group_auditor, "Brand-new-passphrase-77", by=owner)


def test_an_administrator_over_all_of_someones_roles_may_change_them(
    api: Any, organisation: Any, make_person: Any, group_auditor: Person, owner: Person, colleague: Person
) -> None:
    group_admin = make_person("groupadmin", organisation.root, Role.ADMINISTRATOR)

    wide = api.as_(group_admin).patch(
        f"/api/people/{group_auditor.pk}/", {"job_title": "Lead"}, format="json"
    )
    near = api.as_(owner).patch(f"/api/people/{colleague.pk}/", {"job_title": "Engineer"}, format="json")
    system = org.update_person(Person.objects.get(pk=group_auditor.pk), by=None, email="auditor@example.com")

    assert wide.status_code == near.status_code == 200
    assert Person.objects.get(pk=colleague.pk).job_title == "Engineer"
    assert system.email == "auditor@example.com"
    assert Person.objects.get(pk=group_auditor.pk).job_title == "Lead"


def test_a_person_may_change_their_own_password_whatever_their_roles(group_auditor: Person) -> None:
    org.set_password(group_auditor, "Brand-new-passphrase-77", by=group_auditor)

    assert Person.objects.get(pk=group_auditor.pk).check_password("Brand-new-passphrase-77")


def test_a_weak_password_refuses_the_whole_change_and_writes_nothing(
    api: Any, owner: Person, colleague: Person
) -> None:
    before = events_of(colleague)

    response = api.as_(owner).patch(
        f"/api/people/{colleague.pk}/", {"full_name": "Renamed", "password": "123"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"password"}
    fresh = Person.objects.get(pk=colleague.pk)
    assert fresh.full_name == "Colleague"
    assert fresh.check_password(PASSWORD)
    assert events_of(colleague) == before


def test_a_password_like_the_username_is_refused_when_creating_a_person(
    api: Any, owner: Person, organisation: Any
) -> None:
    response = api.as_(owner).post(
        "/api/people/",
        {
            "username": "quartermaster",
            "full_name": "Q",
            "unit": organisation.beijing.pk,
            "password": "quartermaster",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "password" in response.json()
    assert not Person.objects.filter(username="quartermaster").exists()


def test_an_unknown_time_zone_is_a_field_error_in_the_api(api: Any, owner: Person, colleague: Person) -> None:
    response = api.as_(owner).patch(
        f"/api/people/{colleague.pk}/", {"time_zone": "Mars/Olympus"}, format="json"
    )
    accepted = api.as_(owner).patch(
        f"/api/people/{colleague.pk}/", {"time_zone": "Europe/Paris"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"time_zone"}
    assert accepted.status_code == 200
    assert Person.objects.get(pk=colleague.pk).time_zone == "Europe/Paris"


def test_an_administrator_resets_a_lost_second_factor_from_the_person_page_with_a_reason(
    client: Client, owner: Person, colleague: Person
) -> None:
    with_mfa(colleague)
    client.force_login(owner)
    url = reverse("core:person-reset-mfa", args=[colleague.pk])

    page = client.get(reverse("core:person-detail", args=[colleague.pk])).content.decode()
    without_reason = client.post(url, {"reason": ""}, follow=True)
    colleague.refresh_from_db()
    still_enrolled = colleague.has_mfa
    with_reason = client.post(url, {"reason": "Lost phone"}, follow=True)
    colleague.refresh_from_db()

    assert url in page
    assert still_enrolled
    assert "Say why the second factor is reset." in without_reason.content.decode()
    assert "Two-factor login is reset" in with_reason.content.decode()
    assert not colleague.has_mfa
    assert AuditEvent.objects.filter(object_id=str(colleague.pk), reason="Lost phone").exists()


def test_a_colleague_cannot_reset_someones_second_factor_from_the_web(
    client: Client, colleague: Person, owner: Person
) -> None:
    with_mfa(owner)
    client.force_login(colleague)

    response = client.post(reverse("core:person-reset-mfa", args=[owner.pk]), {"reason": "x"})
    owner.refresh_from_db()

    assert response.status_code == 404
    assert owner.has_mfa
