"""The supplier path in a real browser: a Procurement Officer of the Beijing site registers a
supplier with its business licence and walks it through standard access, all five stages;
another officer over the Group approves, and the supplier is qualified. A poor delivery
record downgrades it to rectifying (proposed by the buyer, approved by the other officer);
a rectification plan is worked and completed, which proposes the return to qualified, and
the other officer approves it. Then the buyer drafts a request for quotation: a blacklisted
supplier is refused an invitation (and the refusal is in the audit trail), the qualified
one is invited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect
from stdnum.cn import uscc

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Role
from garrison.core.scheduling import organisation_today
from garrison.suppliers.models import (
    AccessApplication,
    ApplicationStatus,
    Invitation,
    PlanStatus,
    Region,
    SourcingEvent,
    StatusChange,
    StatusChangeSource,
    StatusChangeState,
    Supplier,
    SupplierStatus,
)
from tests.browser.conftest import BrowserPage
from tests.conftest import Organisation
from tests.suppliers.conftest import restore_default_configuration

STAGES = (
    ("qualification_review", "Qualification review"),
    ("on_site_inspection", "On-site inspection"),
    ("internal_assessment", "Internal assessment and testing"),
    ("shortlist_announcement", "Shortlist announcement"),
    ("final_selection", "Final selection"),
)
SUPPLIER_NAME = "北京长城数据服务有限公司"
BLACKLISTED_NAME = "深圳黑石电子有限公司"


def field(page: Any, name: str) -> Any:
    """A form field by its name: the form's interface, whatever its label says."""
    return page.locator(f'form [name="{name}"]')


def credit_code() -> str:
    """A valid unified social credit code (its check digit computed, not made up)."""
    body = "91110105MA01ABCD0"
    return body + uscc.calc_check_digit(body)


def record_passed(page: Any, stage: str, notes: str) -> None:
    """Record the current stage of the application on the page as passed."""
    expect(page.locator(f'li[data-stage="{stage}"]')).to_have_attribute("data-state", "current")
    page.locator('form [name="outcome"][value="passed"]').check()
    field(page, "notes").fill(notes)
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.locator(f'li[data-stage="{stage}"]')).to_contain_text("decided by Buyer")


