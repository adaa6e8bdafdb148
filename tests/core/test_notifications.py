"""Notifications: channels and preferences, e-mail in the recipient's language, dedupe,
privacy of the inbox over the API and the web, and the core's notifying hooks and job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from garrison.core.context_processors import notifications as unread_context
from garrison.core.models import AuditEvent, Notification, NotificationPreference, Person
from garrison.core.notification_kinds import UnknownNotificationKind, all_kinds
from garrison.core.roles import Role
from garrison.core.scheduling import RunStatus, run_job
from garrison.core.services import notifications as notification_services
from garrison.core.services import org, tokens

ROLE_GRANTED = "role_granted"


def with_email(person: Person, language: str = "") -> Person:
    Person.objects.filter(pk=person.pk).update(email=f"{person.username}@example.com", language=language)
    person.refresh_from_db()
    return person


def send(person: Person, **fields: Any) -> Notification | None:
    fields.setdefault("title", "Something happened")
    return notification_services.notify(person, ROLE_GRANTED, **fields)


def web_client(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


# Channels and preferences


def test_it_creates_an_unread_in_app_notification_by_default(colleague: Person) -> None:
    notification = send(colleague, body="Details", link="/people/")

    assert notification is not None
    stored = Notification.objects.get(pk=notification.pk)
    assert (stored.recipient_id, stored.kind, stored.title, stored.body, stored.link) == (
        colleague.pk,
        ROLE_GRANTED,
        "Something happened",
        "Details",
        "/people/",
    )
    assert stored.read_at is None
    assert mail.outbox == []


def test_it_records_the_object_the_notification_is_about(colleague: Person, organisation: Any) -> None:
    notification = send(colleague, target=organisation.beijing)

    assert notification is not None
    assert (notification.object_type, notification.object_id) == (
        "core.orgunit",
        str(organisation.beijing.pk),
    )


def test_it_sends_nothing_to_a_person_who_left(colleague: Person) -> None:
    Person.objects.filter(pk=colleague.pk).update(employment_status="left")
    colleague.refresh_from_db()

    assert send(colleague) is None
    assert not Notification.objects.filter(recipient=colleague, title="Something happened").exists()


def test_it_sends_nothing_when_every_channel_is_off(colleague: Person) -> None:
    notification_services.set_preference(colleague, ROLE_GRANTED, in_app=False, email=False, by=colleague)

    assert send(colleague) is None
    assert not Notification.objects.filter(recipient=colleague, title="Something happened").exists()


def test_it_refuses_a_kind_nobody_registered(colleague: Person) -> None:
    with pytest.raises(UnknownNotificationKind):
        notification_services.notify(colleague, "no_such_kind", title="Hello")


def test_it_emails_in_the_recipients_language_and_time_zone_once_committed(
    colleague: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with_email(colleague, language="zh-hans")

    with django_capture_on_commit_callbacks(execute=True):
        # A lazy title renders in the recipient's language ("January" is in Django's catalogue).
        notification = send(colleague, title=gettext_lazy("January"), body="Body text", link="/people/")

    assert notification is not None
    [message] = mail.outbox
    assert message.to == ["colleague@example.com"]
    assert message.subject == "[Garrison] 一月"
    assert message.extra_headers["Content-Language"] == "zh-hans"
    assert "Body text" in message.body
    assert "http://127.0.0.1:8000/people/" in message.body
    assert "年" in message.body  # the sending time, in the Chinese date format
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_an_english_reader_gets_english_mail(
    colleague: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with_email(colleague, language="en")

    with django_capture_on_commit_callbacks(execute=True):
        send(colleague, title=gettext_lazy("January"))

    [message] = mail.outbox
    assert message.subject == "[Garrison] January"
    assert message.extra_headers["Content-Language"] == "en"
    assert "年" not in message.body


def test_a_retried_email_task_does_not_send_twice(
    colleague: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with_email(colleague)
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(colleague)
    assert notification is not None

    assert notification_services.deliver_email(notification.pk) is False
    assert len(mail.outbox) == 1


def test_it_does_not_email_when_the_person_turned_email_off(
    colleague: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with_email(colleague)
    notification_services.set_preference(colleague, ROLE_GRANTED, in_app=True, email=False, by=colleague)

    with django_capture_on_commit_callbacks(execute=True):
        notification = send(colleague)

    assert notification is not None
    assert notification.read_at is None
    assert mail.outbox == []


def test_an_email_only_preference_mails_and_keeps_the_notification_as_read(
    colleague: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with_email(colleague)
    notification_services.set_preference(colleague, ROLE_GRANTED, in_app=False, email=True, by=colleague)
    unread_before = notification_services.unread_count(colleague)

    with django_capture_on_commit_callbacks(execute=True):
        notification = send(colleague)

    assert notification is not None
    assert notification.read_at is not None
    assert notification_services.unread_count(colleague) == unread_before
    assert len(mail.outbox) == 1


def test_a_dedupe_key_tells_each_person_only_once(colleague: Person, owner: Person) -> None:
    first = send(colleague, dedupe_key="reminder:1")
    again = send(colleague, dedupe_key="reminder:1")
    someone_else = send(owner, dedupe_key="reminder:1")

    assert first is not None
    assert again is None
    assert someone_else is not None
    assert Notification.objects.filter(dedupe_key="reminder:1").count() == 2


def test_setting_a_preference_is_audited_and_updates_in_place(colleague: Person) -> None:
    notification_services.set_preference(colleague, ROLE_GRANTED, in_app=True, email=False, by=colleague)
    notification_services.set_preference(colleague, ROLE_GRANTED, in_app=False, email=False, by=colleague)

    preference = NotificationPreference.objects.get(person=colleague, kind=ROLE_GRANTED)
    assert (preference.in_app, preference.email) == (False, False)
    actions = list(
        AuditEvent.objects.filter(object_type="core.notificationpreference", object_id=str(preference.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update"]


def test_mark_read_and_mark_all_read(colleague: Person) -> None:
    first, second, third = (send(colleague, title=f"Note {number}") for number in range(3))
    assert first is not None
    assert second is not None
    assert third is not None

    notification_services.mark_read(first, by=colleague)
    read_at = Notification.objects.get(pk=first.pk).read_at
    assert read_at is not None
    notification_services.mark_read(first, by=colleague)
    assert Notification.objects.get(pk=first.pk).read_at == read_at

    unread_before = notification_services.unread_count(colleague)
    assert notification_services.mark_all_read(colleague) == unread_before
    assert notification_services.unread_count(colleague) == 0


# Hooks in the core services


def test_granting_a_role_notifies_the_person(colleague: Person, organisation: Any) -> None:
    assignment = org.assign_role(colleague, Role.RISK_OWNER, organisation.beijing_ops, by=None)

    notification = Notification.objects.get(recipient=colleague, object_id=str(assignment.pk))
    assert notification.kind == "role_granted"
    assert notification.object_type == "core.roleassignment"
    assert notification.title == "You were granted the role Risk Owner on Beijing Operations"


def test_assigning_a_responsibility_notifies_the_person_but_not_a_unit(
    owner: Person, colleague: Person, organisation: Any
) -> None:
    org.assign_responsibility(organisation.beijing_ops, "A", by=owner, person=colleague, note="Site lead")
    org.assign_responsibility(organisation.beijing_ops, "I", by=owner, assignee_unit=organisation.beijing)

    [notification] = Notification.objects.filter(kind="responsibility_assigned")
    assert notification.recipient_id == colleague.pk
    assert notification.title == "You are now Accountable for Beijing Operations"
    assert notification.body == "Site lead"
    assert (notification.object_type, notification.object_id) == (
        "core.orgunit",
        str(organisation.beijing_ops.pk),
    )


# The token expiry job


def test_the_token_expiry_job_reminds_once_across_runs(
    colleague: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with_email(colleague)
    expiring, _secret = tokens.create_token(colleague, by=colleague, name="ci", access="read", days=5)
    tokens.create_token(colleague, by=colleague, name="later", access="read", days=30)
    revoked, _other = tokens.create_token(colleague, by=colleague, name="old", access="read", days=3)
    tokens.revoke_token(revoked, by=colleague)
    # Noon, so that five minutes later is still the same day whenever the suite runs (the
    # test once failed when it started five minutes before midnight UTC).
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)

    with django_capture_on_commit_callbacks(execute=True):
        first = run_job("core.api-token-expiry-reminders", now=now)
        same_day = run_job("core.api-token-expiry-reminders", now=now + dt.timedelta(minutes=5))
        next_day = run_job("core.api-token-expiry-reminders", now=now + dt.timedelta(days=1))

    assert first.detail == "1 reminders sent for 1 expiring tokens"
    assert same_day.status is RunStatus.SKIPPED
    assert next_day.detail == "0 reminders sent for 1 expiring tokens"
    [reminder] = Notification.objects.filter(kind="api_token_expiring")
    assert reminder.recipient_id == colleague.pk
    assert reminder.object_id == str(expiring.pk)
    assert "“ci”" in reminder.title
    assert len(mail.outbox) == 1


# API


def test_the_api_lists_only_the_requesting_persons_notifications(
    api: Any, owner: Person, colleague: Person, auditor: Person
) -> None:
    mine = send(colleague, title="For the colleague")
    send(owner, title="For the owner")

    for person in (colleague, owner, auditor):
        response = api.as_(person).get("/api/notifications/", {"page_size": 500})
        assert response.status_code == 200
        titles = {row["title"] for row in response.json()["results"]}
        if person == colleague:
            assert "For the colleague" in titles
        assert ("For the owner" in titles) == (person == owner)
    assert mine is not None


def test_someone_elses_notification_answers_404_and_stays_unread(
    api: Any, owner: Person, colleague: Person, outsider: Person, auditor: Person
) -> None:
    notification = send(colleague)
    assert notification is not None

    for person in (owner, outsider, auditor):
        assert api.as_(person).get(f"/api/notifications/{notification.pk}/").status_code == 404
        assert api.as_(person).post(f"/api/notifications/{notification.pk}/read/").status_code == 404
    assert api.as_(None).get(f"/api/notifications/{notification.pk}/").status_code in (401, 403)
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_the_recipient_reads_and_marks_read_over_the_api(api: Any, colleague: Person) -> None:
    notification = send(colleague, title="Read me")
    send(colleague, title="And me")
    assert notification is not None
    client = api.as_(colleague)

    detail = client.get(f"/api/notifications/{notification.pk}/")
    assert detail.json()["title"] == "Read me"
    assert detail.json()["is_read"] is False

    marked = client.post(f"/api/notifications/{notification.pk}/read/")
    assert marked.status_code == 200
    assert marked.json()["is_read"] is True
    unread = client.get("/api/notifications/", {"unread": "true"}).json()["results"]
    assert "Read me" not in {row["title"] for row in unread}
    assert "And me" in {row["title"] for row in unread}

    everything = client.post("/api/notifications/read-all/")
    assert everything.status_code == 200
    assert everything.json()["marked"] >= 1
    assert client.get("/api/notifications/", {"unread": "true"}).json()["count"] == 0


def test_preferences_over_the_api_are_per_person_and_upsert(
    api: Any, colleague: Person, owner: Person
) -> None:
    client = api.as_(colleague)
    created = client.post(
        "/api/notification-preferences/",
        {"kind": ROLE_GRANTED, "in_app": True, "email": False},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["kind_label"] == "Role granted"
    again = client.post(
        "/api/notification-preferences/",
        {"kind": ROLE_GRANTED, "email": True, "in_app": False},
        format="json",
    )
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]
    preference = NotificationPreference.objects.get(person=colleague, kind=ROLE_GRANTED)
    assert (preference.in_app, preference.email) == (False, True)

    patched = client.patch(f"/api/notification-preferences/{preference.pk}/", {"in_app": True}, format="json")
    assert patched.status_code == 200
    preference.refresh_from_db()
    assert (preference.in_app, preference.email) == (True, True)

    others = api.as_(owner)
    assert others.get("/api/notification-preferences/").json()["count"] == 0
    assert (
        others.patch(
            f"/api/notification-preferences/{preference.pk}/", {"in_app": False}, format="json"
        ).status_code
        == 404
    )
    preference.refresh_from_db()
    assert preference.in_app is True


def test_a_preference_for_an_unknown_kind_is_a_field_error(api: Any, colleague: Person) -> None:
    response = api.as_(colleague).post(
        "/api/notification-preferences/", {"kind": "no_such_kind", "in_app": True}, format="json"
    )

    assert response.status_code == 400
    assert "kind" in response.json()
    assert not NotificationPreference.objects.filter(person=colleague).exists()


# Web pages


def test_the_inbox_shows_unread_first_and_filters(colleague: Person) -> None:
    older = send(colleague, title="Older unread")
    newer = send(colleague, title="Newer but read")
    assert older is not None
    assert newer is not None
    notification_services.mark_read(newer, by=colleague)
    client = web_client(colleague)

    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200
    titles = [notification.title for notification in page.context["page"].object_list]
    assert titles.index("Older unread") < titles.index("Newer but read")

    read_only = client.get(reverse("notifications:list"), {"show": "read"})
    assert [notification.title for notification in read_only.context["page"].object_list] == [
        "Newer but read"
    ]
    assert read_only.context["unread_notifications"] == notification_services.unread_count(colleague)


def test_the_inbox_paginates(colleague: Person) -> None:
    for number in range(30):
        send(colleague, title=f"Note {number}")
    client = web_client(colleague)

    first = client.get(reverse("notifications:list"))
    second = client.get(reverse("notifications:list"), {"page": 2})
    assert len(first.context["page"].object_list) == 25
    assert first.context["page"].paginator.count == Notification.objects.filter(recipient=colleague).count()
    assert second.context["page"].number == 2


def test_marking_read_on_the_web_is_private_to_the_recipient(colleague: Person, owner: Person) -> None:
    notification = send(colleague)
    assert notification is not None
    url = reverse("notifications:mark-read", args=[notification.pk])

    assert web_client(owner).post(url).status_code == 404
    assert Notification.objects.get(pk=notification.pk).read_at is None
    assert web_client(colleague).get(url).status_code == 405

    response = web_client(colleague).post(url, {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_mark_all_read_on_the_web(colleague: Person) -> None:
    send(colleague)
    send(colleague)

    response = web_client(colleague).post(reverse("notifications:mark-all-read"), {"next": "/notifications/"})

    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert notification_services.unread_count(colleague) == 0


def test_the_preferences_page_saves_the_choices_through_the_service(colleague: Person) -> None:
    client = web_client(colleague)
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    assert b"Role granted" in page.content

    response = client.post(
        reverse("notifications:preferences"),
        {
            # Every kind left on as it was, except e-mail for granted roles.
            **{
                f"{kind.code}__{channel}": "on"
                for kind in all_kinds()
                for channel in ("in_app", "email")
                if getattr(kind, channel)
            },
            "role_granted__email": "",
        },
    )

    assert response.status_code == 302
    [preference] = NotificationPreference.objects.filter(person=colleague)
    assert (preference.kind, preference.in_app, preference.email) == (ROLE_GRANTED, True, False)
    assert AuditEvent.objects.filter(object_type="core.notificationpreference").count() == 1


def test_the_notification_pages_need_a_login() -> None:
    for name in ("notifications:list", "notifications:preferences"):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_every_page_knows_the_unread_count_of_the_person_only(colleague: Person, rf: Any) -> None:
    send(colleague)
    request = rf.get("/")
    request.user = colleague
    count = unread_context(request)["unread_notifications"]
    assert count == notification_services.unread_count(colleague)
    assert count > 0
    request.user = AnonymousUser()
    assert unread_context(request) == {"unread_notifications": 0}


def test_nothing_is_sent_while_notifications_are_muted(colleague: Person) -> None:
    with notification_services.muted():
        assert send(colleague, title="Bulk import") is None
    assert send(colleague, title="After the import") is not None
    assert list(
        Notification.objects.filter(
            recipient=colleague, title__in=["Bulk import", "After the import"]
        ).values_list("title", flat=True)
    ) == ["After the import"]
