"""Security headers, cookies and CSRF on the login form, and the production password hasher."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings

import garrison.settings
from garrison.core.models import Person
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def load_production_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **environment: str
) -> ModuleType:
    """A fresh copy of garrison.settings read under `environment` (the running settings stay as they are)."""
    monkeypatch.setenv("GARRISON_DATA_DIR", str(tmp_path))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("garrison_settings_under_test", garrison.settings.__file__)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pages_carry_a_content_security_policy_without_inline_code(client: Client) -> None:
    response = client.get("/login/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_login_page_has_no_inline_script_or_style(client: Client) -> None:
    content = client.get("/login/").content.decode()

    assert "style=" not in content
    assert "<style" not in content
    assert " onclick=" not in content
    for tag in content.split("<script")[1:]:
        assert "src=" in tag.split(">", 1)[0]


def test_the_login_form_requires_a_csrf_token(colleague: Person) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/login/", {"username": "colleague", "password": PASSWORD})

    assert response.status_code == 403
    assert client.get("/account/").status_code == 302


def test_the_login_form_works_with_its_csrf_token(colleague: Person) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    token = client.cookies["csrftoken"].value

    response = client.post(
        "/login/", {"username": "colleague", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert client.get("/account/").status_code == 200


def test_logout_requires_a_csrf_token(colleague: Person) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(colleague)

    assert client.post("/logout/").status_code == 403
    assert client.get("/account/").status_code == 200


def test_session_and_csrf_cookies_are_http_only(client: Client, colleague: Person) -> None:
    login_page = client.get("/login/")
    logged_in = client.post("/login/", {"username": "colleague", "password": PASSWORD})

    assert login_page.cookies["csrftoken"]["httponly"] is True
    assert logged_in.cookies["sessionid"]["httponly"] is True
    assert logged_in.cookies["sessionid"]["samesite"] == "Lax"


@override_settings(
    SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_SSL_REDIRECT=False
)
def test_hsts_is_sent_over_https_when_configured(client: Client) -> None:
    secure = client.get("/login/", secure=True)
    plain = client.get("/login/")

    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in plain


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True, SECURE_SSL_REDIRECT=False)
def test_cookies_are_marked_secure_when_served_over_https(client: Client, colleague: Person) -> None:
    login_page = client.get("/login/", secure=True)
    logged_in = client.post("/login/", {"username": "colleague", "password": PASSWORD}, secure=True)

    assert login_page.cookies["csrftoken"]["secure"] is True
    assert logged_in.cookies["sessionid"]["secure"] is True


def test_the_https_setting_turns_on_secure_cookies_hsts_and_redirects(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = load_production_settings(monkeypatch, tmp_path, GARRISON_HTTPS="true")

    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.CSRF_COOKIE_SECURE is True
    assert settings.SECURE_HSTS_SECONDS >= 31_536_000
    assert settings.SECURE_SSL_REDIRECT is True


def test_without_https_the_settings_send_no_hsts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = load_production_settings(monkeypatch, tmp_path, GARRISON_HTTPS="false")

    assert settings.SECURE_HSTS_SECONDS == 0
    assert settings.SESSION_COOKIE_SECURE is False


def test_production_settings_hash_passwords_with_argon2() -> None:
    assert garrison.settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_is_installed_and_usable(settings: Any) -> None:
    settings.PASSWORD_HASHERS = garrison.settings.PASSWORD_HASHERS

    assert make_password("Some-long-passphrase-1").startswith("argon2$")


def test_sessions_expire_after_the_idle_window_and_on_each_request_are_renewed() -> None:
    assert garrison.settings.SESSION_COOKIE_AGE == garrison.settings.SESSION_IDLE_MINUTES * 60
    assert garrison.settings.SESSION_SAVE_EVERY_REQUEST is True


def test_only_the_api_docs_page_may_use_inline_styles_and_no_page_inline_scripts(
    client: Client, colleague: Person
) -> None:
    client.force_login(colleague)

    docs_policy = client.get("/api/docs/")["Content-Security-Policy"]
    page_policy = client.get("/people/")["Content-Security-Policy"]

    assert "style-src 'self' 'unsafe-inline'" in docs_policy
    assert "script-src 'self';" in docs_policy
    assert "style-src 'self';" in page_policy
    assert "unsafe-inline" not in page_policy
