"""The screening API: matches with their reasons (confirm, dismiss), watch lists uploaded
as CSV, their entries, and runs, for an allowed person, a reader and an outsider."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from garrison.core.models import Person
from garrison.suppliers.models import MatchStatus, ScreeningMatch, ScreeningRun, Supplier, WatchList
from garrison.suppliers.services import screening, watchlists

pytestmark = pytest.mark.django_db

MATCHES = "/api/suppliers/screening-matches/"
LISTS = "/api/suppliers/watch-lists/"
RUNS = "/api/suppliers/screening-runs/"
CSV = 'name,identifiers\n"Huaxin Technology (Beijing) Co., Ltd.",\nOrion Data AG,HRB 1\n'


@pytest.fixture
def huaxin(make_supplier: Any) -> Supplier:
    return make_supplier(name="北京华信科技有限公司", name_en="Beijing Huaxin Technology Co., Ltd.")


@pytest.fixture
def match(huaxin: Supplier, approver: Person) -> ScreeningMatch:
    watchlists.import_watch_list(CSV.encode(), by=approver, name="Regulator list")
    return ScreeningMatch.objects.get()


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("list.csv", text.encode(), content_type="text/csv")


def test_matches_show_why_to_the_buyer_and_the_reader_but_not_the_outsider(
    api: Any, match: ScreeningMatch, buyer: Person, security_reader: Person, outsider: Person
) -> None:
    for person in (buyer, security_reader):
        body = api.as_(person).get(MATCHES, {"status": "pending", "min_score": 90}).json()
        assert [item["id"] for item in body["results"]] == [match.pk]
        assert body["results"][0]["reasons"][0]["normalised_list"] == "huaxin technology"
        assert body["results"][0]["reasons"][0]["distinctive_list"] == "huaxin"
        assert body["results"][0]["watch_list_name"] == "Regulator list"
    assert api.as_(outsider).get(MATCHES).json()["results"] == []
    assert api.as_(outsider).get(f"{MATCHES}{match.pk}/").status_code == 404


def test_the_buyer_dismisses_with_a_note_and_the_reader_cannot(
    api: Any, match: ScreeningMatch, buyer: Person, security_reader: Person
) -> None:
    url = f"{MATCHES}{match.pk}/dismiss/"
    assert api.as_(security_reader).post(url, {"note": "No"}, format="json").status_code == 404
    refused = api.as_(buyer).post(url, {"note": ""}, format="json")
    assert refused.status_code == 400
    assert "note" in refused.json()
    answer = api.as_(buyer).post(url, {"note": "Different company"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["status"] == MatchStatus.DISMISSED
    again = api.as_(buyer).post(f"{MATCHES}{match.pk}/confirm/", {}, format="json")
    assert again.status_code == 400


def test_a_whole_organisation_buyer_uploads_a_list_and_bad_files_are_refused(
    api: Any, huaxin: Supplier, approver: Person, buyer: Person
) -> None:
    assert (
        api.as_(buyer).post(LISTS, {"name": "L", "file": upload(CSV)}, format="multipart").status_code == 403
    )
    bad = api.as_(approver).post(
        LISTS, {"name": "L", "file": upload("name,country\n\nAcme,CN\n,DE\n")}, format="multipart"
    )
    assert bad.status_code == 400, bad.content
    assert bad.json() == {"file": ["Line 4: the name is empty."]}
    assert not WatchList.objects.filter(name="L").exists()
    created = api.as_(approver).post(
        LISTS, {"name": "L", "file": upload(CSV), "source": "Regulator"}, format="multipart"
    )
    assert created.status_code == 201, created.content
    assert (created.json()["entry_count"], created.json()["kind"]) == (2, "imported")
    listed = created.json()["id"]
    entries = api.as_(buyer).get(f"{LISTS}{listed}/entries/", {"q": "orion"}).json()
    assert [item["identifiers"] for item in entries["results"]] == [["HRB 1"]]
    assert ScreeningMatch.objects.filter(supplier=huaxin).count() == 1


def test_lists_are_switched_and_deleted_but_the_blacklist_is_not(
    api: Any, match: ScreeningMatch, approver: Person
) -> None:
    listed = WatchList.objects.get(name="Regulator list")
    off = api.as_(approver).post(f"{LISTS}{listed.pk}/active/", {"is_active": False}, format="json")
    assert off.json()["is_active"] is False
    blacklist = screening.blacklist()
    assert api.as_(approver).delete(f"{LISTS}{blacklist.pk}/").status_code == 400
    assert api.as_(approver).delete(f"{LISTS}{listed.pk}/").status_code == 204
    assert not ScreeningMatch.objects.exists()


def test_a_manual_run_is_started_by_post_and_listed(
    api: Any, match: ScreeningMatch, approver: Person, buyer: Person, outsider: Person
) -> None:
    assert api.as_(buyer).post(RUNS).status_code == 403
    assert api.as_(outsider).post(RUNS).status_code == 403
    started = api.as_(approver).post(RUNS)
    assert started.status_code == 201
    assert (started.json()["trigger"], started.json()["suppliers_screened"]) == ("manual", 1)
    listed = api.as_(buyer).get(RUNS, {"trigger": "manual"}).json()["results"]
    assert [item["id"] for item in listed] == [ScreeningRun.objects.get(trigger="manual").pk]
