"""The vulnerability path in a real browser: a Security Officer uploads a Nessus scan of the
Beijing data-center servers, watches the import finish, and finds its findings in the
list with their SLA clocks; opening one shows the host it was found on, which the import
added to the inventory for review."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from garrison.core.roles import Role
from garrison.vulns.models import Finding, ScanImport
from tests.browser.conftest import BrowserPage
from tests.conftest import Organisation
from tests.vulns.conftest import SAMPLES, restore_default_policy

NESSUS_SAMPLE = SAMPLES / "nessus" / "nessus_many_vuln.xml"


def field(page: Any, name: str) -> Any:
    return page.locator(f'form [name="{name}"]')


def test_an_officer_uploads_a_nessus_scan_and_sees_its_findings(
    browser_page: BrowserPage, log_in: Any, organisation: Organisation, make_person: Any
) -> None:
    restore_default_policy()
    officer = make_person("officer", organisation.beijing, (Role.SECURITY_OFFICER, organisation.beijing))
    page = browser_page.page
    log_in(officer)

    browser_page.open("/vulns/imports/new/")
    field(page, "file").set_input_files(str(NESSUS_SAMPLE))
    field(page, "scan_scope").fill("DC1 monthly")
    field(page, "unit").select_option(str(organisation.beijing.pk))
    page.get_by_role("button", name="Import").click()

    scan_import = ScanImport.objects.get()
    expect(page.locator("h1")).to_contain_text(scan_import.reference)
    progress = page.locator("#import-progress")
    expect(progress).to_contain_text("Imported", timeout=20_000)
    expect(progress).to_contain_text("7")
    assert Finding.objects.count() == 7

    browser_page.open("/vulns/findings/?status=open")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(7)
    most_severe = Finding.objects.order_by("-severity", "pk").first()
    assert most_severe is not None
    expect(page.locator("table")).to_contain_text(most_severe.title)

    page.get_by_role("link", name=most_severe.reference).click()
    expect(page.locator("h1")).to_contain_text(most_severe.title)
    assert most_severe.asset is not None
    expect(page.locator("main")).to_contain_text(most_severe.asset.reference)
    assert not browser_page.errors
