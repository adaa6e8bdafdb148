"""The organisation's web pages: units, people, role assignments, responsibilities, audit trail."""

from __future__ import annotations

import zoneinfo
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from garrison.core.models import AuditEvent, EmploymentStatus, OrgUnit, Person, Responsibility, RoleAssignment
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Role
from garrison.core.services import org

pytestmark = pytest.mark.django_db


def person_url(name: str, person: Person) -> str:
    return reverse(f"core:person-{name}", args=[person.pk])


def valid_person_form(organisation: Any, **changes: Any) -> dict[str, Any]:
    form = {
        "username": "newcomer",
        "full_name": "New Comer",
        "email": "newcomer@example.com",
        "unit": organisation.beijing_ops.pk,
        "manager": "",
        "job_title": "Technician",
        "time_zone": "Asia/Shanghai",
        "language": "",
        "password": "",
    }
    form.update(changes)
    return form


# People ----------------------------------------------------------------------------------------


def test_creating_a_person_with_bad_input_shows_field_errors_and_writes_nothing(
    client: Any, owner: Any, organisation: Any
) -> None:
    client.force_login(owner)
    people_before, events_before = Person.objects.count(), AuditEvent.objects.count()
    response = client.post(
        reverse("core:person-create"),
        valid_person_form(
            organisation,
            username="",
            email="not-an-address",
            unit=organisation.shanghai.pk,
            manager="nobody-by-that-name",
            password="short",
        ),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"username", "email", "unit", "manager", "password"}
    assert "invalid-feedback" in response.content.decode()
    assert Person.objects.count() == people_before
    assert AuditEvent.objects.count() == events_before


def test_creating_a_person_goes_through_the_service_and_is_audited(
    client: Any, owner: Any, colleague: Person, organisation: Any
) -> None:
    client.force_login(owner)
    response = client.post(
        reverse("core:person-create"), valid_person_form(organisation, manager=colleague.username)
    )
    person = Person.objects.get(username="newcomer")
    assert response.status_code == 302
    assert response["Location"] == person_url("detail", person)
    assert person.manager == colleague
    assert not person.has_usable_password()
    event = AuditEvent.objects.get(object_type="core.person", object_id=str(person.pk))
    assert event.action == AuditAction.CREATE
    assert event.actor_id == owner.pk


def test_creating_a_person_refuses_a_duplicate_username_as_a_field_error(
    client: Any, owner: Any, colleague: Person, organisation: Any
) -> None:
    client.force_login(owner)
    response = client.post(
        reverse("core:person-create"), valid_person_form(organisation, username="colleague")
    )
    assert response.status_code == 400
    assert "username" in response.context["form"].errors


def test_editing_a_person_records_the_change_and_shows_it_in_the_history(
    client: Any, owner: Any, colleague: Person, organisation: Any
) -> None:
    client.force_login(owner)
    form = valid_person_form(
        organisation,
        username="colleague",
        full_name="Colleague",
        email="",
        unit=organisation.beijing.pk,
        job_title="Senior technician",
        employment_status=EmploymentStatus.ON_LEAVE,
        reason="Parental leave",
    )
    response = client.post(person_url("edit", colleague), form)
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.job_title == "Senior technician"
    assert colleague.employment_status == EmploymentStatus.ON_LEAVE
    events = AuditEvent.objects.filter(
        object_type="core.person", object_id=str(colleague.pk), action="update"
    )
    assert {event.reason for event in events} == {"Parental leave"}
    page = client.get(person_url("detail", colleague)).content.decode()
    assert "Senior technician" in page
    assert "Parental leave" in page
    assert "On leave" in page  # the status change, shown by its label
    assert "→" in page


def test_a_person_who_left_keeps_their_history(
    client: Any, owner: Any, colleague: Person, organisation: Any
) -> None:
    client.force_login(owner)
    form = valid_person_form(
        organisation,
        username="colleague",
        full_name="Colleague",
        email="",
        unit=organisation.beijing.pk,
        job_title="",
        employment_status=EmploymentStatus.LEFT,
        reason="Resigned",
    )
    assert client.post(person_url("edit", colleague), form).status_code == 302
    page = client.get(person_url("detail", colleague)).content.decode()
    assert "Resigned" in page
    assert "Left" in page


def test_an_outsider_gets_404_on_the_detail_and_edit_pages(
    client: Any, outsider: Any, colleague: Person, organisation: Any
) -> None:
    client.force_login(outsider)
    assert client.get(person_url("detail", colleague)).status_code == 404
    assert client.get(person_url("edit", colleague)).status_code == 404
    response = client.post(
        person_url("edit", colleague), valid_person_form(organisation, username="hijacked")
    )
    assert response.status_code == 404
    colleague.refresh_from_db()
    assert colleague.username == "colleague"


