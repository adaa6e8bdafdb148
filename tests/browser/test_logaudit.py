"""The weekly log audit in a real browser: a Security Officer finds the billing database's
report among those awaiting their sign-off, triages its finding in place as an expected
operation with its change ticket, signs the report and sees it signed."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from garrison.assets.models import Asset, AssetType
from garrison.core.roles import Role
from garrison.logaudit.models import AuditReport, ReportStatus, Triage
from tests.browser.conftest import BrowserPage
from tests.conftest import Organisation
from tests.logaudit.conftest import restore_default_policy
from tests.logaudit.test_reports_pages import make_finding, make_report, make_rule, make_source


def field(page: Any, name: str) -> Any:
    return page.locator(f'form [name="{name}"]')


def test_an_officer_triages_a_finding_and_signs_the_weekly_report(
    browser_page: BrowserPage, log_in: Any, organisation: Organisation, make_person: Any
) -> None:
    restore_default_policy()
    officer = make_person("officer", organisation.beijing, (Role.SECURITY_OFFICER, organisation.beijing))
    billing = Asset.objects.create(
        reference="AST-BROWSER1",
        name="billing-db",
        asset_type=AssetType.SERVER,
        owner=officer,
        unit=organisation.beijing,
        is_critical_system=True,
    )
    source = make_source(billing, officer, reviewer=officer)
    report = make_report(source)
    finding = make_finding(report, make_rule(title="Sudo to root", author="Florian Roth (Nextron Systems)"))
    page = browser_page.page
    log_in(officer)

    browser_page.open("/logaudit/reports/?awaiting_me=yes")
    page.get_by_role("link", name=report.reference).click()
    expect(page.locator("h1")).to_contain_text(report.reference)
    expect(page.locator("#findings")).to_contain_text("Florian Roth (Nextron Systems)")

    row = page.locator(f"#finding-{finding.pk}")
    row.locator('[name="triage"]').select_option("expected")
    row.locator('[name="change_ticket"]').fill("CHG-2025-0117")
    row.locator('[name="note"]').fill("Planned maintenance by the DBA team")
    row.get_by_role("button", name="Save triage").click()
    expect(page.locator(f'#finding-{finding.pk}[data-triage="expected"]')).to_contain_text("CHG-2025-0117")

    page.locator('#sign-off [name="note"]').fill("Week reviewed; the one finding was a planned change.")
    page.get_by_role("button", name="Sign the report").click()

    expect(page.locator("main")).to_contain_text(f"The report {report.reference} is signed.")
    expect(page.locator('[data-status="signed"]').first).to_be_visible()
    expect(page.locator("#sign-off")).to_have_count(0)
    signed = AuditReport.objects.get(pk=report.pk)
    assert signed.status == ReportStatus.SIGNED
    assert signed.signed_by == officer
    assert signed.findings.get().triage == Triage.EXPECTED
    assert not browser_page.errors
