"""The register's main path in a real browser: a security officer records an asset, then a
risk against it, asks to accept the risk, and another officer with the authority to accept
approves it; the register, the asset's page and the audit trail show the outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

from playwright.sync_api import expect

from garrison.assets.models import Asset
from garrison.core.roles import Role
from garrison.library.shipped import load_shipped_libraries
from garrison.risks.models import AcceptanceStatus, RiskAcceptance, RiskScenario, Treatment
from tests.browser.conftest import BrowserPage
from tests.conftest import Organisation


def field(page: Any, name: str) -> Any:
    """A form field by its name: the form's interface, whatever its label says."""
    return page.locator(f'form [name="{name}"]')


def test_an_officer_records_an_asset_and_a_risk_and_another_approves_accepting_it(
    browser_page: BrowserPage, log_in: Any, organisation: Organisation, make_person: Any, chromium: Any
) -> None:
    load_shipped_libraries(by=None)
    officer = make_person("officer", organisation.beijing, Role.SECURITY_OFFICER)
    approver = make_person("approver", organisation.beijing, Role.SECURITY_OFFICER)
    page = browser_page.page
    log_in(officer)

    # 1. The asset.
    browser_page.open("/assets/new/")
    field(page, "name").fill("Billing database cluster")
    field(page, "asset_type").select_option("data_set")
    field(page, "owner").fill("officer")
    field(page, "unit").select_option(str(organisation.beijing.pk))
    field(page, "confidentiality").select_option("4")
    field(page, "criticality").select_option("4")
    field(page, "ip_addresses").fill("10.20.0.15\n10.20.0.16")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("h1")).to_contain_text("Billing database cluster")
    asset = Asset.objects.get(name="Billing database cluster")
    assert (asset.classification, asset.effective_criticality) == (4, 4)
    assert asset.reference in page.locator("h1").inner_text()

    # 2. The risk, against that asset.
    browser_page.open("/risks/new/")
    field(page, "title").fill("Ransomware encrypts the billing database")
    field(page, "unit").select_option(str(organisation.beijing.pk))
    field(page, "owner").fill("officer")
    field(page, "assets").fill(asset.reference)
    field(page, "inherent_likelihood").select_option("4")
    field(page, "inherent_impact").select_option("5")
    field(page, "current_likelihood").select_option("3")
    field(page, "current_impact").select_option("5")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("h1")).to_contain_text("Ransomware encrypts the billing database")
    scenario = RiskScenario.objects.get(title="Ransomware encrypts the billing database")
    assert list(scenario.assets.all()) == [asset]
    assert (scenario.inherent_level, scenario.current_level) == (4, 3)
    expect(page.get_by_text("Above appetite, no treatment")).to_be_visible()

    # 3. The officer asks to accept it, and cannot approve their own request.
    until = dt.date.today() + dt.timedelta(days=90)
    field(page, "acceptance-justification").fill("Offline backups are tested weekly; EDR rollout in Q1.")
    field(page, "acceptance-expires_on").fill(until.isoformat())
    page.get_by_role("button", name="Ask to accept this risk").click()

    expect(page.locator("#acceptance")).to_contain_text("asks to accept this risk until")
    expect(page.locator("#acceptance").get_by_role("button", name="Approve")).to_have_count(0)
    [request] = RiskAcceptance.objects.filter(scenario=scenario)
    assert (request.status, request.requested_by) == (AcceptanceStatus.REQUESTED, officer)

    # 4. Another officer with the authority approves it, in a browser of their own.
    context = chromium.new_context(locale="en-GB", timezone_id="Asia/Shanghai")
    log_in(approver, context)
    approver_page = context.new_page()
    approver_page.goto(f"{browser_page.base_url}/risks/{scenario.pk}/")
    approver_page.locator("#acceptance").get_by_role("button", name="Approve").click()

    expect(approver_page.locator("#acceptance")).to_contain_text("approved by Approver")
    request.refresh_from_db()
    scenario.refresh_from_db()
    assert (request.status, request.decided_by, request.expires_on) == (
        AcceptanceStatus.APPROVED,
        approver,
        until,
    )
    assert scenario.treatment == Treatment.ACCEPT

    # 5. The asset's page lists the risk; the scenario's history shows the decision.
    approver_page.goto(f"{browser_page.base_url}/assets/{asset.pk}/")
    expect(approver_page.get_by_role("link", name=scenario.reference, exact=False).first).to_be_visible()
    context.close()
    assert browser_page.errors == []