def test_a_colleague_sees_a_person_but_cannot_edit(client: Any, colleague: Person, owner: Any) -> None:
    client.force_login(colleague)
    response = client.get(person_url("detail", owner))
    assert response.status_code == 200
    assert person_url("edit", owner) not in response.content.decode()
    assert client.get(person_url("edit", owner)).status_code == 404
    assert client.get(reverse("core:person-create")).status_code == 404


def test_a_missing_person_answers_like_a_forbidden_one(client: Any, owner: Any) -> None:
    client.force_login(owner)
    assert client.get(reverse("core:person-detail", args=[999999])).status_code == 404


def test_the_person_page_shows_roles_reports_and_responsibilities(
    client: Any, owner: Any, colleague: Person, organisation: Any
) -> None:
    org.update_person(colleague, by=None, manager=owner)
    org.assign_responsibility(organisation.beijing, "A", by=None, person=owner)
    client.force_login(owner)
    page = client.get(person_url("detail", owner)).content.decode()
    assert "Administrator" in page
    assert reverse("core:person-detail", args=[colleague.pk]) in page
    assert reverse("core:unit-detail", args=[organisation.beijing.pk]) in page


def test_a_locked_account_is_unlocked_by_someone_who_may_change_the_person(
    client: Any, owner: Any, colleague: Person
) -> None:
    Person.objects.filter(pk=colleague.pk).update(locked_at=timezone.now(), failed_login_count=5)
    client.force_login(owner)
    page = client.get(person_url("detail", colleague)).content.decode()
    assert reverse("core:person-unlock", args=[colleague.pk]) in page
    response = client.post(reverse("core:person-unlock", args=[colleague.pk]), {"reason": "Called the desk"})
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.locked_at is None
    assert AuditEvent.objects.filter(action=AuditAction.UNLOCKED, reason="Called the desk").exists()


def test_an_employee_cannot_unlock_and_does_not_see_the_button(
    client: Any, owner: Any, colleague: Person
) -> None:
    Person.objects.filter(pk=owner.pk).update(locked_at=timezone.now())
    client.force_login(colleague)
    page = client.get(person_url("detail", owner)).content.decode()
    assert reverse("core:person-unlock", args=[owner.pk]) not in page
    assert client.post(reverse("core:person-unlock", args=[owner.pk])).status_code == 404
    owner.refresh_from_db()
    assert owner.locked_at is not None


# Units -----------------------------------------------------------------------------------------


def test_the_unit_list_shows_the_tree_indented_with_kind_badges(
    client: Any, owner: Any, organisation: Any
) -> None:
    client.force_login(owner)
    page = client.get(reverse("core:unit-list")).content.decode()
    assert "tree-indent tree-depth-1" in page  # Beijing site, under the group
    assert len(client.get(reverse("core:unit-list"), {"is_active": "no"}).context["rows"]) == 0
    assert "tree-indent tree-depth-2" in page  # Beijing Operations
    assert "unit-kind-site" in page
    sorted_page = client.get(reverse("core:unit-list"), {"sort": "name"}).content.decode()
    assert "tree-indent" not in sorted_page


def test_the_unit_page_lists_people_and_sub_units(
    client: Any, owner: Any, colleague: Person, organisation: Any
) -> None:
    client.force_login(owner)
    page = client.get(reverse("core:unit-detail", args=[organisation.beijing.pk])).content.decode()
    assert "Beijing Operations" in page
    assert "Colleague" in page
    assert "History" in page


def test_a_unit_is_created_under_a_unit_the_person_administers(
    client: Any, owner: Any, organisation: Any
) -> None:
    client.force_login(owner)
    form = {"name": "Beijing Security", "code": "bj-sec", "kind": "team", "parent": organisation.beijing.pk}
    response = client.post(reverse("core:unit-create"), {**form, "is_active": "on"})
    unit = OrgUnit.objects.get(code="bj-sec")
    assert response.status_code == 302
    assert unit.path == f"{organisation.beijing.path}{unit.pk}/"


def test_a_unit_cannot_be_created_at_the_root_or_outside_the_persons_subtree(
    client: Any, owner: Any, organisation: Any
) -> None:
    client.force_login(owner)
    form = {"name": "Rogue", "code": "rogue", "kind": "team", "is_active": "on"}
    at_root = client.post(reverse("core:unit-create"), form)
    elsewhere = client.post(reverse("core:unit-create"), {**form, "parent": organisation.shanghai.pk})
    assert at_root.status_code == 400
    assert "parent" in at_root.context["form"].errors
    assert elsewhere.status_code == 400
    assert not OrgUnit.objects.filter(code="rogue").exists()


