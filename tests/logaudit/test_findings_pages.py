"""The log-audit finding pages: the list with its filters and export, a finding's page with
its rule's author, licence and link, its sample events, triage (on its page and in place on
the report's page) and the one-step "Open incident", and who may see and do what."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from garrison.logaudit.models import AuditFinding, Triage
from tests.logaudit.test_reports_pages import (
    build_audit,
    client_for,
    make_finding,
    make_incident_category,
    make_rule,
)

# The lead's autouse policy fixture reads the database: open it before that runs.
pytestmark = pytest.mark.django_db

LIST = reverse("logaudit:finding-list")


@pytest.fixture
def audit(
    organisation: Any, security_officer: Any, outsider: Any, critical_system: Any, make_asset: Any
) -> Any:
    return build_audit(organisation, security_officer, outsider, critical_system, make_asset)


def listed(page: Any) -> list[int]:
    return sorted(row.object.pk for row in page.context["rows"])


def detail(finding: AuditFinding) -> str:
    return reverse("logaudit:finding-detail", args=[finding.pk])


# The list -----------------------------------------------------------------------------------------


def test_the_list_shows_the_officers_findings_and_each_filter_narrows(
    audit: Any, security_officer: Any
) -> None:
    far = make_finding(audit.far, title="Shanghai sudo")
    old = make_finding(audit.signed, audit.sudo_rule, triage=Triage.EXPECTED, change_ticket="CHG-1")
    client = client_for(security_officer)

    def only(**query: Any) -> list[int]:
        return listed(client.get(LIST, query))

    everything = only()
    assert everything == sorted([audit.sudo.pk, audit.firewall.pk, old.pk])
    assert far.pk not in everything
    assert only(triage="expected") == [old.pk]
    assert only(level="medium") == [audit.firewall.pk]
    assert only(rule=audit.sudo_rule.pk) == sorted([audit.sudo.pk, old.pk])
    assert only(report=audit.report.pk) == sorted([audit.sudo.pk, audit.firewall.pk])
    assert only(source=audit.source.pk) == everything
    assert only(asset=audit.source.asset_id) == everything
    assert only(has_incident="yes") == []
    assert only(has_incident="no") == everything
    assert only(period_before="2025-03-02") == [old.pk]
    assert only(q="CHG-1") == [old.pk]
    assert only(q="Firewall") == [audit.firewall.pk]
    # A report out of reach is refused like a missing one, and shows nothing of it.
    refused = client.get(LIST, {"report": audit.far.pk})
    assert "report" in refused.context["filterset"].errors
    assert far.pk not in listed(refused)


def test_the_list_exports_the_rule_author_with_each_finding(audit: Any, security_officer: Any) -> None:
    response = client_for(security_officer).get(LIST, {"export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "Florian Roth (Nextron Systems)" in text
    assert "Sudo to root" in text
    assert "root, deploy" in text


def test_the_list_reads_a_page_in_a_fixed_number_of_queries(
    audit: Any, security_officer: Any, django_assert_max_num_queries: Any
) -> None:
    for _number in range(10):
        make_finding(audit.report)
    client = client_for(security_officer)
    client.get(LIST)
    with django_assert_max_num_queries(16):
        page = client.get(LIST)
    assert len(listed(page)) == 12


@pytest.mark.parametrize("who", ["outsider", "colleague"])
def test_people_outside_beijing_log_audit_see_none_of_its_findings(
    audit: Any, who: str, request: Any
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert audit.sudo.pk not in listed(client.get(LIST))
    assert client.get(detail(audit.sudo)).status_code == 404
    for name in ("finding-triage", "finding-incident"):
        response = client.post(
            reverse(f"logaudit:{name}", args=[audit.sudo.pk]), {"triage": "false_positive"}
        )
        assert response.status_code == 404
    audit.sudo.refresh_from_db()
    assert audit.sudo.triage == Triage.UNTRIAGED


# A finding's page ---------------------------------------------------------------------------------


def test_a_findings_page_names_the_rule_author_licence_and_link_and_shows_samples(
    audit: Any, security_officer: Any
) -> None:
    response = client_for(security_officer).get(detail(audit.sudo))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Florian Roth (Nextron Systems)" in html
    assert "DRL 1.1" in html
    assert "https://example.org/rules/sudo" in html
    assert reverse("logaudit:rule-detail", args=[audit.sudo_rule.pk]) in html
    assert "Batch 1, line 17" in html
    assert 'data-level="high">High</span>' in html  # the level in the reader's words
    assert "&quot;exe&quot;: &quot;/usr/bin/sudo&quot;" in html
    assert "deploy" in html
    assert response.context["triage_form"] is not None
    assert response.context["may_open_incident"] is True


def test_a_rule_without_an_author_says_so(audit: Any, security_officer: Any) -> None:
    finding = make_finding(audit.report, make_rule(title="Home-made", author=""))
    html = client_for(security_officer).get(detail(finding)).content.decode()
    assert "The rule names no author." in html


def test_the_auditor_reads_a_finding_but_cannot_triage_or_open_an_incident(audit: Any, auditor: Any) -> None:
    client = client_for(auditor)
    response = client.get(detail(audit.sudo))
    assert response.status_code == 200
    assert response.context["triage_form"] is None
    assert response.context["may_open_incident"] is False
    assert "Florian Roth (Nextron Systems)" in response.content.decode()
    triage = client.post(
        reverse("logaudit:finding-triage", args=[audit.sudo.pk]), {"triage": "false_positive"}
    )
    assert triage.status_code == 404
    assert client.post(reverse("logaudit:finding-incident", args=[audit.sudo.pk])).status_code == 404
    audit.sudo.refresh_from_db()
    assert audit.sudo.triage == Triage.UNTRIAGED
    assert audit.sudo.incident_id is None


def test_a_finding_of_a_signed_report_is_not_triaged_again(audit: Any, security_officer: Any) -> None:
    old = make_finding(audit.signed, triage=Triage.FALSE_POSITIVE)
    response = client_for(security_officer).get(detail(old))
    assert response.context["triage_form"] is None
    assert response.context["may_open_incident"] is False


# Triage (through the service) ---------------------------------------------------------------------


def test_triage_on_the_findings_page_records_the_decision(audit: Any, security_officer: Any) -> None:
    response = client_for(security_officer).post(
        reverse("logaudit:finding-triage", args=[audit.sudo.pk]),
        {"triage": "expected", "change_ticket": "CHG-2025-031", "note": "Patch window"},
    )
    assert response.status_code == 302
    assert response["Location"] == detail(audit.sudo)
    audit.sudo.refresh_from_db()
    assert audit.sudo.triage == Triage.EXPECTED
    assert audit.sudo.change_ticket == "CHG-2025-031"
    assert audit.sudo.triage_note == "Patch window"
    assert audit.sudo.triaged_by == security_officer


def test_an_expected_operation_needs_its_change_ticket(audit: Any, security_officer: Any) -> None:
    response = client_for(security_officer).post(
        reverse("logaudit:finding-triage", args=[audit.sudo.pk]), {"triage": "expected", "change_ticket": " "}
    )
    assert response.status_code == 400
    assert "change_ticket" in response.context["form"].errors
    audit.sudo.refresh_from_db()
    assert audit.sudo.triage == Triage.UNTRIAGED


def test_triage_from_the_reports_table_comes_back_to_the_report(audit: Any, security_officer: Any) -> None:
    response = client_for(security_officer).post(
        reverse("logaudit:finding-triage", args=[audit.firewall.pk]),
        {"triage": "false_positive", "from": "report"},
    )
    assert response.status_code == 302
    expected = reverse("logaudit:report-detail", args=[audit.report.pk]) + f"#finding-{audit.firewall.pk}"
    assert response["Location"] == expected


def test_htmx_triage_answers_with_the_findings_new_row(audit: Any, security_officer: Any) -> None:
    response = client_for(security_officer).post(
        reverse("logaudit:finding-triage", args=[audit.firewall.pk]),
        {"triage": "true_positive", "from": "report"},
        headers={"HX-Request": "true", "HX-Target": f"finding-{audit.firewall.pk}"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith("<tr")
    assert 'data-triage="true_positive"' in html
    assert "<html" not in html


def test_htmx_triage_with_an_error_keeps_the_row_and_shows_it(audit: Any, security_officer: Any) -> None:
    response = client_for(security_officer).post(
        reverse("logaudit:finding-triage", args=[audit.firewall.pk]),
        {"triage": "expected", "from": "report"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Name the change ticket" in response.content.decode()
    audit.firewall.refresh_from_db()
    assert audit.firewall.triage == Triage.UNTRIAGED


# Open incident (through the service) --------------------------------------------------------------


def test_open_incident_is_one_step_and_lands_on_the_incident(audit: Any, security_officer: Any) -> None:
    make_incident_category()
    client = client_for(security_officer)
    response = client.post(reverse("logaudit:finding-incident", args=[audit.sudo.pk]))
    audit.sudo.refresh_from_db()
    assert audit.sudo.incident is not None
    assert audit.sudo.triage == Triage.TRUE_POSITIVE
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:incident-detail", args=[audit.sudo.incident.pk])
    page = client.get(detail(audit.sudo))
    assert page.context["may_open_incident"] is False
    assert audit.sudo.incident.reference in page.content.decode()


def test_open_incident_takes_only_post(audit: Any, security_officer: Any) -> None:
    response = client_for(security_officer).get(reverse("logaudit:finding-incident", args=[audit.sudo.pk]))
    assert response.status_code == 405
    assert AuditFinding.objects.get(pk=audit.sudo.pk).incident_id is None


def test_anonymous_visitors_are_sent_to_log_in(audit: Any) -> None:
    response = Client().get(detail(audit.sudo))
    assert response.status_code == 302
    assert "login" in response["Location"]
