"""Logging in and out, lockout and throttling, idle expiry, and the personal account pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.utils import timezone

from garrison.core.models import AuditEvent, LoginFailure, Person
from garrison.core.models.audit import AuditAction
from garrison.core.services import identity, org
from garrison.core.views.auth import invalid_credentials_message
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

GENERIC_ERROR = invalid_credentials_message()


def log_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/login/", {"username": username, "password": password, **extra})


def is_logged_in(client: Client) -> bool:
    return client.get("/account/").status_code == 200


def events(person: Person, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="core.person", object_id=str(person.pk), action=action))


def test_it_logs_in_with_the_right_password(client: Client, colleague: Person) -> None:
    response = log_in(client, "colleague")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert is_logged_in(client)
    assert len(events(colleague, AuditAction.LOGIN)) == 1


def test_it_accepts_the_username_in_any_letter_case(client: Client, colleague: Person) -> None:
    response = log_in(client, "Colleague")

    assert response.status_code == 302
    assert is_logged_in(client)


def test_the_login_page_asks_for_username_and_password_and_offers_a_language_switch(
    client: Client, db: Any
) -> None:
    response = client.get("/login/?next=/account/")

    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert 'action="/i18n/setlang/"' in content
    assert 'name="next" value="/login/?next=/account/"' in content
    assert "简体中文" in content


def test_the_language_switch_on_the_login_page_changes_the_page_language(client: Client, db: Any) -> None:
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert 'lang="zh-hans"' in client.get("/login/").content.decode()


def test_it_rejects_a_wrong_password_with_a_generic_message(client: Client, colleague: Person) -> None:
    response = log_in(client, "colleague", "not-the-password")

    assert response.status_code == 200
    assert GENERIC_ERROR in response.content.decode()
    assert not is_logged_in(client)
    colleague.refresh_from_db()
    assert colleague.failed_login_count == 1
    assert LoginFailure.objects.filter(username="colleague", source_ip="127.0.0.1").count() == 1
    assert len(events(colleague, AuditAction.LOGIN_FAILED)) == 1


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(
    client: Client, colleague: Person
) -> None:
    unknown = log_in(client, "nobody-here", "whatever-password")
    wrong = log_in(client, "colleague", "whatever-password")

    assert unknown.status_code == wrong.status_code == 200
    assert GENERIC_ERROR in unknown.content.decode()
    assert GENERIC_ERROR in wrong.content.decode()
    assert LoginFailure.objects.filter(username="nobody-here").count() == 1


def test_an_empty_form_shows_field_errors_and_counts_nothing(client: Client, colleague: Person) -> None:
    response = client.post("/login/", {"username": "", "password": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert LoginFailure.objects.count() == 0


@override_settings(LOGIN_MAX_FAILURES=3)
def test_it_locks_the_account_after_too_many_failures(client: Client, colleague: Person) -> None:
    for _attempt in range(3):
        log_in(client, "colleague", "wrong-password")

    response = log_in(client, "colleague")

    assert response.status_code == 200
    assert GENERIC_ERROR in response.content.decode()
    assert not is_logged_in(client)
    colleague.refresh_from_db()
    assert colleague.locked_at is not None
    assert len(events(colleague, AuditAction.LOCKED)) == 1


@override_settings(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_MINUTES=30)
def test_a_lockout_ends_by_itself_after_the_lockout_period(client: Client, colleague: Person) -> None:
    log_in(client, "colleague", "wrong-password")
    log_in(client, "colleague", "wrong-password")
    Person.objects.filter(pk=colleague.pk).update(locked_at=timezone.now() - dt.timedelta(minutes=31))

    response = log_in(client, "colleague")

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.locked_at is None
    assert colleague.failed_login_count == 0


@override_settings(LOGIN_MAX_FAILURES=2)
def test_an_administrator_unlocks_a_locked_account_through_the_api(
    client: Client, api: Any, colleague: Person, owner: Person, outsider: Person
) -> None:
    log_in(client, "colleague", "wrong-password")
    log_in(client, "colleague", "wrong-password")

    refused = api.as_(outsider).post(f"/api/people/{colleague.pk}/unlock/", {"reason": "asked"})
    colleague.refresh_from_db()
    assert refused.status_code == 404
    assert colleague.locked_at is not None

    response = api.as_(owner).post(f"/api/people/{colleague.pk}/unlock/", {"reason": "called the desk"})

    assert response.status_code == 200
    assert response.json()["is_locked"] is False
    unlocked = events(colleague, AuditAction.UNLOCKED)
    assert [event.actor_id for event in unlocked] == [owner.pk]
    assert log_in(client, "colleague").status_code == 302
    assert is_logged_in(client)


def test_it_throttles_an_address_with_too_many_failures(client: Client, colleague: Person) -> None:
    LoginFailure.objects.bulk_create(
        LoginFailure(username=f"guess{number}", source_ip="127.0.0.1") for number in range(30)
    )

    response = log_in(client, "colleague")

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not is_logged_in(client)


def test_failures_from_another_address_do_not_throttle_this_one(client: Client, colleague: Person) -> None:
    LoginFailure.objects.bulk_create(
        LoginFailure(username=f"guess{number}", source_ip="192.0.2.7") for number in range(30)
    )

    assert log_in(client, "colleague").status_code == 302


def test_a_person_who_left_cannot_log_in(client: Client, colleague: Person) -> None:
    org.update_person(colleague, by=None, employment_status="left", reason="moved on")

    response = log_in(client, "colleague")

    assert response.status_code == 200
    assert GENERIC_ERROR in response.content.decode()
    assert not is_logged_in(client)


def test_a_person_who_left_loses_their_open_session(client: Client, colleague: Person, owner: Person) -> None:
    log_in(client, "colleague")
    assert is_logged_in(client)

    org.update_person(colleague, by=owner, employment_status="left", reason="moved on")

    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_session_stops_working_as_soon_as_the_person_is_marked_as_left(
    client: Client, colleague: Person
) -> None:
    log_in(client, "colleague")
    # Even a change that bypasses the service (and its session clean-up) ends the session.
    Person.objects.filter(pk=colleague.pk).update(employment_status="left")

    assert not is_logged_in(client)


def test_logout_is_post_only_and_audited(client: Client, colleague: Person) -> None:
    log_in(client, "colleague")

    assert client.get("/logout/").status_code == 405
    assert is_logged_in(client)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert not is_logged_in(client)
    assert len(events(colleague, AuditAction.LOGOUT)) == 1


def test_an_idle_session_expires(client: Client, colleague: Person) -> None:
    log_in(client, "colleague")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )

    response = client.get("/account/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@override_settings(SESSION_COOKIE_AGE=600)
def test_every_request_pushes_the_idle_expiry_forward(client: Client, colleague: Person) -> None:
    log_in(client, "colleague")
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(seconds=30))

    assert client.get("/account/").status_code == 200

    expires = Session.objects.get(session_key=key).expire_date
    assert expires > timezone.now() + dt.timedelta(seconds=590)


def test_login_follows_a_local_next_address(client: Client, colleague: Person) -> None:
    response = log_in(client, "colleague", next="/account/tokens/")

    assert response.status_code == 302
    assert response["Location"] == "/account/tokens/"


def test_login_ignores_a_next_address_on_another_site(client: Client, colleague: Person) -> None:
    response = log_in(client, "colleague", next="https://attacker.example/steal")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_login_page_sends_a_logged_in_person_on(client: Client, colleague: Person) -> None:
    client.force_login(colleague)

    response = client.get("/login/")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_account_pages_need_a_login(client: Client, db: Any) -> None:
    for address in ["/account/", "/account/password/", "/account/two-factor/", "/account/tokens/"]:
        response = client.get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith("/login/?next="), address


def test_the_profile_shows_the_persons_own_details(client: Client, owner: Person) -> None:
    client.force_login(owner)

    content = client.get("/account/").content.decode()

    assert "owner" in content
    assert "Beijing site" in content
    assert "Administrator" in content
    assert "required by your role" in content


def test_a_person_changes_language_and_time_zone(client: Client, colleague: Person) -> None:
    client.force_login(colleague)

    response = client.post("/account/", {"language": "zh-hans", "time_zone": "Europe/Berlin"})

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "zh-hans"
    colleague.refresh_from_db()
    assert (colleague.language, colleague.time_zone) == ("zh-hans", "Europe/Berlin")
    [event] = events(colleague, AuditAction.UPDATE)
    assert event.changes["time_zone"] == ["Asia/Shanghai", "Europe/Berlin"]
    assert event.actor_id == colleague.pk


def test_an_unknown_time_zone_is_refused_and_nothing_changes(client: Client, colleague: Person) -> None:
    client.force_login(colleague)

    response = client.post("/account/", {"language": "en", "time_zone": "Mars/Olympus_Mons"})

    assert response.status_code == 200
    assert "Unknown time zone" in response.content.decode()
    colleague.refresh_from_db()
    assert (colleague.language, colleague.time_zone) == ("", "Asia/Shanghai")
    assert events(colleague, AuditAction.UPDATE) == []


def test_an_unknown_language_is_refused(client: Client, colleague: Person) -> None:
    client.force_login(colleague)

    response = client.post("/account/", {"language": "xx", "time_zone": "Asia/Shanghai"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.language == ""


def test_a_person_changes_their_password_and_stays_logged_in(client: Client, colleague: Person) -> None:
    log_in(client, "colleague")
    new_password = "Another-long-passphrase-42"

    response = client.post(
        "/account/password/",
        {"current_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert response.status_code == 302
    assert is_logged_in(client)
    colleague.refresh_from_db()
    assert colleague.check_password(new_password)
    [event] = events(colleague, AuditAction.UPDATE)
    assert event.changes == {"password": ["[redacted]", "[redacted]"]}


def test_a_password_change_ends_the_persons_other_sessions(colleague: Person) -> None:
    other_device, this_device = Client(), Client()
    log_in(other_device, "colleague")
    log_in(this_device, "colleague")
    new_password = "Another-long-passphrase-42"

    this_device.post(
        "/account/password/",
        {"current_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert is_logged_in(this_device)
    assert not is_logged_in(other_device)


@pytest.mark.parametrize(
    ("current", "first", "second", "error"),
    [
        (
            "wrong-current-password",
            "Another-long-passphrase-42",
            "Another-long-passphrase-42",
            "not your current",
        ),
        (PASSWORD, "Another-long-passphrase-42", "Different-long-passphrase-42", "differ"),
        (PASSWORD, "short", "short", "too short"),
        (PASSWORD, "1234567890123", "1234567890123", "entirely numeric"),
    ],
)
def test_a_bad_password_change_shows_the_reason_and_changes_nothing(
    client: Client, colleague: Person, current: str, first: str, second: str, error: str
) -> None:
    client.force_login(colleague)

    response = client.post(
        "/account/password/", {"current_password": current, "new_password1": first, "new_password2": second}
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.check_password(PASSWORD)


@override_settings(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_MINUTES=30)
def test_a_lockout_that_ran_out_locks_again_after_new_failures(client: Client, colleague: Person) -> None:
    log_in(client, "colleague", "wrong-password")
    log_in(client, "colleague", "wrong-password")
    Person.objects.filter(pk=colleague.pk).update(locked_at=timezone.now() - dt.timedelta(minutes=31))

    log_in(client, "colleague", "wrong-password")
    log_in(client, "colleague", "wrong-password")
    response = log_in(client, "colleague")

    assert response.status_code == 200
    assert not is_logged_in(client)
    colleague.refresh_from_db()
    assert colleague.locked_at is not None
    assert timezone.now() - colleague.locked_at < dt.timedelta(minutes=1)
    assert len(events(colleague, AuditAction.LOCKED)) == 2


@override_settings(LOGIN_MAX_FAILURES=2)
def test_failures_locks_and_unlocks_record_what_changed_from_what(
    client: Client, colleague: Person, owner: Person
) -> None:
    log_in(client, "colleague", "wrong-password")
    log_in(client, "colleague", "wrong-password")
    colleague.refresh_from_db()
    locked_at = colleague.locked_at

    identity.unlock(colleague, by=owner, reason="called the desk")

    failures = sorted(events(colleague, AuditAction.LOGIN_FAILED), key=lambda event: event.sequence)
    assert [event.changes for event in failures] == [
        {"failed_login_count": [0, 1]},
        {"failed_login_count": [1, 2]},
    ]
    (locked,) = events(colleague, AuditAction.LOCKED)
    assert locked.reason == ""
    assert locked.changes["locked_at"][0] is None
    assert dt.datetime.fromisoformat(locked.changes["locked_at"][1]) == locked_at
    (unlocked,) = events(colleague, AuditAction.UNLOCKED)
    assert unlocked.changes["failed_login_count"] == [2, 0]
    assert unlocked.changes["locked_at"][1] is None
    assert dt.datetime.fromisoformat(unlocked.changes["locked_at"][0]) == locked_at
