"""Personal API tokens: made once with a secret, stored hashed, scoped, expiring, revocable; API and UI."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pyotp
import pytest
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from garrison.core.models import ApiToken, AuditEvent, OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.services import mfa, org, tokens

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def make_token(person: Person, access: str = "read", days: int = 30) -> tuple[ApiToken, str]:
    return tokens.create_token(person, by=person, name=f"{access} token", access=access, days=days)


def with_mfa(person: Person) -> Person:
    secret = mfa.new_secret()
    return mfa.confirm_enrolment(person, secret, pyotp.TOTP(secret).now(), by=person)


def test_a_person_creates_a_token_and_gets_the_secret_once(api: Any, colleague: Person) -> None:
    response = api.as_(colleague).post(
        "/api/tokens/", {"name": "backup script", "access": "read", "days": 30}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("garr_")
    assert body["secret"].startswith(body["prefix"])
    assert body["person"] == colleague.pk
    assert body["access"] == "read"
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)

    listed = api.get("/api/tokens/").json()["results"]
    assert [token["id"] for token in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in api.get(f"/api/tokens/{body['id']}/").json()


def test_a_new_token_lasts_ninety_days_and_reads_only_unless_asked(api: Any, colleague: Person) -> None:
    body = api.as_(colleague).post("/api/tokens/", {"name": "defaults"}).json()

    assert body["access"] == "read"
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=90))) < dt.timedelta(minutes=1)


def test_a_token_is_stored_hashed(colleague: Person) -> None:
    token, secret = make_token(colleague)

    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["key_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in row.values())
    created = AuditEvent.objects.get(object_type="core.apitoken", object_id=str(token.pk))
    assert secret not in str(created.changes)
    assert created.changes["key_hash"][1] == "[redacted]"


def test_a_token_authenticates_with_the_bearer_header(colleague: Person) -> None:
    token, secret = make_token(colleague)

    response = bearer(secret).get("/api/people/")

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@override_settings(API_TOKEN_MAX_DAYS=30)
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "days": 0}, "days"),
        ({"name": "x", "days": 31}, "days"),
        ({"name": "x", "days": "soon"}, "days"),
        ({"name": "", "days": 10}, "name"),
        ({"name": "x", "access": "admin"}, "access"),
    ],
)
def test_bad_token_requests_get_field_errors(
    api: Any, colleague: Person, payload: dict[str, Any], field: str
) -> None:
    response = api.as_(colleague).post("/api/tokens/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not ApiToken.objects.exists()


def test_a_read_token_cannot_write(owner: Person, colleague: Person, organisation: Any) -> None:
    _token, secret = make_token(with_mfa(owner), access="read")
    client = bearer(secret)

    created = client.post(
        "/api/units/", {"name": "New", "code": "new", "kind": "team", "parent": owner.unit_id}
    )
    changed = client.patch(f"/api/people/{colleague.pk}/", {"job_title": "Changed"}, format="json")
    unlocked = client.post(f"/api/people/{colleague.pk}/unlock/")

    assert created.status_code == changed.status_code == unlocked.status_code == 403
    assert not OrgUnit.objects.filter(code="new").exists()
    colleague.refresh_from_db()
    assert colleague.job_title == ""
    assert client.get(f"/api/people/{colleague.pk}/").status_code == 200


def test_a_read_write_token_can_write(owner: Person, colleague: Person) -> None:
    _token, secret = make_token(with_mfa(owner), access="read_write")

    response = bearer(secret).patch(f"/api/people/{colleague.pk}/", {"job_title": "Engineer"}, format="json")

    assert response.status_code == 200
    colleague.refresh_from_db()
    assert colleague.job_title == "Engineer"


def test_a_token_cannot_make_further_tokens(colleague: Person) -> None:
    _token, secret = make_token(colleague, access="read_write")

    response = bearer(secret).post("/api/tokens/", {"name": "child", "access": "read_write"})

    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


def test_a_read_token_cannot_revoke_tokens(colleague: Person) -> None:
    token, secret = make_token(colleague, access="read")

    assert bearer(secret).post(f"/api/tokens/{token.pk}/revoke/").status_code == 403
    assert bearer(secret).delete(f"/api/tokens/{token.pk}/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_expired_token_is_refused(colleague: Person) -> None:
    token, secret = make_token(colleague)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = bearer(secret).get("/api/people/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(colleague: Person) -> None:
    token, secret = make_token(colleague)
    tokens.revoke_token(token, by=colleague)

    assert bearer(secret).get("/api/people/").status_code == 401


def test_an_unknown_or_malformed_token_is_refused(colleague: Person) -> None:
    assert bearer("garr_not-a-real-token").get("/api/people/").status_code == 401
    assert bearer("something-else").get("/api/people/").status_code == 401


def test_the_token_of_a_person_who_left_is_refused(colleague: Person) -> None:
    _token, secret = make_token(colleague)
    Person.objects.filter(pk=colleague.pk).update(employment_status="left")

    assert bearer(secret).get("/api/people/").status_code == 401


def test_a_person_revokes_their_own_token_through_the_api(api: Any, colleague: Person) -> None:
    token, secret = make_token(colleague)

    response = api.as_(colleague).post(f"/api/tokens/{token.pk}/revoke/", {"reason": "rotated"})

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert response.json()["is_usable"] is False
    event = AuditEvent.objects.filter(object_type="core.apitoken", action=AuditAction.UPDATE).get()
    assert event.reason == "rotated"
    assert bearer(secret).get("/api/people/").status_code == 401


def test_deleting_a_token_revokes_it_and_keeps_its_record(api: Any, colleague: Person) -> None:
    token, _secret = make_token(colleague)

    response = api.as_(colleague).delete(f"/api/tokens/{token.pk}/")

    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_people_see_only_their_own_tokens(api: Any, colleague: Person, outsider: Person, db: Any) -> None:
    own, _secret = make_token(colleague)
    other, _other_secret = make_token(outsider)

    listed = api.as_(colleague).get("/api/tokens/").json()["results"]

    assert [token["id"] for token in listed] == [own.pk]
    assert api.get(f"/api/tokens/{other.pk}/").status_code == 404
    assert api.post(f"/api/tokens/{other.pk}/revoke/").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_an_administrator_lists_and_revokes_tokens_of_people_in_their_units(
    api: Any, owner: Person, colleague: Person, outsider: Person
) -> None:
    token, _secret = make_token(colleague)

    listed = api.as_(owner).get(f"/api/tokens/?person={colleague.pk}").json()["results"]
    assert [item["id"] for item in listed] == [token.pk]

    response = api.post(f"/api/tokens/{token.pk}/revoke/", {"reason": "left the project"})

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(object_type="core.apitoken", action=AuditAction.UPDATE)
    assert event.actor_id == owner.pk


def test_an_administrator_of_another_unit_cannot_touch_the_token(
    api: Any, outsider: Person, colleague: Person
) -> None:
    token, _secret = make_token(colleague)

    assert api.as_(outsider).get("/api/tokens/").json()["results"] == []
    assert api.get(f"/api/tokens/{token.pk}/").status_code == 404
    assert api.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    assert api.delete(f"/api/tokens/{token.pk}/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_auditor_sees_tokens_but_cannot_revoke_them(api: Any, auditor: Person, colleague: Person) -> None:
    token, _secret = make_token(colleague)

    assert api.as_(auditor).get(f"/api/tokens/{token.pk}/").status_code == 200
    assert api.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_requests_cannot_list_or_make_tokens(api: Any, colleague: Person) -> None:
    make_token(colleague)

    assert api.as_(None).get("/api/tokens/").status_code == 401
    assert api.post("/api/tokens/", {"name": "sneaky"}).status_code == 401
    assert ApiToken.objects.count() == 1


def test_the_tokens_page_creates_a_token_and_shows_the_secret_once(client: Client, colleague: Person) -> None:
    client.force_login(colleague)

    response = client.post("/account/tokens/", {"name": "reporting", "access": "read_write", "days": "14"})

    assert response.status_code == 302
    first_view = client.get("/account/tokens/").content.decode()
    secret = re.search(r'value="(garr_[^"]+)"', first_view)
    assert secret, "the new secret is on the page after creation"
    assert tokens.authenticate_token(secret.group(1)) is not None
    assert "reporting" in first_view
    assert "Read and write" in first_view
    second_view = client.get("/account/tokens/").content.decode()
    assert secret.group(1) not in second_view
    assert "reporting" in second_view


def test_the_tokens_page_lists_only_own_tokens_with_their_state(
    client: Client, colleague: Person, outsider: Person
) -> None:
    active, _secret = make_token(colleague)
    expired, _expired_secret = make_token(colleague)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    foreign, _foreign_secret = make_token(outsider)
    ApiToken.objects.filter(pk=foreign.pk).update(name="foreign token")
    client.force_login(colleague)

    content = client.get("/account/tokens/").content.decode()

    assert active.prefix in content
    assert expired.prefix in content
    assert "Expired" in content
    assert "foreign token" not in content


@override_settings(API_TOKEN_MAX_DAYS=30)
def test_the_tokens_page_refuses_a_lifetime_beyond_the_maximum(client: Client, colleague: Person) -> None:
    client.force_login(colleague)

    response = client.post("/account/tokens/", {"name": "too long", "access": "read", "days": "31"})

    assert response.status_code == 200
    assert "less than or equal to 30" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_tokens_page_revokes_an_own_token(client: Client, colleague: Person) -> None:
    token, _secret = make_token(colleague)
    client.force_login(colleague)

    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    response = client.post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_tokens_page_cannot_revoke_someone_elses_token(
    client: Client, owner: Person, colleague: Person
) -> None:
    token, _secret = make_token(colleague)
    client.force_login(owner)

    response = client.post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_token_of_someone_who_must_use_mfa_but_has_not_set_it_up_is_refused(
    owner: Person, colleague: Person
) -> None:
    _token, secret = make_token(owner, access="read_write")

    response = bearer(secret).get(f"/api/people/{colleague.pk}/")

    assert response.status_code == 401
    assert tokens.authenticate_token(secret) is None
    with_mfa(owner)
    assert bearer(secret).get(f"/api/people/{colleague.pk}/").status_code == 200


def test_a_token_stops_working_when_its_holder_gets_a_role_that_needs_mfa(
    colleague: Person, organisation: Any
) -> None:
    _token, secret = make_token(colleague)
    assert bearer(secret).get("/api/people/").status_code == 200

    org.assign_role(colleague, "security_officer", organisation.beijing, by=None)

    assert bearer(secret).get("/api/people/").status_code == 401


@override_settings(API_TOKEN_MAX_DAYS=30)
def test_the_default_lifetime_never_exceeds_the_configured_maximum(
    api: Any, client: Client, colleague: Person
) -> None:
    response = api.as_(colleague).post("/api/tokens/", {"name": "short"}, format="json")

    assert response.status_code == 201
    token = ApiToken.objects.get(name="short")
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    client.force_login(colleague)
    page = client.get("/account/tokens/").content.decode()
    assert re.search(r'name="days"[^>]*value="30"', page)
