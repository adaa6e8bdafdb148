"""The supplier dashboard and the supplier tiles on the home dashboard: counts by region,
status, tier and category restricted to what the viewer may see, the lists they link to,
expiring documents, rectification actions due and status changes awaiting approval."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garrison.core.scheduling import organisation_today
from garrison.suppliers import metrics
from garrison.suppliers.dashboard import supplier_tiles
from garrison.suppliers.models import (
    CriticalityTier,
    QualificationDocument,
    RectificationAction,
    RectificationPlan,
    Region,
    StatusChange,
    SupplierCategory,
    SupplierStatus,
)

DASHBOARD = "suppliers:dashboard"


def client_for(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def register(organisation: Any, make_supplier: Any, hardware: SupplierCategory) -> dict[str, Any]:
    """Five suppliers in Beijing (three mainland, one from Hong Kong, one from Germany) and
    one in Shanghai."""
    cloud = SupplierCategory.objects.get(code="cloud-and-software")
    made = {
        "mainland": make_supplier(tier=CriticalityTier.CRITICAL),
        "rectifying": make_supplier(status=SupplierStatus.RECTIFYING),
        "prospective": make_supplier(status=SupplierStatus.PROSPECTIVE),
        "hong_kong": make_supplier(country="HK", region=Region.HONG_KONG_MACAU_TAIWAN),
        "germany": make_supplier(country="DE", region=Region.OTHER, name="", name_en="Kühl GmbH"),
        "shanghai": make_supplier(
            unit=organisation.shanghai, status=SupplierStatus.BLACKLISTED, manager=None
        ),
    }
    made["mainland"].categories.set([hardware, cloud])
    made["hong_kong"].categories.set([hardware])
    made["shanghai"].categories.set([hardware])
    return made


def test_counts_by_region_status_tier_and_category_cover_what_the_viewer_may_see(
    register: dict[str, Any], approver: Any, buyer: Any, outsider: Any
) -> None:
    everything = metrics.register_counts(approver)
    assert everything.total == 6
    assert everything.by_region == {"mainland": 4, "hong_kong_macau_taiwan": 1, "other": 1}
    assert everything.by_status == {"qualified": 3, "rectifying": 1, "prospective": 1, "blacklisted": 1}
    assert everything.substandard == 2
    assert everything.by_tier == {"critical": 1, "standard": 5}

    beijing = metrics.register_counts(buyer)
    assert beijing.total == 5
    assert beijing.by_region == {"mainland": 3, "hong_kong_macau_taiwan": 1, "other": 1}
    assert beijing.substandard == 1
    assert metrics.register_counts(outsider).by_status == {"blacklisted": 1}

    categories = {category.code: number for category, number in metrics.counts_by_category(buyer)}
    assert categories["hardware"] == 2
    assert categories["cloud-and-software"] == 1
    assert categories["logistics"] == 0
    assert {category.code: number for category, number in metrics.counts_by_category(approver)}[
        "hardware"
    ] == 3


def test_the_page_shows_each_count_with_a_link_to_the_filtered_supplier_list(
    register: dict[str, Any], buyer: Any
) -> None:
    page = client_for(buyer).get(reverse(DASHBOARD))
    assert page.status_code == 200
    text = page.content.decode()
    suppliers = reverse("suppliers:supplier-list")
    for query, count in (
        ("region=hong_kong_macau_taiwan", 1),
        ("region=other", 1),
        ("region=mainland", 3),
        ("status=rectifying", 1),
        ("tier=critical", 1),
        ("category=hardware", 2),
    ):
        link = f'href="{suppliers}?{query}">'
        assert link in text, query
        assert f"{link}{count}</a>" in text or text.split(link, 1)[1].split("badge", 1)[1].split(">", 1)[
            1
        ].startswith(str(count)), query
    # The Shanghai supplier is out of the buyer's reach.
    assert register["shanghai"].reference not in text


def test_the_seed_figures_appear_on_the_page(register: dict[str, Any], approver: Any) -> None:
    page = client_for(approver).get(reverse(DASHBOARD))
    assert page.context["total"].count == 6
    regions = {figure.url.rsplit("=", 1)[1]: figure.count for figure in page.context["regions"]}
    assert regions == {"mainland": 4, "hong_kong_macau_taiwan": 1, "other": 1}
    statuses = {figure.url.rsplit("=", 1)[1]: figure for figure in page.context["statuses"]}
    assert statuses["blacklisted"].is_warning
    assert statuses["rectifying"].is_warning
    assert not statuses["qualified"].is_warning
    assert not statuses["unqualified"].is_warning


def test_the_page_is_missing_for_someone_without_supplier_access(
    register: dict[str, Any], colleague: Any
) -> None:
    assert client_for(colleague).get(reverse(DASHBOARD)).status_code == 404
    assert supplier_tiles(colleague) == []
    assert Client().get(reverse(DASHBOARD)).status_code == 302


def test_an_empty_register_says_so(organisation: Any, security_reader: Any) -> None:
    page = client_for(security_reader).get(reverse(DASHBOARD))
    assert page.status_code == 200
    text = page.content.decode()
    assert "No supplier you may see is registered yet" in text
    assert "No qualification document has expired or expires soon." in text
    assert "No rectification action is overdue or due soon." in text


def test_expiring_documents_due_actions_and_waiting_changes_are_listed(
    register: dict[str, Any],
    buyer: Any,
    approver: Any,
    security_reader: Any,
    django_assert_max_num_queries: Any,
) -> None:
    today = organisation_today()
    supplier = register["rectifying"]
    for kind, days in (("iso_27001", -3), ("iso_9001", 20), ("iso_14001", 80), ("iso_45001", 200)):
        QualificationDocument.objects.create(
            supplier=supplier, kind=kind, number=f"N-{kind}", expires_on=today + dt.timedelta(days=days)
        )
    plan = RectificationPlan.objects.create(
        supplier=supplier, title="Restore certification", due_on=today + dt.timedelta(days=40), owner=buyer
    )
    for text, days in (("Book the audit", -2), ("Fix the findings", 10), ("Report back", 60)):
        RectificationAction.objects.create(
            plan=plan, description=text, due_on=today + dt.timedelta(days=days)
        )
    StatusChange.objects.create(
        supplier=register["mainland"],
        from_status=SupplierStatus.QUALIFIED,
        to_status=SupplierStatus.SUSPENDED,
        reason="Safety accident on site",
        proposed_by=buyer,
        proposed_at=timezone.now(),
    )

    with django_assert_max_num_queries(40):
        page = client_for(security_reader).get(reverse(DASHBOARD))
    assert [document.number for document in page.context["expired"]] == ["N-iso_27001"]
    assert [document.number for document in page.context["expiring"]] == ["N-iso_9001", "N-iso_14001"]
    assert [action.description for action in page.context["overdue_actions"]] == ["Book the audit"]
    assert [action.description for action in page.context["due_actions"]] == ["Fix the findings"]
    assert page.context["change_count"] == 1
    text = page.content.decode()
    assert "Safety accident on site" in text
    assert reverse("suppliers:supplier-detail", args=[supplier.pk]) in text
    assert reverse("suppliers:plan-detail", args=[plan.pk]) in text

    tiles = {str(tile.label): tile for tile in supplier_tiles(approver, today)}
    assert tiles["Supplier documents expiring within 30 days"].count == 1
    assert tiles["Supplier status changes awaiting my approval"].count == 1
    assert tiles["Substandard suppliers"].count == 2
    assert tiles["Suppliers: Hong Kong, Macau and Taiwan"].count == 1
    # The proposer does not approve their own change; a reader approves nothing.
    assert {str(tile.label): tile.count for tile in supplier_tiles(buyer, today)}[
        "Supplier status changes awaiting my approval"
    ] == 0
    assert "Supplier status changes awaiting my approval" not in {
        str(tile.label) for tile in supplier_tiles(security_reader, today)
    }
