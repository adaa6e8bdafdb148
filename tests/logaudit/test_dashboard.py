"""The log-audit dashboard: its figures on known data (reports awaiting sign-off, escalated,
untriaged findings, recent true positives, matches by level, top rules, silent sources,
latest reports), limited to what each person sees, in a bounded number of queries; the
page with its empty state, the API and the home tiles."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from garrison.assets.models import Asset
from garrison.core.models import Person
from garrison.logaudit.dashboard import logaudit_tiles
from garrison.logaudit.models import (
    AuditFinding,
    AuditReport,
    DetectionRule,
    LogBatch,
    LogSource,
    ReportStatus,
    Triage,
)
from garrison.logaudit.services.dashboard import logaudit_figures
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

PAGE = "/logaudit/"
URL = "/api/logaudit/dashboard/"
_numbers = itertools.count(1)
DAY = dt.timedelta(days=1)


def make_source(asset: Asset, owner: Person, *, received_days_ago: int | None = None) -> LogSource:
    number = next(_numbers)
    source = LogSource.objects.create(
        reference=f"LS-T{number:04d}", name=f"auditd {number}", asset=asset, log_format="auditd", owner=owner
    )
    if received_days_ago is not None:
        LogBatch.objects.create(
            source=source,
            sequence=0,
            filename="audit.log",
            sha256="0" * 64,
            received_at=timezone.now() - received_days_ago * DAY,
        )
    return source


def make_report(
    source: LogSource, *, status: str, reviewer: Person, weeks_ago: int = 1, escalated: bool = False
) -> AuditReport:
    end = timezone.now() - (weeks_ago - 1) * 7 * DAY - DAY
    return AuditReport.objects.create(
        reference=f"LAR-T{next(_numbers):04d}",
        source=source,
        period_start=end - 7 * DAY,
        period_end=end,
        status=status,
        reviewer=reviewer,
        escalated_at=timezone.now() if escalated else None,
    )


def make_finding(
    report: AuditReport, rule: DetectionRule, matches: int, triage: str = Triage.UNTRIAGED
) -> Any:
    return AuditFinding.objects.create(
        report=report,
        rule=rule,
        asset=report.source.asset,
        title=rule.title,
        level=rule.level,
        match_count=matches,
        triage=triage,
        triaged_at=timezone.now() if triage != Triage.UNTRIAGED else None,
    )


@pytest.fixture
def estate(
    organisation: Organisation, security_officer: Person, ciso: Person, make_asset: Any
) -> dict[str, Any]:
    """Beijing: two audited sources (one silent for a week), three reports; Shanghai: one
    source with a report awaiting sign-off that the Beijing officer does not see."""
    sudo = DetectionRule.objects.create(rule_id="sudo", title="Sudo to root", level="high", text="x")
    shadow = DetectionRule.objects.create(
        rule_id="shadow", title="Read /etc/shadow", level="critical", text="x"
    )
    dump = DetectionRule.objects.create(rule_id="dump", title="Database dump", level="medium", text="x")
    bastion = make_source(make_asset(name="bastion"), security_officer, received_days_ago=1)
    silent = make_source(make_asset(name="billing-db"), security_officer, received_days_ago=9)
    retired = make_source(make_asset(name="retired"), security_officer)
    LogSource.objects.filter(pk=retired.pk).update(audit_enabled=False)
    shanghai = make_source(make_asset(name="sh-db", unit=organisation.shanghai), ciso, received_days_ago=1)
    latest = make_report(bastion, status=ReportStatus.AWAITING_SIGN_OFF, reviewer=security_officer)
    escalated = make_report(
        silent, status=ReportStatus.AWAITING_SIGN_OFF, reviewer=ciso, weeks_ago=2, escalated=True
    )
    signed = make_report(bastion, status=ReportStatus.SIGNED, reviewer=security_officer, weeks_ago=3)
    old = make_report(bastion, status=ReportStatus.SIGNED, reviewer=security_officer, weeks_ago=8)
    make_report(shanghai, status=ReportStatus.AWAITING_SIGN_OFF, reviewer=ciso)
    make_finding(latest, sudo, 5)
    make_finding(latest, shadow, 1)
    make_finding(escalated, dump, 7)
    make_finding(signed, sudo, 4, Triage.TRUE_POSITIVE)
    make_finding(old, shadow, 100, Triage.EXPECTED)
    return {
        "latest": latest,
        "escalated": escalated,
        "signed": signed,
        "silent": silent,
        "rules": (sudo, shadow, dump),
    }


def test_the_figures_count_what_the_person_sees(estate: dict[str, Any], security_officer: Person) -> None:
    found = logaudit_figures(security_officer)

    # Mine: the report they review, and the escalated Beijing one they may sign instead.
    assert (found.awaiting.mine, found.awaiting.all, found.awaiting.escalated) == (2, 2, 1)
    assert (found.untriaged, found.true_positives) == (3, 1)
    assert found.matches_by_level == {"informational": 0, "low": 0, "medium": 7, "high": 9, "critical": 1}
    assert [(row.rule.title, row.matches, row.findings) for row in found.top_rules] == [
        ("Sudo to root", 9, 2),
        ("Database dump", 7, 1),
        ("Read /etc/shadow", 1, 1),
    ]
    assert (found.silent_source_count, found.silent_sources) == (1, [estate["silent"]])
    assert [report.pk for report in found.latest_reports][:3] == [
        estate["latest"].pk,
        estate["escalated"].pk,
        estate["signed"].pk,
    ]


def test_the_group_officer_sees_shanghai_too(estate: dict[str, Any], ciso: Person) -> None:
    found = logaudit_figures(ciso)

    assert (found.awaiting.mine, found.awaiting.all, found.awaiting.escalated) == (2, 3, 1)


def test_the_query_count_does_not_grow_with_the_data(
    estate: dict[str, Any], security_officer: Person, django_assert_max_num_queries: Any
) -> None:
    logaudit_figures(security_officer)  # grants and roots are read once per person
    with django_assert_max_num_queries(12):
        found = logaudit_figures(security_officer)

    assert (found.awaiting.mine, found.awaiting.all, found.awaiting.escalated) == (2, 2, 1)


def test_the_page_shows_the_figures(client: Client, estate: dict[str, Any], security_officer: Person) -> None:
    client.force_login(security_officer)

    response = client.get(PAGE)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="awaiting-mine"' in page
    assert "Sudo to root" in page
    assert estate["latest"].reference in page
    assert "dashboard-empty" not in page


def test_the_page_says_when_there_is_nothing_yet(client: Client, security_officer: Person) -> None:
    client.force_login(security_officer)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert "No log source is audited yet." in response.content.decode()


def test_the_page_and_api_are_missing_without_the_domain(client: Client, api: Any, colleague: Person) -> None:
    client.force_login(colleague)

    assert client.get(PAGE).status_code == 404
    assert api.as_(colleague).get(URL).status_code == 404
    assert logaudit_tiles(colleague) == []


def test_the_api_gives_the_figures(api: Any, estate: dict[str, Any], security_officer: Person) -> None:
    response = api.as_(security_officer).get(URL)

    assert response.status_code == 200
    data = response.json()
    assert data["awaiting_sign_off"] == {"mine": 2, "all": 2, "escalated": 1}
    assert (data["untriaged"], data["true_positives"], data["silent_source_count"]) == (3, 1, 1)
    assert data["top_rules"][0] == {
        "rule": estate["rules"][0].pk,
        "rule_id": "sudo",
        "title": "Sudo to root",
        "level": "high",
        "matches": 9,
        "findings": 2,
    }
    assert data["latest_reports"][0]["reference"] == estate["latest"].reference


def test_the_home_tiles_count_my_sign_offs_and_untriaged_findings(
    estate: dict[str, Any], security_officer: Person
) -> None:
    tiles = {str(tile.label): tile.count for tile in logaudit_tiles(security_officer)}

    assert tiles == {
        "Log-audit reports awaiting your sign-off": 2,
        "Log-audit findings not triaged": 3,
        "Escalated log-audit reports": 1,
    }
