"""Two-factor login: the code step, forced enrolment for privileged roles, own enrolment and switch-off."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from garrison.core.models import AuditEvent, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Role
from garrison.core.services import mfa, org
from garrison.core.views.auth import PENDING_LOGIN_KEY, invalid_credentials_message
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client: Client, username: str) -> Any:
    return client.post("/login/", {"username": username, "password": PASSWORD})


def is_logged_in(client: Client) -> bool:
    return client.get("/account/").status_code == 200


def code_for(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps_ahead)


def enrol(person: Person) -> str:
    secret = mfa.new_secret()
    mfa.confirm_enrolment(person, secret, code_for(secret), by=person)
    return secret


def shown_secret(content: str) -> str:
    match = re.search(r"<code[^>]*>([A-Z2-7]{32})</code>", content)
    assert match, "the enrolment page shows the secret as text"
    return match.group(1)


def mfa_events(person: Person) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type="core.person", object_id=str(person.pk), action=AuditAction.UPDATE
        )
        .exclude(changes__has_key="password")
        .order_by("sequence")
    )


def test_an_administrator_without_mfa_must_enrol_before_getting_in(client: Client, owner: Person) -> None:
    response = log_in(client, "owner")

    assert response.status_code == 302
    assert response["Location"] == "/login/enrol/"
    assert not is_logged_in(client)

    page = client.get("/login/enrol/")
    content = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in content
    assert not re.search(r"<script(?![^>]*\bsrc=)", content), "no inline script"
    secret = shown_secret(content)
    assert client.get("/login/enrol/").content.decode().count(secret) == 1, "a reload keeps the same secret"

    confirmed = client.post("/login/enrol/", {"code": code_for(secret)})

    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/"
    assert is_logged_in(client)
    owner.refresh_from_db()
    assert owner.mfa_secret == secret
    assert owner.mfa_confirmed_at is not None
    [event] = mfa_events(owner)
    assert event.changes["mfa_secret"] == ["", "[redacted]"]
    assert secret not in str(event.changes)


def test_a_security_officer_must_enrol_too(client: Client, organisation: Any, make_person: Any) -> None:
    make_person("secofficer", organisation.beijing, Role.SECURITY_OFFICER)

    response = log_in(client, "secofficer")

    assert response["Location"] == "/login/enrol/"


def test_forced_enrolment_refuses_a_wrong_code_and_counts_a_failure(client: Client, owner: Person) -> None:
    log_in(client, "owner")
    secret = shown_secret(client.get("/login/enrol/").content.decode())
    wrong = "000000" if code_for(secret) != "000000" else "111111"

    response = client.post("/login/enrol/", {"code": wrong})

    assert response.status_code == 200
    assert "This code is wrong" in response.content.decode()
    assert not is_logged_in(client)
    owner.refresh_from_db()
    assert owner.mfa_confirmed_at is None
    assert owner.mfa_secret == ""
    assert owner.failed_login_count == 1


def test_the_enrolment_page_needs_the_password_step_first(client: Client, owner: Person) -> None:
    response = client.get("/login/enrol/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_an_enrolled_person_is_asked_for_a_code_after_the_password(client: Client, colleague: Person) -> None:
    secret = enrol(colleague)

    response = log_in(client, "colleague")

    assert response.status_code == 302
    assert response["Location"] == "/login/verify/"
    assert not is_logged_in(client), "the password alone does not log in"

    verified = client.post("/login/verify/", {"code": code_for(secret, steps_ahead=1)})

    assert verified.status_code == 302
    assert verified["Location"] == "/"
    assert is_logged_in(client)
    assert AuditEvent.objects.filter(object_id=str(colleague.pk), action=AuditAction.LOGIN).count() == 1


def test_the_code_step_accepts_a_code_typed_with_a_space(client: Client, colleague: Person) -> None:
    secret = enrol(colleague)
    log_in(client, "colleague")
    code = code_for(secret, steps_ahead=1)

    response = client.post("/login/verify/", {"code": f"{code[:3]} {code[3:]}"})

    assert response.status_code == 302
    assert is_logged_in(client)


def test_the_code_step_rejects_a_wrong_code(client: Client, colleague: Person) -> None:
    secret = enrol(colleague)
    log_in(client, "colleague")
    valid = {code_for(secret, offset) for offset in (-1, 0, 1, 2)}
    wrong = next(code for code in ("123456", "654321", "000000", "999999") if code not in valid)

    response = client.post("/login/verify/", {"code": wrong})

    assert response.status_code == 200
    assert "This code is wrong" in response.content.decode()
    assert not is_logged_in(client)
    colleague.refresh_from_db()
    assert colleague.failed_login_count == 1


def test_a_code_cannot_be_used_twice(client: Client, colleague: Person) -> None:
    secret = enrol(colleague)
    code = code_for(secret, steps_ahead=1)
    log_in(client, "colleague")
    client.post("/login/verify/", {"code": code})
    assert is_logged_in(client)
    client.post("/logout/")

    log_in(client, "colleague")
    response = client.post("/login/verify/", {"code": code})

    assert response.status_code == 200
    assert "already used" in response.content.decode()
    assert not is_logged_in(client)


@override_settings(LOGIN_MAX_FAILURES=2)
def test_wrong_codes_lock_the_account(client: Client, colleague: Person) -> None:
    enrol(colleague)
    log_in(client, "colleague")
    client.post("/login/verify/", {"code": "12345x"})
    client.post("/login/verify/", {"code": "000000"})

    response = client.post("/login/verify/", {"code": "111111"}, follow=True)

    assert invalid_credentials_message() in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.locked_at is not None
    assert not is_logged_in(client)
    assert PENDING_LOGIN_KEY not in client.session


def test_a_pending_login_expires(client: Client, colleague: Person) -> None:
    secret = enrol(colleague)
    log_in(client, "colleague")
    session = client.session
    session[PENDING_LOGIN_KEY] = {**session[PENDING_LOGIN_KEY], "started": time.time() - 3600}
    session.save()

    response = client.post("/login/verify/", {"code": code_for(secret, steps_ahead=1)})

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert not is_logged_in(client)


def test_an_enrolled_administrator_logs_in_with_password_and_code(client: Client, owner: Person) -> None:
    secret = enrol(owner)

    assert log_in(client, "owner")["Location"] == "/login/verify/"
    response = client.post("/login/verify/", {"code": code_for(secret, steps_ahead=1)})

    assert response.status_code == 302
    assert is_logged_in(client)


def test_an_employee_enrols_from_the_account_page_and_switches_it_off(
    client: Client, colleague: Person
) -> None:
    client.force_login(colleague)
    assert "Set up two-factor login" in client.get("/account/two-factor/").content.decode()

    page = client.get("/account/two-factor/setup/")
    secret = shown_secret(page.content.decode())
    assert "<svg" in page.content.decode()
    enrolled = client.post("/account/two-factor/setup/", {"code": code_for(secret)})

    assert enrolled.status_code == 302
    colleague.refresh_from_db()
    assert colleague.has_mfa

    switched_off = client.post("/account/two-factor/disable/", {"code": code_for(secret, steps_ahead=1)})

    assert switched_off.status_code == 302
    colleague.refresh_from_db()
    assert not colleague.has_mfa
    assert colleague.mfa_secret == ""
    assert [sorted(event.changes) for event in mfa_events(colleague)] == [
        ["mfa_confirmed_at", "mfa_secret"],
        ["mfa_confirmed_at", "mfa_secret"],
    ]


def test_switching_mfa_off_needs_a_current_code(client: Client, colleague: Person) -> None:
    secret = enrol(colleague)
    client.force_login(colleague)
    valid = {code_for(secret, offset) for offset in (-1, 0, 1)}
    wrong = next(code for code in ("123456", "654321", "000000") if code not in valid)

    response = client.post("/account/two-factor/disable/", {"code": wrong})

    assert response.status_code == 200
    assert "This code is wrong" in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.has_mfa


def test_switching_mfa_off_is_post_only(client: Client, colleague: Person) -> None:
    enrol(colleague)
    client.force_login(colleague)

    assert client.get("/account/two-factor/disable/").status_code == 405
    colleague.refresh_from_db()
    assert colleague.has_mfa


def test_a_role_that_requires_mfa_cannot_switch_it_off(client: Client, owner: Person) -> None:
    secret = enrol(owner)
    client.force_login(owner)

    response = client.post("/account/two-factor/disable/", {"code": code_for(secret, steps_ahead=1)})

    assert response.status_code == 200
    assert "requires two-factor login" in response.content.decode()
    owner.refresh_from_db()
    assert owner.has_mfa


def test_codes_one_step_either_side_are_accepted_and_no_further(db: Any) -> None:
    secret = mfa.new_secret()
    totp = pyotp.TOTP(secret)
    now = time.time()

    assert mfa.check_code(secret, totp.at(now, counter_offset=-1), at=now)
    assert mfa.check_code(secret, totp.at(now, counter_offset=1), at=now)
    assert not mfa.check_code(secret, totp.at(now, counter_offset=2), at=now)
    assert not mfa.check_code(secret, totp.at(now, counter_offset=-2), at=now)


def test_a_code_older_than_the_last_used_one_is_refused(db: Any) -> None:
    secret = mfa.new_secret()
    totp = pyotp.TOTP(secret)
    now = time.time()
    assert mfa.check_code(secret, totp.at(now), at=now)

    assert not mfa.check_code(secret, totp.at(now), at=now)
    assert not mfa.check_code(secret, totp.at(now, counter_offset=-1), at=now)


def test_malformed_codes_are_refused(db: Any) -> None:
    secret = mfa.new_secret()

    assert not mfa.check_code(secret, "")
    assert not mfa.check_code(secret, "12345")
    assert not mfa.check_code(secret, "abcdef")
    assert not mfa.check_code("", "123456")


def test_enrolling_twice_is_refused(colleague: Person) -> None:
    enrol(colleague)
    other = mfa.new_secret()

    with pytest.raises(ValidationError):
        mfa.confirm_enrolment(colleague, other, code_for(other), by=colleague)

    colleague.refresh_from_db()
    assert colleague.mfa_secret != other


def test_an_administrator_resets_a_lost_second_factor(owner: Person, colleague: Person) -> None:
    enrol(colleague)

    with pytest.raises(ValidationError):
        mfa.reset(colleague, by=owner, reason="  ")
    mfa.reset(colleague, by=owner, reason="phone lost")

    colleague.refresh_from_db()
    assert not colleague.has_mfa
    assert mfa_events(colleague)[-1].reason == "phone lost"


def test_the_installation_superuser_must_use_mfa(organisation: Any, make_person: Any) -> None:
    root = make_person("root", organisation.root, is_superuser=True)
    employee = make_person("plain", organisation.root, Role.EMPLOYEE)

    assert mfa.is_required_for(root)
    assert not mfa.is_required_for(employee)


def test_the_qr_code_is_inline_svg_without_external_references(colleague: Person) -> None:
    svg = mfa.qr_code_svg(mfa.provisioning_uri(colleague, mfa.new_secret()))

    assert svg.startswith("<svg")
    assert "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert "style=" not in svg


def test_a_login_code_is_refused_the_second_time_even_by_a_process_with_an_empty_cache(
    colleague: Person,
) -> None:
    secret = enrol(colleague)
    code = code_for(secret, steps_ahead=1)
    colleague.refresh_from_db()

    first = mfa.verify_login_code(colleague, code)
    cache.clear()  # another worker process: it shares the database, not this cache
    second = mfa.verify_login_code(colleague, code)

    assert first is True
    assert second is False


def test_the_login_code_step_reads_the_clock_once_so_a_step_boundary_cannot_refuse_it(
    colleague: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = enrol(colleague)
    colleague.refresh_from_db()
    interval = pyotp.TOTP(secret).interval
    # The last second of a step, then (on any later reading) the first second of the next.
    step = int(time.time() // interval) + 5
    readings = iter([step * interval + interval - 0.5])
    monkeypatch.setattr(mfa.time, "time", lambda: next(readings, (step + 1) * interval + 0.5))
    previous_step_code = pyotp.TOTP(secret).at((step - 1) * interval)

    accepted = mfa.verify_login_code(colleague, previous_step_code)

    assert accepted is True
    colleague.refresh_from_db()
    assert colleague.mfa_last_step == step - 1


def test_granting_a_role_that_needs_mfa_ends_the_sessions_of_someone_without_it(
    organisation: Any, colleague: Person
) -> None:
    device = Client()
    device.post("/login/", {"username": "colleague", "password": PASSWORD})
    assert is_logged_in(device)

    org.assign_role(colleague, Role.ADMINISTRATOR, organisation.beijing_ops, by=None)

    assert not is_logged_in(device)
    assert log_in(device, "colleague")["Location"] == "/login/enrol/"


def test_granting_a_role_that_needs_mfa_keeps_the_sessions_of_someone_enrolled(
    organisation: Any, colleague: Person
) -> None:
    secret = enrol(colleague)
    device = Client()
    device.post("/login/", {"username": "colleague", "password": PASSWORD})
    device.post("/login/verify/", {"code": code_for(secret, steps_ahead=1)})
    assert is_logged_in(device)

    org.assign_role(colleague, Role.SECURITY_OFFICER, organisation.beijing_ops, by=None)

    assert is_logged_in(device)


def test_an_administrator_resets_a_second_factor_through_the_api(
    api: Any, owner: Person, colleague: Person, outsider: Person
) -> None:
    enrol(colleague)

    missing_reason = api.as_(owner).post(f"/api/people/{colleague.pk}/reset-mfa/", {}, format="json")
    out_of_reach = api.as_(outsider).post(
        f"/api/people/{colleague.pk}/reset-mfa/", {"reason": "lost phone"}, format="json"
    )
    colleague.refresh_from_db()
    assert missing_reason.status_code == 400
    assert "reason" in missing_reason.json()
    assert out_of_reach.status_code == 404
    assert colleague.has_mfa

    response = api.as_(owner).post(
        f"/api/people/{colleague.pk}/reset-mfa/", {"reason": "lost phone"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["has_mfa"] is False
    colleague.refresh_from_db()
    assert not colleague.has_mfa
    assert mfa_events(colleague)[-1].reason == "lost phone"
    assert mfa_events(colleague)[-1].actor_id == owner.pk


def test_the_code_that_confirmed_enrolment_cannot_log_in_even_in_another_process(colleague: Person) -> None:
    secret = mfa.new_secret()
    code = code_for(secret, steps_ahead=1)
    mfa.confirm_enrolment(colleague, secret, code, by=colleague)
    colleague.refresh_from_db()

    cache.clear()  # another worker process: it shares the database, not this cache

    assert mfa.verify_login_code(colleague, code) is False