def test_editing_a_unit_cannot_move_it_under_itself(client: Any, owner: Any, organisation: Any) -> None:
    client.force_login(owner)
    form = {"name": "Beijing site", "code": "bj", "kind": "site", "parent": organisation.beijing_ops.pk}
    response = client.post(
        reverse("core:unit-edit", args=[organisation.beijing.pk]), {**form, "is_active": "on"}
    )
    assert response.status_code == 400
    assert "parent" in response.context["form"].errors


def test_editing_a_unit_records_the_reason(client: Any, owner: Any, organisation: Any) -> None:
    client.force_login(owner)
    form = {
        "name": "Beijing Operations Centre",
        "code": "bj-ops",
        "kind": "team",
        "parent": organisation.beijing.pk,
        "is_active": "on",
        "reason": "Renamed by the board",
    }
    response = client.post(reverse("core:unit-edit", args=[organisation.beijing_ops.pk]), form)
    assert response.status_code == 302
    event = AuditEvent.objects.filter(object_type="core.orgunit", action="update").get()
    assert event.changes == {"name": ["Beijing Operations", "Beijing Operations Centre"]}
    assert event.reason == "Renamed by the board"


# Role assignments ------------------------------------------------------------------------------


def test_an_administrator_grants_and_revokes_a_role(
    client: Any, owner: Any, colleague: Person, organisation: Any
) -> None:
    client.force_login(owner)
    form = {"person": "colleague", "role": Role.RISK_OWNER, "unit": organisation.beijing_ops.pk, "note": ""}
    response = client.post(reverse("core:role-assignment-create"), form)
    assignment = RoleAssignment.objects.get(person=colleague, role=Role.RISK_OWNER)
    assert response.status_code == 302
    assert assignment.granted_by == owner
    revoke_url = reverse("core:role-assignment-revoke", args=[assignment.pk])
    assert revoke_url in client.get(reverse("core:role-assignment-list")).content.decode()
    confirm = client.get(revoke_url)
    assert confirm.status_code == 200
    assert "Revoke" in confirm.content.decode()
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert client.post(revoke_url, {"reason": "Moved on"}).status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(
        object_type="core.roleassignment", action="delete", reason="Moved on"
    ).exists()


def test_a_role_cannot_be_granted_on_a_unit_outside_the_persons_reach(
    client: Any, owner: Any, colleague: Person, organisation: Any
) -> None:
    client.force_login(owner)
    form = {"person": "colleague", "role": Role.ADMINISTRATOR, "unit": organisation.root.pk, "note": ""}
    response = client.post(reverse("core:role-assignment-create"), form)
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert not RoleAssignment.objects.filter(person=colleague, role=Role.ADMINISTRATOR).exists()


def test_a_role_assignment_list_filters_by_role(
    client: Any, owner: Any, colleague: Person, auditor: Any
) -> None:
    client.force_login(auditor)
    response = client.get(reverse("core:role-assignment-list"), {"role": Role.EMPLOYEE})
    assert [row.object.person.username for row in response.context["rows"]] == ["colleague"]
    assert reverse("core:role-assignment-revoke", args=[1]) not in response.content.decode()


def test_an_employee_cannot_grant_or_revoke(client: Any, colleague: Person, owner: Any) -> None:
    client.force_login(colleague)
    assignment = RoleAssignment.objects.get(person=owner)
    assert client.get(reverse("core:role-assignment-create")).status_code == 404
    assert client.post(reverse("core:role-assignment-revoke", args=[assignment.pk])).status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


# Responsibilities ------------------------------------------------------------------------------


def test_a_responsibility_is_added_and_removed_on_an_object_page(
    client: Any, owner: Any, colleague: Person, organisation: Any
) -> None:
    client.force_login(owner)
    add_url = reverse("core:responsibility-add", args=["core.orgunit", organisation.beijing_ops.pk])
    assert (
        add_url
        in client.get(reverse("core:unit-detail", args=[organisation.beijing_ops.pk])).content.decode()
    )
    response = client.post(add_url, {"raci": "R", "person": "colleague", "note": "Runs the floor"})
    assert response.status_code == 302
    responsibility = Responsibility.objects.get()
    assert responsibility.person == colleague
    assert responsibility.content_type == ContentType.objects.get_for_model(OrgUnit)
    remove_url = reverse("core:responsibility-remove", args=[responsibility.pk])
    assert client.post(remove_url, {"reason": "Reorganised"}).status_code == 302
    assert not Responsibility.objects.exists()


