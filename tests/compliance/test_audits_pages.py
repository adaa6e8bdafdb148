"""The audit, finding and corrective-action pages: lists, detail pages, forms and steps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from garrison.compliance.models import (
    Audit,
    AuditStatus,
    CorrectiveAction,
    Finding,
    FindingKind,
    FindingStatus,
)
from garrison.compliance.services import audits as services
from tests.compliance import audits_support
from tests.compliance.audits_support import TODAY, failed_test, plan, raise_, reload

pytestmark = pytest.mark.django_db

# The fixtures shared by the audit tests.
audit = audits_support.audit
manager = audits_support.manager
officer = audits_support.officer


def client_for(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_audit_list_shows_audits_and_filters_by_status(
    audit: Any, manager: Any, organisation: Any
) -> None:
    other = services.create_audit(
        by=manager, title="Planned supplier audit", unit=organisation.beijing, lead=manager, starts_on=TODAY()
    )
    page = client_for(manager).get(reverse("compliance:audit-list"), {"status": "planned"})
    assert page.status_code == 200
    assert other.reference in page.content.decode()
    assert audit.reference not in page.content.decode()


def test_the_audit_list_is_empty_for_an_outsider(audit: Any, outsider: Any) -> None:
    page = client_for(outsider).get(reverse("compliance:audit-list"))
    assert page.status_code == 200
    assert audit.reference not in page.content.decode()
    assert "Nothing here yet." in page.content.decode()


def test_the_audit_list_exports_xlsx(audit: Any, manager: Any) -> None:
    response = client_for(manager).get(reverse("compliance:audit-list"), {"export": "xlsx"})
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]


def test_a_manager_plans_an_audit_with_the_form(manager: Any, organisation: Any) -> None:
    response = client_for(manager).post(
        reverse("compliance:audit-add"),
        {
            "title": "Data-center audit",
            "kind": "internal",
            "unit": organisation.beijing.pk,
            "lead": manager.username,
            "starts_on": TODAY().isoformat(),
        },
    )
    created = Audit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("compliance:audit-detail", args=[created.pk])
    assert created.reference.startswith("AUD-")


def test_the_form_names_the_bad_field(manager: Any, organisation: Any) -> None:
    response = client_for(manager).post(
        reverse("compliance:audit-add"),
        {
            "title": "Data-center audit",
            "kind": "internal",
            "unit": organisation.beijing.pk,
            "lead": manager.username,
            "starts_on": TODAY().isoformat(),
            "ends_on": (TODAY() - dt.timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "The audit cannot end before it starts." in response.content.decode()
    assert not Audit.objects.exists()


def test_a_reader_gets_no_audit_form(officer: Any) -> None:
    assert client_for(officer).get(reverse("compliance:audit-add")).status_code == 404


def test_the_audit_page_groups_findings_by_kind_and_shows_history(
    audit: Any, manager: Any, colleague: Any
) -> None:
    major = raise_(audit, manager, colleague, kind=FindingKind.MAJOR, title="Supplier gap")
    plan(major, manager, colleague, days=-1, title="Assess suppliers")
    raise_(audit, manager, colleague, kind=FindingKind.OPPORTUNITY, title="Automate evidence")
    page = client_for(manager).get(reverse("compliance:audit-detail", args=[audit.pk])).content.decode()
    assert "Major nonconformity" in page
    assert "Opportunity for improvement" in page
    assert "Supplier gap" in page
    assert "Assess suppliers" in page
    assert "Overdue" in page
    assert "Start reporting" in page
    assert "History" in page


def test_the_audit_page_names_the_nonconformities_blocking_closure(
    audit: Any, manager: Any, colleague: Any
) -> None:
    major = raise_(audit, manager, colleague, kind=FindingKind.MAJOR)
    services.transition_audit(audit, "report", by=manager)
    page = client_for(manager).get(reverse("compliance:audit-detail", args=[audit.pk])).content.decode()
    assert "It cannot close while these nonconformities have no corrective action" in page
    assert major.reference in page


def test_the_close_button_refuses_with_a_message(audit: Any, manager: Any, colleague: Any) -> None:
    major = raise_(audit, manager, colleague, kind=FindingKind.MAJOR)
    services.transition_audit(audit, "report", by=manager)
    response = client_for(manager).post(
        reverse("compliance:audit-transition", args=[audit.pk, "close"]), follow=True
    )
    assert major.reference in response.content.decode()
    assert reload(audit).status == AuditStatus.REPORTING


def test_a_reader_cannot_take_a_step(audit: Any, officer: Any) -> None:
    response = client_for(officer).post(reverse("compliance:audit-transition", args=[audit.pk, "report"]))
    assert response.status_code == 404
    assert reload(audit).status == AuditStatus.IN_PROGRESS


def test_a_finding_is_raised_from_the_audit_page(audit: Any, manager: Any, colleague: Any) -> None:
    response = client_for(manager).post(
        reverse("compliance:finding-add", args=[audit.pk]),
        {"title": "Gap", "kind": "minor", "owner": colleague.username},
    )
    assert response.status_code == 302
    assert Finding.objects.get().audit == audit


def test_an_outsider_cannot_raise_a_finding(audit: Any, outsider: Any) -> None:
    response = client_for(outsider).post(
        reverse("compliance:finding-add", args=[audit.pk]),
        {"title": "Gap", "kind": "minor", "owner": outsider.username},
    )
    assert response.status_code == 404
    assert not Finding.objects.exists()


def test_the_finding_list_shows_the_control_test_of_a_nonconformity(
    organisation: Any, manager: Any, colleague: Any
) -> None:
    test = failed_test(organisation.beijing, colleague, manager)
    finding = services.open_nonconformity(test, by=manager)
    page = client_for(manager).get(reverse("compliance:finding-list"), {"source": "control_test"})
    assert finding.reference in page.content.decode()
    assert str(test) in page.content.decode()


def test_the_finding_list_filters_overdue(audit: Any, manager: Any, colleague: Any) -> None:
    late = raise_(audit, manager, colleague, title="Late one")
    plan(late, manager, colleague, days=-3)
    on_time = raise_(audit, manager, colleague, title="On time one")
    page = client_for(manager).get(reverse("compliance:finding-list"), {"overdue": "yes"}).content.decode()
    assert late.reference in page
    assert on_time.reference not in page


def test_actions_are_planned_and_completed_from_the_finding_page(
    audit: Any, manager: Any, colleague: Any
) -> None:
    finding = raise_(audit, manager, colleague)
    client = client_for(manager)
    added = client.post(
        reverse("compliance:corrective-action-add", args=[finding.pk]),
        {
            "action-title": "Fix",
            "action-owner": colleague.username,
            "action-due_on": TODAY().isoformat(),
            "action-status": "planned",
        },
    )
    assert added.status_code == 302
    action = CorrectiveAction.objects.get()
    assert reload(finding).status == FindingStatus.ACTION_PLANNED
    edited = client.post(
        reverse("compliance:corrective-action-edit", args=[action.pk]),
        {
            "title": "Fix it well",
            "owner": colleague.username,
            "due_on": TODAY().isoformat(),
            "status": "in_progress",
        },
    )
    assert edited.status_code == 302
    assert reload(action).title == "Fix it well"
    client.post(reverse("compliance:corrective-action-complete", args=[action.pk]))
    assert reload(finding).status == FindingStatus.VERIFYING
    page = client.get(reverse("compliance:finding-detail", args=[finding.pk])).content.decode()
    assert "Record the verification" in page


def test_the_verify_form_closes_or_reopens(audit: Any, manager: Any, colleague: Any) -> None:
    finding = raise_(audit, manager, colleague)
    services.complete_corrective_action(plan(finding, manager, colleague), by=colleague)
    client = client_for(manager)
    client.post(reverse("compliance:finding-verify", args=[finding.pk]), {"verify-effective": "no"})
    assert reload(finding).status == FindingStatus.VERIFYING  # no notes: refused
    client.post(
        reverse("compliance:finding-verify", args=[finding.pk]),
        {"verify-effective": "no", "verify-notes": "Still failing"},
    )
    assert reload(finding).status == FindingStatus.OPEN


def test_the_owner_sees_no_verify_form(audit: Any, manager: Any, colleague: Any) -> None:
    finding = raise_(audit, manager, colleague)
    services.complete_corrective_action(plan(finding, manager, colleague), by=colleague)
    page = client_for(colleague).get(reverse("compliance:finding-detail", args=[finding.pk])).content.decode()
    assert "Record the verification" not in page
    response = client_for(colleague).post(
        reverse("compliance:finding-verify", args=[finding.pk]), {"verify-effective": "yes"}
    )
    assert response.status_code == 302
    assert reload(finding).status == FindingStatus.VERIFYING


def test_an_observation_is_closed_with_a_note(audit: Any, manager: Any, colleague: Any) -> None:
    observation = raise_(audit, manager, colleague, kind=FindingKind.OBSERVATION)
    client_for(manager).post(
        reverse("compliance:finding-close", args=[observation.pk]), {"close-notes": "Fine"}
    )
    assert reload(observation).status == FindingStatus.CLOSED


def test_the_finding_edit_form_records_the_root_cause(audit: Any, manager: Any, colleague: Any) -> None:
    finding = raise_(audit, manager, colleague)
    response = client_for(colleague).post(
        reverse("compliance:finding-edit", args=[finding.pk]),
        {"title": finding.title, "kind": "minor", "owner": colleague.username, "root_cause": "No calendar"},
    )
    assert response.status_code == 302
    assert reload(finding).root_cause == "No calendar"


def test_an_outsider_gets_404_on_a_finding(audit: Any, manager: Any, colleague: Any, outsider: Any) -> None:
    finding = raise_(audit, manager, colleague)
    assert (
        client_for(outsider).get(reverse("compliance:finding-detail", args=[finding.pk])).status_code == 404
    )


def test_an_audit_without_findings_is_deleted(audit: Any, manager: Any) -> None:
    response = client_for(manager).post(
        reverse("compliance:audit-delete", args=[audit.pk]), {"notes": "Mistake"}
    )
    assert response.status_code == 302
    assert not Audit.objects.exists()