def test_a_supplier_is_qualified_downgraded_and_restored_and_a_blacklisted_one_is_not_invited(
    browser_page: BrowserPage, log_in: Any, organisation: Organisation, make_person: Any, chromium: Any
) -> None:
    # An earlier browser test's flush removed what the migrations seeded (access paths …).
    restore_default_configuration()
    buyer = make_person("buyer", organisation.beijing, (Role.PROCUREMENT_OFFICER, organisation.beijing))
    approver = make_person("approver", organisation.root, (Role.PROCUREMENT_OFFICER, organisation.root))
    page = browser_page.page
    log_in(buyer)
    today = organisation_today()

    # The approver works in a browser of their own; their console is watched too.
    approver_context = chromium.new_context(locale="en-GB", timezone_id="Asia/Shanghai")
    log_in(approver, approver_context)
    other = approver_context.new_page()
    other.set_default_timeout(10_000)
    other.on("console", lambda message: browser_page.console.append(f"{message.type}: {message.text}"))
    other.on("pageerror", lambda error: browser_page.console.append(f"pageerror: {error}"))

    # 1. The buyer registers the supplier.
    browser_page.open("/suppliers/new/")
    field(page, "name").fill(SUPPLIER_NAME)
    field(page, "name_en").fill("Beijing Great Wall Data Services Co., Ltd.")
    field(page, "credit_code").fill(credit_code())
    field(page, "unit").select_option(str(organisation.beijing.pk))
    field(page, "services").fill("Data centre hosting and managed backup.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text(SUPPLIER_NAME)
    supplier = Supplier.objects.get(name=SUPPLIER_NAME)
    assert (supplier.status, supplier.credit_code, supplier.manager) == (
        SupplierStatus.PROSPECTIVE,
        credit_code(),
        buyer,
    )
    expect(page.locator("#supplier-status")).to_have_text("Prospective")

    # 2. Its business licence, valid for two more years (required for final selection).
    page.locator("#documents").get_by_role("link", name="Add a document").click()
    field(page, "kind").select_option("business_licence")
    field(page, "number").fill(supplier.credit_code)
    field(page, "issuer").fill("Beijing Administration for Market Regulation")
    field(page, "issued_on").fill((today - dt.timedelta(days=365)).isoformat())
    field(page, "expires_on").fill((today + dt.timedelta(days=730)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#documents")).to_contain_text("Business licence")

    # 3. Standard access, started from the supplier's page.
    page.locator("#access").get_by_role("link", name="Start access").click()
    expect(field(page, "supplier")).to_have_value(supplier.reference)
    field(page, "path").select_option("standard")
    field(page, "contract_value_cny").fill("800000")
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.locator("#application-status")).to_have_text("Qualification review")
    application = AccessApplication.objects.get(supplier=supplier)
    assert (application.path, application.requested_by) == ("standard", buyer)

    # 4. Each stage recorded passed, moving on between them.
    record_passed(page, "qualification_review", "Licence, tax and social insurance records checked.")
    page.get_by_role("button", name="Move on to On-site inspection").click()
    expect(page.locator("#application-status")).to_have_text("On-site inspection")
    record_passed(page, "on_site_inspection", "Visited the Yizhuang data centre; access control sound.")
    page.get_by_role("button", name="Move on to Internal assessment and testing").click()
    expect(page.locator("#application-status")).to_have_text("Internal assessment and testing")
    record_passed(page, "internal_assessment", "Restore test of 2 TB completed within the agreed time.")

    # The shortlist is announced with the shortest publicity period the form allows (one day).
    page.get_by_role("link", name="Announce the shortlist").click()
    field(page, "publicity_days").fill("1")
    page.get_by_role("button", name="Announce", exact=True).click()
    expect(page.locator("#application-status")).to_have_text("Shortlist announcement")
    expect(page.locator("#objections")).to_contain_text("No objections lodged.")
    # A publicity period lasts at least a day and the test does not wait a day: the period
    # is moved into the past, as if the day had gone by without objections.
    application.refresh_from_db()
    assert application.publicity_ends_at is not None
    AccessApplication.objects.filter(pk=application.pk).update(
        publicity_starts_at=timezone.now() - dt.timedelta(days=1, minutes=5),
        publicity_ends_at=timezone.now() - dt.timedelta(minutes=5),
    )
    page.reload()
    record_passed(page, "shortlist_announcement", "Announced on the procurement portal; no objection.")
    page.get_by_role("button", name="Move on to Final selection").click()
    expect(page.locator("#application-status")).to_have_text("Final selection")
    record_passed(page, "final_selection", "Selected by the procurement committee.")

    # The buyer requested standard access, so someone else must approve it.
    expect(page.locator("#blockers")).to_contain_text("someone else must approve standard access")
    expect(page.get_by_role("link", name="Approve access")).to_have_count(0)

    # 5. The officer over the Group approves.
    other.goto(f"{browser_page.base_url}/suppliers/access/{application.pk}/")
    other.get_by_role("link", name="Approve access").click()
    expect(other.locator("h1")).to_contain_text(application.reference)
    other.get_by_role("button", name="Approve access").click()
    expect(other.locator("#application-status")).to_have_text("Approved")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.stage_records.filter(outcome="passed").count() == len(STAGES)

    browser_page.open(f"/suppliers/{supplier.pk}/")
    expect(page.locator("#supplier-status")).to_have_text("Qualified")
    expect(page.locator("#access")).to_contain_text("Standard access")
    supplier.refresh_from_db()
    assert (supplier.status, supplier.access_path) == (SupplierStatus.QUALIFIED, "standard")
    assert supplier.qualified_at is not None

    # 6. Late deliveries: the buyer proposes rectifying, the other officer approves.
    page.locator("#classification").get_by_role("link", name="Propose a new status").click()
    field(page, "to_status").select_option("rectifying")
    field(page, "reason").fill("Three late deliveries this quarter; backup reports missing in May.")
    page.get_by_role("button", name="Propose", exact=True).click()
    expect(page.locator("#classification")).to_contain_text("Awaiting approval")
    # The proposer is not offered the decision.
    expect(page.locator("#classification").get_by_role("button", name="Approve", exact=True)).to_have_count(0)

    other.goto(f"{browser_page.base_url}/suppliers/{supplier.pk}/")
    panel = other.locator("#classification")
    panel.locator('[name="note"]').fill("Agreed: a plan with the supplier within a month.")
    panel.get_by_role("button", name="Approve", exact=True).click()
    expect(other.locator("#supplier-status")).to_have_text("Rectifying")
    supplier.refresh_from_db()
    assert supplier.status == SupplierStatus.RECTIFYING
    downgrade = StatusChange.objects.get(supplier=supplier, to_status=SupplierStatus.RECTIFYING)
    assert (downgrade.state, downgrade.proposed_by, downgrade.decided_by) == (
        StatusChangeState.APPROVED,
        buyer,
        approver,
    )

    # 7. The way back: a plan with one action, the action done, the plan completed.
    browser_page.open(f"/suppliers/{supplier.pk}/")
    expect(page.locator("#supplier-status")).to_have_text("Rectifying")
    page.locator("#classification").get_by_role("link", name="New rectification plan").click()
    field(page, "title").fill("Delivery and backup reporting")
    field(page, "description").fill("Deliver on the agreed dates and send the monthly backup report.")
    field(page, "due_on").fill((today + dt.timedelta(days=30)).isoformat())
    expect(field(page, "owner")).to_have_value("buyer")
    field(page, "actions").fill(f"{(today + dt.timedelta(days=14)).isoformat()} Send the May backup report")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Delivery and backup reporting")
    actions = page.locator("#actions")
    expect(actions).to_contain_text("Send the May backup report")

    actions.get_by_role("link", name="Mark done").click()
    field(page, "note").fill("Report received and checked on site.")
    page.get_by_role("button", name="Mark done").click()
    expect(actions).to_contain_text("Report received and checked on site.")
    expect(actions.get_by_role("link", name="Mark done")).to_have_count(0)

    page.get_by_role("button", name="Complete the plan").click()
    expect(page.get_by_text("the return to qualified is proposed")).to_be_visible()
    plan = supplier.rectification_plans.get()
    assert plan.status == PlanStatus.COMPLETED
    # Completing the plan proposed the return in the completer's name.
    comeback = StatusChange.objects.get(supplier=supplier, state=StatusChangeState.PROPOSED)
    assert (comeback.to_status, comeback.source, comeback.proposed_by) == (
        SupplierStatus.QUALIFIED,
        StatusChangeSource.RECTIFICATION,
        buyer,
    )

    other.goto(f"{browser_page.base_url}/suppliers/{supplier.pk}/")
    panel = other.locator("#classification")
    expect(panel).to_contain_text("Rectification plan “Delivery and backup reporting” completed.")
    panel.get_by_role("button", name="Approve", exact=True).click()
    expect(other.locator("#supplier-status")).to_have_text("Qualified")
    supplier.refresh_from_db()
    assert supplier.status == SupplierStatus.QUALIFIED
    approver_context.close()

    # 8. A request for quotation: the blacklisted supplier is refused, the qualified one invited.
    blacklisted = Supplier.objects.create(
        reference="SUP-B00001",
        name=BLACKLISTED_NAME,
        name_en="Shenzhen Black Rock Electronics Co., Ltd.",
        normalised_name="shenzhen black rock electronics",
        country="CN",
        region=Region.MAINLAND,
        status=SupplierStatus.BLACKLISTED,
        status_since=timezone.now(),
        unit=organisation.beijing,
        manager=buyer,
    )
    browser_page.open("/suppliers/sourcing/new/")
    field(page, "title").fill("Backup storage expansion 2026")
    field(page, "kind").select_option("rfq")
    field(page, "unit").select_option(str(organisation.beijing.pk))
    field(page, "estimated_value_cny").fill("350000")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Backup storage expansion 2026")
    event = SourcingEvent.objects.get(title="Backup storage expansion 2026")
    assert (event.kind, event.buyer) == ("rfq", buyer)

    page.locator("#invitations").get_by_role("link", name="Invite a supplier").click()
    field(page, "supplier").fill(blacklisted.reference)
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.locator(".invalid-feedback")).to_contain_text(
        f"{BLACKLISTED_NAME} is blacklisted and may not be invited to sourcing."
    )
    assert not Invitation.objects.filter(event=event).exists()
    [refusal] = audit.history_of(event).filter(action=AuditAction.REFUSED)
    assert refusal.actor_id == buyer.pk
    assert "may not be invited to sourcing" in refusal.reason

    field(page, "supplier").fill(supplier.reference)
    page.get_by_role("button", name="Invite", exact=True).click()
    invitations = page.locator("#invitations")
    expect(invitations).to_contain_text(SUPPLIER_NAME)
    expect(invitations).not_to_contain_text(BLACKLISTED_NAME)
    assert [invitation.supplier for invitation in Invitation.objects.filter(event=event)] == [supplier]

    assert browser_page.csp_violations == []
    # The refused invitation answers 400 (a form with errors), which Chromium reports as a
    # failed load; nothing else went wrong.
    assert browser_page.errors == [
        "error: Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
