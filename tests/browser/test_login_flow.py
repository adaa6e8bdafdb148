"""Logging in through the real pages: password, forced two-factor enrolment, the code
step, logging out, the generic refusal, lockout and an administrator's unlock."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from garrison.core.audit import history_of
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from tests.browser.conftest import BrowserPage
from tests.conftest import PASSWORD

GENERIC_REFUSAL = "Invalid username or password, or the account is locked."


def submit_password(tab: BrowserPage, username: str, password: str) -> None:
    page = tab.page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def next_step_code(secret: str) -> str:
    # A code is accepted once only, and the one just used for enrolling belongs to the
    # current time step: the next step's code is valid too (one step of clock drift is
    # tolerated) and has not been used, so nobody has to wait thirty seconds.
    return pyotp.TOTP(secret).at(time.time() + 30)


def wrong_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    accepted = {totp.at(time.time() + offset) for offset in (-30, 0, 30, 60)}
    return next(code for code in (f"{n:06d}" for n in range(1000)) if code not in accepted)


def test_an_administrator_without_two_factor_login_must_enrol_and_then_gives_a_code_at_every_login(
    browser_page: BrowserPage, owner: Person
) -> None:
    page = browser_page.page
    base = browser_page.base_url
    browser_page.open("/login/")
    submit_password(browser_page, "owner", PASSWORD)

    expect(page).to_have_url(f"{base}/login/enrol/")
    expect(page.get_by_role("heading", name="Set up two-factor login")).to_be_visible()
    qr_code = page.get_by_role("img", name="QR code of the secret").locator("svg")
    expect(qr_code).to_be_visible()
    box = qr_code.bounding_box()
    assert box is not None
    assert box["width"] > 100
    secret = page.locator("code.user-select-all").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    assert Person.objects.get(pk=owner.pk).has_mfa is False

    page.get_by_label("Six-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and switch on").click()

    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_role("alert")).to_have_text("Two-factor login is set up.")
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation.get_by_role("link", name="Owner")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Owner")
    assert Person.objects.get(pk=owner.pk).mfa_secret == secret

    navigation.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{base}/login/")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    assert browser_page.open("/people/").url.startswith(f"{base}/login/?next=")

    browser_page.open("/login/")
    submit_password(browser_page, "owner", PASSWORD)
    expect(page).to_have_url(f"{base}/login/verify/")
    expect(page.get_by_role("heading", name="Two-factor login")).to_be_visible()
    page.get_by_label("Six-digit code").fill(wrong_code(secret))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("This code is wrong, expired or already used.")).to_be_visible()
    expect(page).to_have_url(f"{base}/login/verify/")

    page.get_by_label("Six-digit code").fill(next_step_code(secret))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{base}/")
    expect(navigation.get_by_role("link", name="Owner")).to_be_visible()
    assert browser_page.csp_violations == []
    assert browser_page.errors == []


def test_a_wrong_password_gets_the_generic_refusal_and_repeated_failures_lock_the_account(
    browser_page: BrowserPage, colleague: Person, owner: Person, settings: Any, log_in: Any
) -> None:
    # The live server runs in this process, so the lowered limit applies to it too.
    settings.LOGIN_MAX_FAILURES = 3
    page = browser_page.page
    base = browser_page.base_url
    browser_page.open("/login/")
    for _attempt in range(3):
        submit_password(browser_page, "colleague", "not-the-password")
        expect(page.get_by_role("alert")).to_have_text(GENERIC_REFUSAL)
        expect(page).to_have_url(f"{base}/login/")
    assert Person.objects.get(pk=colleague.pk).locked_at is not None

    # Locked: even the right password gets exactly the same answer.
    submit_password(browser_page, "colleague", PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(GENERIC_REFUSAL)
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    # An unknown username is refused in the same words, so a refusal reveals nothing.
    submit_password(browser_page, "nobody-by-this-name", PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(GENERIC_REFUSAL)

    # An administrator of the unit unlocks the account from the person's page.
    log_in(owner)
    browser_page.open(f"/people/{colleague.pk}/")
    expect(page.locator(".badge", has_text="Locked")).to_be_visible()
    page.get_by_placeholder("Reason (optional)").fill("Verified by phone")
    # garrison.js asks before unlocking; a dismissed question must leave the account locked.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Unlock").click()
    expect(page).to_have_url(f"{base}/people/{colleague.pk}/")
    assert Person.objects.get(pk=colleague.pk).locked_at is not None
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("alert")).to_have_text("The account is unlocked.")
    expect(page.locator(".badge", has_text="Locked")).to_have_count(0)
    expect(page.locator("#history")).to_contain_text("Verified by phone")
    unlocks = history_of(colleague).filter(action=AuditAction.UNLOCKED)
    assert [event.actor_id for event in unlocks] == [owner.pk]

    page.context.clear_cookies()
    browser_page.open("/login/")
    submit_password(browser_page, "colleague", PASSWORD)
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Colleague")
    assert browser_page.csp_violations == []
    assert browser_page.errors == []


@pytest.mark.parametrize("path", ["/people/", "/account/tokens/"])
def test_a_page_asked_for_before_logging_in_opens_once_the_person_has_logged_in(
    browser_page: BrowserPage, colleague: Person, path: str
) -> None:
    page = browser_page.page
    base = browser_page.base_url
    browser_page.open(path)
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/login/\?next="))
    submit_password(browser_page, "colleague", PASSWORD)
    expect(page).to_have_url(f"{base}{path}")
    expect(
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Colleague")
    ).to_be_visible()
    assert browser_page.csp_violations == []
    assert browser_page.errors == []
