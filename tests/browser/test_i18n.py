"""Switching the language to Simplified Chinese and back in a real browser.

The page's `lang` is asserted always. The visible Chinese text is whatever the compiled
catalogue says: until it is compiled Django falls back to English, and the expected
strings below follow the catalogue, so the test asserts the page shows exactly what the
catalogue holds, in either case.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from playwright.sync_api import expect

from garrison.core.models import Person
from tests.browser.conftest import BrowserPage
from tests.conftest import Organisation


def in_chinese(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def test_an_anonymous_visitor_switches_the_login_page_to_chinese_and_back(browser_page: BrowserPage) -> None:
    page = browser_page.page
    browser_page.open("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator("footer").get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(f"{browser_page.base_url}/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text(in_chinese("Log in to Garrison"))
    expect(page.get_by_role("button", name=in_chinese("Log in"), exact=True)).to_be_visible()
    # The language that is on is marked as the current one.
    expect(page.locator("footer").get_by_role("button", name="简体中文")).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.locator("footer").get_by_role("button", name="English")).not_to_have_attribute(
        "aria-current", "true"
    )

    page.locator("footer").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Garrison")
    assert browser_page.csp_violations == []
    assert browser_page.errors == []


def test_a_logged_in_person_switches_to_chinese_on_a_list_and_stays_on_the_same_filtered_page(
    browser_page: BrowserPage, log_in: Any, owner: Person
) -> None:
    page = browser_page.page
    log_in(owner)
    browser_page.open("/people/?q=own")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation.get_by_role("link", name="People", exact=True)).to_be_visible()

    page.locator("footer").get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(f"{browser_page.base_url}/people/?q=own")
    navigation = page.get_by_role("navigation", name=in_chinese("Main navigation"))
    expect(navigation.get_by_role("link", name=in_chinese("People"), exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(in_chinese("People"))
    expect(page.get_by_label(in_chinese("Search"), exact=True)).to_have_value("own")
    expect(page.locator("#list-results tbody tr")).to_have_count(1)

    browser_page.open("/account/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text(in_chinese("My account"))
    assert browser_page.csp_violations == []
    assert browser_page.errors == []


def test_a_person_who_prefers_chinese_gets_it_at_login_without_choosing_it_in_the_browser(
    browser_page: BrowserPage, log_in: Any, organisation: Organisation, make_person: Any
) -> None:
    lin = make_person("lin", organisation.beijing, language="zh-hans")
    page = browser_page.page
    browser_page.open("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    log_in(lin)
    browser_page.open("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("button", name=in_chinese("Log out"), exact=True)).to_be_visible()
    # A choice made in the browser still wins over the stored preference.
    page.locator("footer").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out", exact=True)).to_be_visible()
    assert browser_page.csp_violations == []
    assert browser_page.errors == []
