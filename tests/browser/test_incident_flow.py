"""The incident path in a real browser: a Security Officer records a leak of 1.2 million
people's personal information; the grading assistant proposes "relatively major" and the
case owes the provincial cyberspace administration an initial report within 4 hours and the
PIPL notices; the officer confirms the grade, records the initial report as sent, works the
case to its review, completes the review and closes the case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from garrison.core.roles import Role
from garrison.incidents.models import Incident, IncidentStatus, ObligationStatus, ReviewStatus
from garrison.library.services import load_library
from tests.browser.conftest import BrowserPage
from tests.conftest import Organisation

SHIPPED_LIBRARY = (
    Path(__file__).resolve().parents[2] / "src" / "garrison" / "incidents" / "data" / "incident-response.yaml"
)


def field(page: Any, name: str) -> Any:
    return page.locator(f'form [name="{name}"]')


def local(moment: dt.datetime) -> str:
    """`moment` as a datetime-local value in the officer's zone (Asia/Shanghai)."""
    return timezone.localtime(moment, dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M")


def test_an_officer_records_a_leak_confirms_its_grade_reports_it_reviews_it_and_closes_it(
    browser_page: BrowserPage, log_in: Any, organisation: Organisation, make_person: Any
) -> None:
    load_library(SHIPPED_LIBRARY, by=None)
    officer = make_person("officer", organisation.root, (Role.SECURITY_OFFICER, organisation.root))
    page = browser_page.page
    log_in(officer)
    discovered = timezone.now() - dt.timedelta(minutes=30)

    # 1. The case: a customer database leaked, 1.2 million people, discovered half an hour ago.
    browser_page.open("/incidents/cases/new/")
    field(page, "title").fill("Customer database exposed")
    field(page, "category").select_option(label="DS Data security incident")
    field(page, "discovered_at").fill(local(discovered))
    field(page, "unit").select_option(str(organisation.beijing.pk))
    field(page, "personal_information_people").fill("1200000")
    field(page, "personal_information_breach").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Customer database exposed")
    incident = Incident.objects.get(title="Customer database exposed")

    # 2. The proposal and the obligations it brings.
    expect(page.locator("#grading")).to_contain_text("Relatively major")
    obligations = page.locator("#obligations")
    expect(
        obligations.locator('[data-obligation="initial:provincial_cyberspace_administration"]')
    ).to_be_visible()
    expect(obligations.locator('[data-obligation="pipl:authority"]')).to_be_visible()
    expect(obligations.locator('[data-obligation="pipl:individuals"]')).to_be_visible()
    initial = incident.obligations.get(code="initial:provincial_cyberspace_administration")
    assert initial.due_at == incident.discovered_at + dt.timedelta(hours=4)

    # 3. The officer confirms the proposed grade.
    page.get_by_role("link", name="Confirm or override the grade").click()
    page.get_by_role("button", name="Record the grade").click()
    expect(page.locator("#grading")).to_contain_text("by Officer")
    incident.refresh_from_db()
    assert incident.grade == "relatively_major"

    # 4. The initial report, sent through the online platform ten minutes ago.
    obligations.locator('[data-obligation="initial:provincial_cyberspace_administration"]').get_by_role(
        "link", name="Record submission"
    ).click()
    field(page, "sent_at").fill(local(timezone.now() - dt.timedelta(minutes=10)))
    field(page, "channel").select_option("online_platform")
    field(page, "receipt").fill("BJ-CAC-2026-0042")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Customer database exposed")
    initial.refresh_from_db()
    receipt = initial.submissions.get().receipt
    assert (initial.status, receipt) == (ObligationStatus.SUBMITTED, "BJ-CAC-2026-0042")

    # 5. Containment, eradication, recovery; handling ends and the review starts.
    for step in ("contain", "eradicate", "recover", "review"):
        page.locator(f'button[data-transition="{step}"]').click()
        expect(page.locator("h1")).to_contain_text("Customer database exposed")
    expect(page.locator("#incident-status")).to_contain_text("Post-incident review")
    # A relatively major case does not offer closing before its review is complete.
    expect(page.locator('button[data-transition="close"]')).to_have_count(0)

    # 6. The review, written and completed.
    # Starting it opens its form.
    page.get_by_role("button", name="Start the review").click()
    field(page, "root_cause").fill("A database snapshot was shared through a public link.")
    field(page, "lessons_learned").fill("Snapshots are shared only inside the tenant.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Complete the review").click()
    expect(page.locator("#review")).to_contain_text("Completed")

    # 7. Now the case closes.
    page.locator('button[data-transition="close"]').click()
    expect(page.locator("#incident-status")).to_contain_text("Closed")
    incident.refresh_from_db()
    assert (incident.status, incident.review.status) == (IncidentStatus.CLOSED, ReviewStatus.COMPLETED)
    assert incident.handling_ended_at is not None
    assert browser_page.errors == []