def test_a_responsibility_needs_exactly_one_person_or_unit(
    client: Any, owner: Any, organisation: Any
) -> None:
    client.force_login(owner)
    add_url = reverse("core:responsibility-add", args=["core.orgunit", organisation.beijing_ops.pk])
    neither = client.post(add_url, {"raci": "R"})
    both = client.post(add_url, {"raci": "R", "person": "owner", "assignee_unit": organisation.beijing.pk})
    assert neither.status_code == 400
    assert both.status_code == 400
    assert not Responsibility.objects.exists()


def test_a_responsibility_cannot_be_added_to_an_object_out_of_reach(
    client: Any, colleague: Person, outsider: Any, organisation: Any
) -> None:
    client.force_login(colleague)
    for object_type, object_id in [
        ("core.orgunit", organisation.beijing.pk),  # visible but not changeable for an employee
        ("core.orgunit", organisation.shanghai.pk),
        ("core.nosuchmodel", 1),
        ("sessions.session", "x"),
        ("core.orgunit", "not-a-number"),
    ]:
        url = reverse("core:responsibility-add", args=[object_type, object_id])
        assert client.post(url, {"raci": "R", "person": "colleague"}).status_code == 404
    assert not Responsibility.objects.exists()


# Audit trail -----------------------------------------------------------------------------------


def test_the_audit_trail_is_visible_to_an_auditor(client: Any, auditor: Any, colleague: Person) -> None:
    client.force_login(auditor)
    response = client.get(reverse("core:audit-event-list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == AuditEvent.objects.count()
    assert reverse("core:person-detail", args=[colleague.pk]) in response.content.decode()


def test_the_audit_trail_answers_404_to_an_employee(client: Any, colleague: Person) -> None:
    client.force_login(colleague)
    assert client.get(reverse("core:audit-event-list")).status_code == 404
    assert client.get(reverse("core:audit-event-list"), {"export": "csv"}).status_code == 404
    assert client.post(reverse("core:audit-verify")).status_code == 404


def test_the_audit_trail_filters_by_action_actor_object_and_dates(
    client: Any, auditor: Any, owner: Any, colleague: Person
) -> None:
    org.update_person(colleague, by=owner, job_title="Lead")
    client.force_login(auditor)
    url = reverse("core:audit-event-list")
    by_action = client.get(url, {"action": "update", "actor": "owner"}).context["rows"]
    assert [row.object.object_id for row in by_action] == [str(colleague.pk)]
    by_object = client.get(url, {"object_type": "core.person", "object_id": colleague.pk}).context["rows"]
    assert {row.object.object_id for row in by_object} == {str(colleague.pk)}
    # Days are the auditor's days, in Asia/Shanghai.
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(auditor.time_zone)).isoformat()
    assert client.get(url, {"occurred_from": today, "occurred_to": today}).context["rows"]
    assert client.get(url, {"occurred_from": "2000-01-01", "occurred_to": "2000-01-02"}).context["rows"] == []
    assert client.get(url, {"occurred_from": "0001-01-01", "occurred_to": "9999-12-31"}).status_code == 200
    bad_date = client.get(url, {"occurred_to": "not-a-date"})
    assert bad_date.status_code == 200
    assert "occurred_to" in bad_date.context["filter_form"].errors


def test_verifying_the_chain_reports_an_intact_trail(client: Any, auditor: Any) -> None:
    client.force_login(auditor)
    response = client.post(reverse("core:audit-verify"), follow=True)
    assert response.status_code == 200
    assert "The audit trail is intact" in response.content.decode()


def test_malformed_form_input_gets_field_errors_never_a_server_error(
    client: Any, owner: Any, auditor: Any, organisation: Any
) -> None:
    client.force_login(owner)
    huge = 10**20
    assert client.get(reverse("core:person-detail", args=[huge])).status_code == 404
    assert client.get(reverse("core:unit-edit", args=[huge])).status_code == 404
    person_form = valid_person_form(
        organisation, unit=huge, username="a b", time_zone="Mars/Base", manager="a\x00"
    )
    response = client.post(reverse("core:person-create"), person_form)
    assert response.status_code == 400
    assert {"unit", "username", "time_zone", "manager"} <= set(response.context["form"].errors)
    grant = client.post(
        reverse("core:role-assignment-create"), {"person": "x" * 500, "unit": "-1", "role": "god"}
    )
    assert grant.status_code == 400
    client.force_login(auditor)
    trail = client.get(
        reverse("core:audit-event-list"),
        {"object_type": "nope", "action": "nope", "actor": "a\x00", "occurred_from": "99999-01-01"},
    )
    assert trail.status_code == 200
