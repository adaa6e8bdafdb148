"""The generic list pattern on the people list, in a real browser: search, filter, sort and
paginate with HTMX swapping the table in place (and the same with JavaScript off), the
empty state, CSV/XLSX export of the filtered rows, and the detail/edit pattern behind it."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from playwright.sync_api import expect

from garrison.core.audit import history_of
from garrison.core.models import AuditEvent, Person
from garrison.core.models.audit import AuditAction
from tests.browser.conftest import BrowserPage
from tests.conftest import Organisation

TECHNICIANS = [f"Tech-{number:02d}" for number in range(1, 31)]
# Everyone the owner (administrator of Beijing) sees, in the list's default order (by name).
EVERYONE = ["Colleague", "Engineer-Ada", "Engineer-Bob", "Leave-Carol", "Owner", *TECHNICIANS]


@pytest.fixture
def staff(organisation: Organisation, make_person: Any, owner: Person, colleague: Person) -> None:
    for name in TECHNICIANS:
        make_person(name.lower(), organisation.beijing_ops, job_title="Technician")
    make_person("engineer-ada", organisation.beijing_ops, job_title="Network engineer")
    make_person("engineer-bob", organisation.beijing, job_title="Network engineer")
    make_person("leave-carol", organisation.beijing_ops, job_title="Auditor", employment_status="on_leave")
    # Out of the owner's reach: must never show up in their list or export.
    make_person("engineer-sam", organisation.shanghai, job_title="Network engineer")


def names(page: Any) -> list[str]:
    return page.locator("#list-results tbody tr td:first-child").all_inner_texts()


def query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def result_count(page: Any) -> Any:
    return page.locator("#list-results [aria-live=polite]")


def test_searching_sorting_and_paging_the_people_list_swap_the_table_in_place_and_update_the_address(
    browser_page: BrowserPage, log_in: Any, owner: Person, staff: None
) -> None:
    page = browser_page.page
    log_in(owner)
    browser_page.open("/people/")
    expect(result_count(page)).to_have_text("35 results")
    assert names(page) == EVERYONE[:25]
    # Survives only as long as the page is not reloaded: proves HTMX swapped the table.
    page.evaluate("() => { window.garrisonTestMarker = 'kept'; }")

    swaps: list[str] = []
    page.on(
        "request", lambda request: swaps.append(request.url) if request.headers.get("hx-request") else None
    )
    page.get_by_label("Search").fill("engineer")
    page.get_by_label("Search").press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=engineer(&|$)"))
    expect(result_count(page)).to_have_text("2 results")
    assert names(page) == ["Engineer-Ada", "Engineer-Bob"]
    # Enter asks once: a second answer arriving late could overwrite what the next click shows.
    assert len(swaps) == 1

    page.get_by_role("link", name="Name", exact=True).click()
    expect(page.locator("th[aria-sort=ascending]")).to_have_text(re.compile("Name"))
    page.get_by_role("link", name=re.compile(r"^Name")).click()
    expect(page.locator("th[aria-sort=descending]")).to_have_text(re.compile("Name"))
    expect(page.locator("#list-results tbody tr td:first-child")).to_have_text(
        ["Engineer-Bob", "Engineer-Ada"]
    )
    assert query(page)["sort"] == ["-full_name"]
    assert query(page)["q"] == ["engineer"]

    # A filter that matches nobody: the empty state names the cause and offers a way out.
    page.get_by_label("Status").select_option(label="On leave")
    expect(page.get_by_text("No people match these filters.")).to_be_visible()
    assert query(page)["employment_status"] == ["on_leave"]
    assert query(page)["sort"] == ["-full_name"]
    assert page.evaluate("() => window.garrisonTestMarker") == "kept"

    page.locator("#list-results").get_by_role("link", name="Clear filters").click()
    expect(page).to_have_url(f"{browser_page.base_url}/people/")
    expect(result_count(page)).to_have_text("35 results")
    assert page.get_by_label("Search").input_value() == ""

    page.evaluate("() => { window.garrisonTestMarker = 'kept'; }")
    page.locator("#list-results a[rel=next]").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    assert query(page)["page"] == ["2"]
    assert names(page) == EVERYONE[25:]
    page.locator("#list-results a[rel=prev]").click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    assert names(page) == EVERYONE[:25]
    assert page.evaluate("() => window.garrisonTestMarker") == "kept"

    # The browser's back button restores the earlier state of the list.
    page.go_back()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    assert names(page) == EVERYONE[25:]
    assert browser_page.csp_violations == []
    assert browser_page.errors == []


def test_the_people_list_filters_sorts_and_pages_with_javascript_switched_off(
    chromium: Any, live_server: Any, log_in: Any, owner: Person, staff: None
) -> None:
    context = chromium.new_context(locale="en-GB", timezone_id="Asia/Shanghai", java_script_enabled=False)
    console: list[str] = []
    try:
        log_in(owner, context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.goto(f"{live_server.url}/people/")
        expect(result_count(page)).to_have_text("35 results")

        page.get_by_label("Search").fill("tech-0")
        page.get_by_role("button", name="Apply").click()
        expect(page).to_have_url(re.compile(r"[?&]q=tech-0(&|$)"))
        expect(result_count(page)).to_have_text("9 results")
        assert names(page) == TECHNICIANS[:9]

        page.get_by_role("link", name="Name", exact=True).click()
        page.get_by_role("link", name=re.compile(r"^Name")).click()
        expect(page.locator("th[aria-sort=descending]")).to_have_text(re.compile("Name"))
        assert names(page) == TECHNICIANS[:9][::-1]
        # The full reload keeps the form in step: the search box still holds the text.
        assert page.get_by_label("Search").input_value() == "tech-0"

        page.get_by_label("Search").fill("")
        page.get_by_label("Status").select_option(label="On leave")
        page.get_by_role("button", name="Apply").click()
        expect(result_count(page)).to_have_text("1 result")
        assert names(page) == ["Leave-Carol"]

        page.goto(f"{live_server.url}/people/")
        page.get_by_role("link", name="Last »").click()
        expect(page.get_by_text("Page 2 of 2")).to_be_visible()
        assert names(page) == EVERYONE[25:]
    finally:
        context.close()
    assert [message for message in console if message.startswith("error:")] == []


def test_exporting_the_filtered_people_list_downloads_exactly_the_filtered_rows(
    browser_page: BrowserPage, log_in: Any, owner: Person, staff: None
) -> None:
    page = browser_page.page
    log_in(owner)
    browser_page.open("/people/")
    page.get_by_label("Search").fill("engineer")
    page.get_by_label("Search").press("Enter")
    expect(result_count(page)).to_have_text("2 results")

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = csv_download.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["Name", "Username", "Unit", "Job title"]
    assert sorted(row[1] for row in rows[1:]) == ["engineer-ada", "engineer-bob"]
    assert {row[3] for row in rows[1:]} == {"Network engineer"}

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="XLSX", exact=True).click()
    with open(xlsx_download.value.path(), "rb") as handle:
        sheet = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True).active
    assert sheet is not None
    usernames = sorted(str(row[1]) for row in list(sheet.iter_rows(values_only=True))[1:])
    assert usernames == ["engineer-ada", "engineer-bob"]

    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT, actor=owner).order_by("sequence")
    assert [(event.changes["format"], event.changes["rows"]) for event in exports] == [
        ("csv", 2),
        ("xlsx", 2),
    ]
    assert exports[0].changes["filters"]["q"] == "engineer"
    assert browser_page.csp_violations == []
    assert browser_page.errors == []


def test_editing_a_job_title_from_the_person_page_shows_the_change_and_its_reason_in_the_history(
    browser_page: BrowserPage, log_in: Any, owner: Person, staff: None
) -> None:
    page = browser_page.page
    ada = Person.objects.get(username="engineer-ada")
    log_in(owner)
    browser_page.open("/people/?q=ada")
    page.get_by_role("link", name="Engineer-Ada").click()
    expect(page).to_have_url(f"{browser_page.base_url}/people/{ada.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Engineer-Ada")
    page.get_by_role("link", name="Edit", exact=True).click()

    # Bad input first: the form answers with the field's error and nothing changes.
    page.locator("#id_manager").fill("no-such-person")
    page.locator("#id_job_title").fill("Principal network engineer")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_manager_error_1")).to_be_visible()
    expect(page).to_have_url(f"{browser_page.base_url}/people/{ada.pk}/edit/")
    assert Person.objects.get(pk=ada.pk).job_title == "Network engineer"

    page.locator("#id_manager").fill("")
    page.locator("#id_reason").fill("Promoted after the annual review")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{browser_page.base_url}/people/{ada.pk}/")
    expect(page.get_by_role("alert")).to_have_text("Saved.")
    details = page.locator("dl.detail-fields")
    expect(details.locator("dt", has_text="Job title").locator("+ dd")).to_have_text(
        "Principal network engineer"
    )

    latest = page.locator("#history li").first
    expect(latest).to_contain_text("Updated")
    expect(latest).to_contain_text("by Owner")
    change = latest.locator("table.history-changes tbody tr", has_text="Job title")
    expect(change.locator("td")).to_have_text(["Network engineer", "→", "Principal network engineer"])
    expect(latest).to_contain_text("Reason: Promoted after the annual review")
    event = history_of(ada).first()
    assert event is not None
    assert event.reason == "Promoted after the annual review"
    assert browser_page.csp_violations == []
    # The refused form answered 400, which the browser reports; nothing else went wrong.
    assert browser_page.errors == [
        "error: Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
