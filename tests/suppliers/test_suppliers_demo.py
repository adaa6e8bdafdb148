"""The suppliers demo step: exactly the seed's 2,623 suppliers, 5 from Hong Kong, Macau and
Taiwan and 5 from other countries, valid credit codes, a spread of statuses, documents in
view, the showcase of every part, and nothing added when run again.

The step takes seconds, so it runs once, for one test; determinism is checked on the pure
plan."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from django.test import Client
from django.urls import reverse
from stdnum.cn import uscc

from garrison.core.demo.runner import seed_demo_data
from garrison.core.models import AuditEvent, Person
from garrison.core.scheduling import organisation_today
from garrison.suppliers import metrics
from garrison.suppliers.demo_plan import organisation_code_check, plan_suppliers
from garrison.suppliers.models import (
    AccessApplication,
    MatchStatus,
    QualificationDocument,
    Region,
    ScreeningMatch,
    SourcingEvent,
    StatusChange,
    StatusChangeState,
    Supplier,
    SupplierStatus,
    WatchListEntry,
    WatchListKind,
)


def test_the_demo_seeds_the_seed_figures_and_work_in_every_part_and_nothing_more_when_run_again(
    db: Any,
) -> None:
    seed_demo_data(scale=1, seed=1, only={"organisation"})
    seed_demo_data(scale=1, seed=1, only={"suppliers"})
    register_holds_the_seed_figures_with_valid_codes_and_a_spread_of_statuses()
    the_showcase_leaves_work_under_way_in_every_part()
    the_pages_of_seeded_suppliers_open()
    before = (Supplier.objects.count(), AuditEvent.objects.count())
    seed_demo_data(scale=1, seed=1, only={"suppliers"})
    assert (Supplier.objects.count(), AuditEvent.objects.count()) == before


def the_pages_of_seeded_suppliers_open() -> None:
    """Seeded rows read like the services' own: the page and its history render."""
    client = Client()
    client.force_login(Person.objects.get(username="procurement"))
    for supplier in Supplier.objects.filter(
        status__in=[SupplierStatus.QUALIFIED, SupplierStatus.BLACKLISTED]
    )[:2]:
        assert client.get(reverse("suppliers:supplier-detail", args=[supplier.pk])).status_code == 200
        assert client.get(reverse("suppliers:supplier-history", args=[supplier.pk])).status_code == 200


def register_holds_the_seed_figures_with_valid_codes_and_a_spread_of_statuses() -> None:
    assert Supplier.objects.count() == 2623
    regions = Counter(Supplier.objects.values_list("region", flat=True))
    assert regions == {Region.MAINLAND: 2613, Region.HONG_KONG_MACAU_TAIWAN: 5, Region.OTHER: 5}
    assert sorted(
        Supplier.objects.exclude(region=Region.MAINLAND).values_list("country", flat=True)
    ) == sorted(["HK", "HK", "MO", "TW", "TW", "DE", "US", "JP", "SG", "FR"])
    codes = list(Supplier.objects.filter(region=Region.MAINLAND).values_list("credit_code", flat=True))
    assert all(uscc.is_valid(code) for code in codes)
    assert all(organisation_code_check(code[8:16]) == code[16] for code in codes)
    assert len(set(codes)) == 2613
    # Numbered from the row ids as save_numbered numbers them (SUP-000001 in a new database).
    assert all(
        reference == f"SUP-{pk:06d}" for pk, reference in Supplier.objects.values_list("pk", "reference")
    )
    assert not Supplier.objects.exclude(reference__regex=r"^SUP-\d{6}$").exists()

    statuses = Counter(Supplier.objects.values_list("status", flat=True))
    assert statuses[SupplierStatus.BLACKLISTED] == 5
    assert statuses[SupplierStatus.SUSPENDED] == 8
    assert statuses[SupplierStatus.UNQUALIFIED] == 12
    assert statuses[SupplierStatus.RECTIFYING] >= 29  # one may be moved by a showcase decision
    assert statuses[SupplierStatus.QUALIFIED] > 2300

    # The dashboard reads the same figures for an officer over the whole organisation.
    officer = Person.objects.get(username="procurement")
    counts = metrics.register_counts(officer)
    assert (
        counts.total,
        counts.by_region[Region.HONG_KONG_MACAU_TAIWAN],
        counts.by_region[Region.OTHER],
    ) == (
        2623,
        5,
        5,
    )

    today = organisation_today()
    expiring = QualificationDocument.objects.filter(
        expires_on__gte=today, expires_on__lte=today.replace(year=today.year + 1)
    )
    assert metrics.expiring_documents(officer, today).filter(expires_on__gte=today).count() >= 40
    assert expiring.exists()
    assert metrics.expiring_documents(officer, today).filter(expires_on__lt=today).count() >= 10
    assert QualificationDocument.objects.filter(kind="business_licence").count() == 2613
    assert AuditEvent.objects.filter(object_type="suppliers.supplier", action="create").count() == 2623


def the_showcase_leaves_work_under_way_in_every_part() -> None:
    assert AccessApplication.objects.values("status").distinct().count() >= 5
    assert AccessApplication.objects.filter(objections__status="open").exists()
    assert StatusChange.objects.filter(state=StatusChangeState.PROPOSED).exists()
    assert SourcingEvent.objects.filter(status__in=["open", "evaluation", "shortlisted"]).count() == 3
    blacklisted = WatchListEntry.objects.filter(watch_list__kind=WatchListKind.BLACKLIST)
    assert set(blacklisted.values_list("supplier__status", flat=True)) == {SupplierStatus.BLACKLISTED}
    assert blacklisted.values("supplier").distinct().count() == 5
    assert WatchListEntry.objects.filter(watch_list__kind=WatchListKind.IMPORTED).count() >= 200
    # A few candidates to review, not a flood: the watch list's near twin of one supplier.
    pending = ScreeningMatch.objects.filter(status=MatchStatus.PENDING)
    assert 1 <= pending.count() <= 30
    assert pending.filter(entry__watch_list__kind=WatchListKind.IMPORTED, score=100).exists()


def test_the_plan_is_the_same_for_a_seed_and_differs_for_another() -> None:
    first = plan_suppliers(scale=1, seed_random=random.Random("garrison-demo/1/suppliers"))
    again = plan_suppliers(scale=1, seed_random=random.Random("garrison-demo/1/suppliers"))
    other = plan_suppliers(scale=1, seed_random=random.Random("garrison-demo/2/suppliers"))
    assert first == again
    assert [plan.credit_code for plan in first] != [plan.credit_code for plan in other]
    assert len({plan.name for plan in first if plan.name}) == 2618
