"""The personal account pages in a real browser: API tokens shown once, used and revoked;
switching two-factor login on and off; preferences with field errors."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import expect

from garrison.core.models import ApiToken, Person
from garrison.core.services import mfa
from tests.browser.conftest import BrowserPage


def call_api(
    base_url: str, path: str, secret: str, *, method: str = "GET", body: Any = None
) -> tuple[int, Any]:
    """Call the API with only the bearer token: no browser cookie can lend it a session."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname or "localhost", address.port, timeout=10)
    headers = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def test_a_read_only_api_token_is_shown_once_reads_the_api_cannot_write_and_stops_working_when_revoked(
    browser_page: BrowserPage, log_in: Any, owner: Person, colleague: Person
) -> None:
    page = browser_page.page
    base = browser_page.base_url
    # An Administrator's tokens work only once their second factor is set up.
    second_factor = mfa.new_secret()
    mfa.confirm_enrolment(owner, second_factor, pyotp.TOTP(second_factor).now(), by=owner)
    log_in(owner)
    browser_page.open("/account/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_text("You have no API tokens yet.")).to_be_visible()

    page.get_by_label("Name").fill("Inventory script")
    page.get_by_label("Access").select_option(label="Read only")
    page.get_by_label("Lifetime in days").fill("7")
    page.get_by_role("button", name="Create token").click()

    expect(page).to_have_url(f"{base}/account/tokens/")
    secret = page.get_by_label("New token").input_value()
    token = ApiToken.objects.get(person=owner)
    assert secret.startswith("garr_")
    assert secret.startswith(token.prefix)
    row = page.locator("tbody tr", has_text="Inventory script")
    expect(row.locator("td")).to_contain_text(["Inventory script", token.prefix, "Read only"])
    expect(row.locator(".badge")).to_have_text("Active")
    # The database keeps only a hash, and the page never shows the secret again.
    assert secret not in json.dumps([str(value) for value in ApiToken.objects.values_list().get()])
    page.reload()
    expect(page.get_by_label("New token")).to_have_count(0)
    assert secret not in page.content()

    status, body = call_api(base, "/api/people/", secret)
    assert status == 200
    assert {person["username"] for person in body["results"]} == {"owner", "colleague"}
    status, body = call_api(
        base, "/api/people/", secret, method="POST", body={"username": "intruder", "full_name": "Intruder"}
    )
    assert status == 403
    assert not Person.objects.filter(username="intruder").exists()

    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("alert")).to_have_text("The token Inventory script is revoked.")
    expect(row.locator(".badge")).to_contain_text("Revoked")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    status, _body = call_api(base, "/api/people/", secret)
    assert status == 401
    assert browser_page.csp_violations == []
    assert browser_page.errors == []


def test_an_employee_switches_two_factor_login_on_from_the_account_page_and_off_again_with_a_code(
    browser_page: BrowserPage, log_in: Any, colleague: Person
) -> None:
    page = browser_page.page
    log_in(colleague)
    browser_page.open("/account/two-factor/")
    expect(page.get_by_text("Two-factor login is off.")).to_be_visible()
    page.get_by_role("link", name="Set up two-factor login").click()

    expect(page.get_by_role("img", name="QR code of the secret").locator("svg")).to_be_visible()
    secret = page.locator("code.user-select-all").inner_text().strip()
    page.reload()
    # The secret waits in the session until confirmed: a reload must not change it.
    assert page.locator("code.user-select-all").inner_text().strip() == secret
    page.get_by_label("Six-digit code").fill("12345")
    page.get_by_role("button", name="Confirm and switch on").click()
    expect(page.get_by_text("This code is wrong, expired or already used.")).to_be_visible()
    assert Person.objects.get(pk=colleague.pk).has_mfa is False

    page.get_by_label("Six-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and switch on").click()
    expect(page.get_by_role("alert")).to_have_text("Two-factor login is set up.")
    expect(page.get_by_text("Every login asks for a code from your authenticator app.")).to_be_visible()
    assert Person.objects.get(pk=colleague.pk).mfa_secret == secret

    # The code just used is spent; the next time step's code is already accepted.
    page.get_by_label("Six-digit code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Switch off").click()
    expect(page.get_by_role("alert")).to_have_text("Two-factor login is switched off.")
    expect(page.get_by_text("Two-factor login is off.")).to_be_visible()
    assert Person.objects.get(pk=colleague.pk).has_mfa is False
    assert browser_page.csp_violations == []
    assert browser_page.errors == []


def test_a_chosen_time_zone_applies_to_every_page_and_an_unknown_one_is_refused_on_its_field(
    browser_page: BrowserPage, log_in: Any, colleague: Person
) -> None:
    page = browser_page.page
    log_in(colleague)
    browser_page.open("/account/")
    footer = page.locator("footer")
    expect(footer).to_contain_text("Times are shown in Asia/Shanghai.")

    page.get_by_label("Time zone").fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Unknown time zone; use a name such as Asia/Shanghai.")).to_be_visible()
    assert Person.objects.get(pk=colleague.pk).time_zone == "Asia/Shanghai"

    page.get_by_label("Time zone").fill("Europe/London")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text("Your preferences are saved.")
    browser_page.open("/people/")
    expect(footer).to_contain_text("Times are shown in Europe/London.")
    assert Person.objects.get(pk=colleague.pk).time_zone == "Europe/London"
    assert browser_page.csp_violations == []
    assert browser_page.errors == []
