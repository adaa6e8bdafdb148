"""The coverage list of critical systems (filters, sorting, export) and its API, and who
sees which systems."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from garrison.assets.models import Asset, AssetType
from garrison.core.scheduling import organisation_today
from tests.vulns.test_coverage import make_scan, make_test

pytestmark = pytest.mark.django_db

PAGE = reverse("vulns:coverage")
API = "/api/vulns/coverage/"


def browser(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def systems(critical_system, make_asset, owner) -> dict[str, Any]:
    """Billing is scanned through its server and never tested; Payroll is tested, not scanned."""
    server = Asset.objects.get(name="billing-db")
    payroll = make_asset(name="Payroll", asset_type=AssetType.APPLICATION, is_critical_system=True)
    scan = make_scan(server, days_ago=3, by=owner)
    test = make_test([payroll], completed_days_ago=20, by=owner)
    return {"billing": critical_system, "server": server, "payroll": payroll, "scan": scan, "test": test}


def names(response: Any) -> list[str]:
    return [row.object.name for row in response.context["rows"]]


def test_the_page_lists_each_system_with_its_coverage(systems, security_officer):
    response = browser(security_officer).get(PAGE)

    assert response.status_code == 200
    rows = {row.object.name: row.object for row in response.context["rows"]}
    assert list(rows) == ["Billing system", "Payroll"]
    assert rows["Billing system"].last_scanned_at == systems["scan"].scanned_at
    assert (rows["Billing system"].is_scanned, rows["Billing system"].is_tested) == (True, False)
    assert rows["Payroll"].last_scanned_at is None
    assert rows["Payroll"].last_tested_on == systems["test"].completed_on
    assert (rows["Payroll"].is_scanned, rows["Payroll"].is_tested) == (False, True)
    html = response.content.decode()
    assert "1 of 2 scanned within 30 days" in html
    assert "1 of 2 penetration-tested within 365 days" in html


def test_the_page_filters_and_sorts_by_coverage(systems, security_officer):
    client = browser(security_officer)

    assert names(client.get(PAGE, {"coverage": "not_scanned"})) == ["Payroll"]
    assert names(client.get(PAGE, {"coverage": "not_tested"})) == ["Billing system"]
    assert names(client.get(PAGE, {"coverage": "uncovered"})) == ["Billing system", "Payroll"]
    assert names(client.get(PAGE, {"coverage": "all"})) == ["Billing system", "Payroll"]
    assert names(client.get(PAGE, {"sort": "-is_tested"})) == ["Payroll", "Billing system"]
    assert names(client.get(PAGE, {"sort": "-is_scanned"})) == ["Billing system", "Payroll"]
    assert names(client.get(PAGE, {"q": "pay"})) == ["Payroll"]


def test_the_page_exports_the_filtered_systems(systems, security_officer):
    export = browser(security_officer).get(PAGE, {"coverage": "not_scanned", "export": "csv"})

    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "Reference",
        "Name",
        "Custodian unit",
        "Owner",
        "Last scanned",
        "Scanned within the window",
        "Last penetration test",
        "Penetration-tested within the period",
    ]
    assert rows[1:] == [
        [
            systems["payroll"].reference,
            "Payroll",
            "Beijing site",
            "Owner",
            "",
            "No",
            systems["test"].completed_on.isoformat(),
            "Yes",
        ]
    ]


def test_the_page_is_for_people_of_the_vulnerability_domain_in_reach(systems, owner, colleague, outsider):
    assert names(browser(owner).get(PAGE)) == ["Billing system", "Payroll"]
    assert names(browser(outsider).get(PAGE)) == []
    assert browser(colleague).get(PAGE).status_code == 404


def test_the_api_gives_the_report(api, systems, security_officer, outsider, colleague):
    report = api.as_(security_officer).get(API).json()

    today = organisation_today()
    assert report["today"] == today.isoformat()
    assert (report["scan_window_days"], report["penetration_test_period_days"]) == (30, 365)
    assert (report["total"], report["scanned_count"], report["tested_count"]) == (2, 1, 1)
    billing, payroll = report["systems"]
    assert billing["asset"] == systems["billing"].pk
    assert billing["scanned_asset"] == systems["server"].pk
    assert billing["last_tested_on"] is None
    assert (billing["is_scanned"], billing["is_tested"]) == (True, False)
    assert payroll["penetration_test"] == systems["test"].pk
    assert payroll["last_scanned_at"] is None
    assert (payroll["is_scanned"], payroll["is_tested"]) == (False, True)

    not_tested = api.get(API, {"coverage": "not_tested"}).json()
    assert [item["name"] for item in not_tested["systems"]] == ["Billing system"]
    assert not_tested["total"] == 2

    assert api.as_(outsider).get(API).json()["systems"] == []
    assert api.as_(colleague).get(API).status_code == 404
