"""Screening through its services: the blacklist fed by blacklisting, runs that store new
pairs and never raise a dismissed one again, decisions, CSV import all or nothing, and the
re-screening when a list changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from garrison.core.models import AuditEvent, Person
from garrison.core.scheduling import run_job
from garrison.suppliers import tasks_screening
from garrison.suppliers.models import (
    MatchStatus,
    ScreeningMatch,
    ScreeningRun,
    ScreeningTrigger,
    Supplier,
    SupplierPolicy,
    WatchList,
    WatchListEntry,
    WatchListKind,
)
from garrison.suppliers.services import screening, watchlists

pytestmark = pytest.mark.django_db

CSV = (
    "\ufeffName,Identifiers,COUNTRY,reason,reference\n"
    "华信科技\uff08北京\uff09有限公司,91110000600037186X,CN,Fraud,WL-1\n"
    "Nordic Helix Systems GmbH,HRB 4711; DE123,DE,Sanctions,WL-2\n"
    "Zenith Quantum Logistics Pte. Ltd.,,SG,,WL-3\n"
)


@pytest.fixture
def huaxin(make_supplier: Any) -> Supplier:
    return make_supplier(name="北京华信科技有限公司", name_en="Beijing Huaxin Technology Co., Ltd.")


@pytest.fixture
def unrelated(make_supplier: Any) -> Supplier:
    return make_supplier(name="上海紫金物流有限公司", name_en="Shanghai Zijin Logistics Co., Ltd.")


def run_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="suppliers.screeningrun"))


def test_blacklisting_feeds_the_list_and_flags_a_supplier_of_the_same_name(
    make_supplier: Any, huaxin: Supplier, unrelated: Supplier, approver: Person
) -> None:
    twin = make_supplier(name="华信科技股份有限公司", name_en="", credit_code="")
    entry = screening.add_to_blacklist(huaxin, by=approver, reason="Bid rigging")

    assert entry.watch_list.kind == WatchListKind.BLACKLIST
    assert (entry.name, entry.normalised_name, entry.supplier) == (
        "北京华信科技有限公司",
        "huaxinkeji",
        huaxin,
    )
    assert WatchListEntry.objects.filter(supplier=huaxin).count() == 2  # its Chinese and English names
    match = ScreeningMatch.objects.get()
    assert (match.supplier, match.entry, match.status) == (twin, entry, MatchStatus.PENDING)
    assert match.run is not None
    assert match.run.trigger == ScreeningTrigger.LIST_CHANGED
    # Blacklisting again brings the entries up to date, never doubles them.
    screening.add_to_blacklist(huaxin, by=approver, reason="Bid rigging, confirmed")
    assert WatchListEntry.objects.filter(supplier=huaxin).count() == 2
    assert ScreeningMatch.objects.count() == 1
    assert entry.watch_list.entries.count() == entry.watch_list.entry_count == 2


def test_a_blacklisted_supplier_is_not_a_finding_against_itself(huaxin: Supplier, approver: Person) -> None:
    screening.add_to_blacklist(huaxin, by=approver, reason="Fraud")
    screening.screen_suppliers(trigger=ScreeningTrigger.MANUAL, by=approver)
    assert not ScreeningMatch.objects.exists()


def test_a_dismissed_match_is_not_raised_again_and_a_pending_one_is_rescored(
    make_supplier: Any, huaxin: Supplier, approver: Person, buyer: Person
) -> None:
    other = make_supplier(name="", name_en="Huaxin Technology Limited", credit_code="")
    screening.add_to_blacklist(huaxin, by=approver, reason="Fraud")
    match = ScreeningMatch.objects.get(supplier=other)
    screening.dismiss_match(match, by=buyer, note="Different company in Hong Kong")

    run = screening.screen_suppliers(trigger=ScreeningTrigger.MANUAL, by=approver)

    match.refresh_from_db()
    assert match.status == MatchStatus.DISMISSED
    assert run.new_matches == 0
    assert ScreeningMatch.objects.count() == 1


def test_a_run_is_audited_once_with_its_counts(
    huaxin: Supplier, unrelated: Supplier, approver: Person
) -> None:
    watchlists.import_watch_list(CSV.encode(), by=approver, name="Regulator list")
    before = len(run_events())
    run = screening.screen_suppliers(trigger=ScreeningTrigger.MANUAL, by=approver)
    events = run_events()[before:]
    assert len(events) == 1
    assert events[0].changes["suppliers_screened"] == [None, 2]
    assert events[0].changes["entries_compared"] == [None, 3]
    assert (run.started_by, run.suppliers_screened, run.new_matches) == (approver, 2, 0)


def test_screening_every_supplier_needs_rights_over_the_whole_organisation(
    huaxin: Supplier, buyer: Person, security_reader: Person, outsider: Person
) -> None:
    for person in (buyer, security_reader, outsider):
        with pytest.raises(PermissionDenied):
            screening.screen_suppliers(trigger=ScreeningTrigger.MANUAL, by=person)
    # The buyer may screen the suppliers they manage.
    assert screening.screen_suppliers([huaxin], trigger=ScreeningTrigger.SUPPLIER_CHANGED, by=buyer).pk
    with pytest.raises(PermissionDenied):
        screening.screen_suppliers([huaxin], trigger=ScreeningTrigger.SUPPLIER_CHANGED, by=outsider)
    assert ScreeningRun.objects.count() == 1


def test_confirming_and_dismissing_are_recorded_and_final(
    make_supplier: Any, huaxin: Supplier, approver: Person, buyer: Person, outsider: Person
) -> None:
    make_supplier(name="华信科技有限公司", name_en="", credit_code="")
    make_supplier(name="", name_en="Huaxin Keji Youxian Gongsi", credit_code="")
    screening.add_to_blacklist(huaxin, by=approver, reason="Fraud")
    first, second = ScreeningMatch.objects.order_by("pk")

    with pytest.raises(ValidationError) as refused:
        screening.dismiss_match(first, by=buyer, note="  ")
    assert "note" in refused.value.message_dict
    with pytest.raises(Http404):
        screening.confirm_match(first, by=outsider, note="")

    screening.confirm_match(first, by=buyer, note="Same credit code on the licence")
    screening.dismiss_match(second, by=buyer, note="Another company")
    first.refresh_from_db()
    assert (first.status, first.decided_by, first.decision_note) == (
        MatchStatus.CONFIRMED,
        buyer,
        "Same credit code on the licence",
    )
    with pytest.raises(ValidationError):
        screening.dismiss_match(first, by=buyer, note="Changed my mind")
    decided = AuditEvent.objects.filter(object_type="suppliers.screeningmatch", object_id=str(first.pk)).get()
    assert decided.changes["status"] == ["pending", "confirmed"]


def test_a_csv_import_stores_normalised_entries_and_screens_every_supplier(
    huaxin: Supplier, unrelated: Supplier, approver: Person
) -> None:
    result = watchlists.import_watch_list(CSV.encode(), by=approver, name="Regulator list", source="MOF 2026")

    assert (result.added, result.removed, result.kept) == (3, 0, 0)
    listed = result.watch_list
    assert (listed.kind, listed.entry_count, listed.imported_by, listed.source) == (
        WatchListKind.IMPORTED,
        3,
        approver,
        "MOF 2026",
    )
    helix = WatchListEntry.objects.get(reference="WL-2")
    assert (helix.normalised_name, helix.identifiers, helix.country) == (
        "nordic helix systems",
        ["HRB 4711", "DE123"],
        "DE",
    )
    match = ScreeningMatch.objects.get()
    assert match.supplier == huaxin
    assert [reason["kind"] for reason in match.reasons] == ["name"]
    # Stored with the distinctive parts compared, for the reviewer.
    assert (match.reasons[0]["distinctive_supplier"], match.reasons[0]["distinctive_list"]) == (
        "huaxin",
        "huaxin",
    )
    assert result.run is not None
    assert result.run.trigger == ScreeningTrigger.LIST_CHANGED


def test_a_bad_line_refuses_the_whole_file_naming_each_line(approver: Person) -> None:
    bad = "name,country,colour\nAcme,CN,red\n"
    with pytest.raises(ValidationError) as header:
        watchlists.import_watch_list(bad.encode(), by=approver, name="Broken")
    assert header.value.message_dict["file"] == [
        "Line 1: unknown column “colour”; the columns are name, identifiers, country, reason, reference."
    ]
    rows = "name,country\nAcme Trading,CN\n,DE\nBeta,China\n"
    with pytest.raises(ValidationError) as lines:
        watchlists.import_watch_list(rows.encode(), by=approver, name="Broken")
    assert lines.value.message_dict["file"] == [
        "Line 3: the name is empty.",
        "Line 4: the country “China” is not a two-letter code such as CN or DE.",
    ]
    with pytest.raises(ValidationError) as encoding:
        watchlists.import_watch_list("name\nÄcme\n".encode("latin-1"), by=approver, name="Broken")
    assert "UTF-8" in encoding.value.message_dict["file"][0]
    assert not WatchList.objects.filter(name="Broken").exists()
    assert not WatchListEntry.objects.exists()


def test_reimporting_replaces_the_entries_and_keeps_decisions_on_unchanged_ones(
    huaxin: Supplier, approver: Person, buyer: Person
) -> None:
    watchlists.import_watch_list(CSV.encode(), by=approver, name="Regulator list")
    match = ScreeningMatch.objects.get()
    screening.dismiss_match(match, by=buyer, note="Different company")
    second = CSV.replace("Zenith Quantum Logistics Pte. Ltd.,,SG,,WL-3\n", "Orion Data AG,,DE,,WL-4\n")

    result = watchlists.import_watch_list(second.encode(), by=approver, name="Regulator list")

    assert (result.added, result.removed, result.kept) == (1, 1, 2)
    assert sorted(WatchListEntry.objects.values_list("reference", flat=True)) == ["WL-1", "WL-2", "WL-4"]
    match.refresh_from_db()
    assert match.status == MatchStatus.DISMISSED
    with pytest.raises(ValidationError) as refused:
        watchlists.import_watch_list(second.encode(), by=approver, name="Regulator list", replace=False)
    assert "name" in refused.value.message_dict


def test_importing_is_for_whole_organisation_managers_and_never_replaces_the_blacklist(
    approver: Person, buyer: Person, security_reader: Person
) -> None:
    for person in (buyer, security_reader):
        with pytest.raises(PermissionDenied):
            watchlists.import_watch_list(CSV.encode(), by=person, name="Regulator list")
    with pytest.raises(ValidationError) as refused:
        watchlists.import_watch_list(CSV.encode(), by=approver, name=screening.blacklist().name)
    assert "name" in refused.value.message_dict


def test_switching_a_list_off_and_on_screens_it_again_and_the_blacklist_stays(
    huaxin: Supplier, approver: Person
) -> None:
    listed = watchlists.import_watch_list(CSV.encode(), by=approver, name="Regulator list").watch_list
    ScreeningMatch.objects.all().delete()
    watchlists.set_watch_list_active(listed, by=approver, is_active=False)
    assert screening.screen_suppliers(trigger=ScreeningTrigger.MANUAL, by=approver).entries_compared == 0
    watchlists.set_watch_list_active(listed, by=approver, is_active=True)
    assert ScreeningMatch.objects.count() == 1
    with pytest.raises(ValidationError):
        watchlists.set_watch_list_active(screening.blacklist(), by=approver, is_active=False)
    with pytest.raises(ValidationError):
        watchlists.delete_watch_list(screening.blacklist(), by=approver)
    watchlists.delete_watch_list(listed, by=approver, reason="Superseded")
    assert not WatchListEntry.objects.exists()
    assert not ScreeningMatch.objects.exists()


def test_the_threshold_comes_from_the_supplier_policy(make_supplier: Any, approver: Person) -> None:
    make_supplier(name="", name_en="Abcdefghij Trading GmbH", credit_code="")
    csv_text = "name\nAbcdefghik Trading AG\n"
    policy = SupplierPolicy.objects.get()
    policy.screening_threshold = 98
    policy.save()
    watchlists.import_watch_list(csv_text.encode(), by=approver, name="Strict")
    assert not ScreeningMatch.objects.exists()
    policy.screening_threshold = 90
    policy.save()
    screening.screen_suppliers(trigger=ScreeningTrigger.MANUAL, by=approver)
    assert ScreeningMatch.objects.count() == 1


def test_the_daily_job_screens_every_supplier(huaxin: Supplier, approver: Person) -> None:
    watchlists.import_watch_list(CSV.encode(), by=approver, name="Regulator list")
    outcome = run_job(tasks_screening.JOB_NAME)
    assert outcome.status == "succeeded"
    run = ScreeningRun.objects.filter(trigger=ScreeningTrigger.SCHEDULE).get()
    assert (run.started_by, run.suppliers_screened, run.entries_compared) == (None, 1, 3)
