"""Screening pages: the match list (pending by default, filters, export), a match's page
with why it matched and the decision forms, "screen now", the watch lists with the CSV
import, and the supplier page's panel, for an allowed person, a reader and an outsider."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from garrison.core.models import Person
from garrison.suppliers.models import MatchStatus, ScreeningMatch, ScreeningRun, Supplier, WatchList
from garrison.suppliers.services import screening, watchlists
from garrison.suppliers.views.screening import panel_context

pytestmark = pytest.mark.django_db

CSV = 'name,identifiers,reason\n"Huaxin Technology (Beijing) Co., Ltd.",,Fraud\nOrion Data AG,HRB 1,\n'


def browser(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def huaxin(make_supplier: Any) -> Supplier:
    return make_supplier(name="北京华信科技有限公司", name_en="Beijing Huaxin Technology Co., Ltd.")


@pytest.fixture
def match(huaxin: Supplier, approver: Person) -> ScreeningMatch:
    watchlists.import_watch_list(CSV.encode(), by=approver, name="Regulator list")
    return ScreeningMatch.objects.get()


def test_the_match_list_shows_pending_matches_by_default_and_exports(
    match: ScreeningMatch, buyer: Person, security_reader: Person, outsider: Person
) -> None:
    url = reverse("suppliers:match-list")
    for person in (buyer, security_reader):
        page = browser(person).get(url)
        assert page.status_code == 200
        assert "Huaxin Technology (Beijing) Co., Ltd." in page.content.decode()
    screening.dismiss_match(match, by=buyer, note="Different company")
    assert "Huaxin Technology (Beijing)" not in browser(buyer).get(url).content.decode()
    assert "Huaxin Technology (Beijing)" in browser(buyer).get(url, {"status": "all"}).content.decode()
    assert "Huaxin Technology (Beijing)" not in browser(outsider).get(url, {"status": "all"}).content.decode()
    export = browser(buyer).get(url, {"status": "all", "export": "csv"})
    assert export.status_code == 200
    exported: Any = export
    assert "Different company" in b"".join(exported.streaming_content).decode("utf-8-sig")


def test_the_match_page_shows_why_and_the_buyer_decides(
    match: ScreeningMatch, buyer: Person, security_reader: Person, outsider: Person
) -> None:
    url = reverse("suppliers:match-detail", args=[match.pk])
    assert browser(outsider).get(url).status_code == 404
    reader_page = browser(security_reader).get(url).content.decode()
    assert "huaxin technology" in reader_page
    assert "huaxintechnology" in reader_page
    assert "distinctive parts “huaxin” and “huaxin” 100" in reader_page
    assert reverse("suppliers:match-dismiss", args=[match.pk]) not in reader_page
    assert (
        browser(security_reader).post(reverse("suppliers:match-confirm", args=[match.pk])).status_code == 404
    )
    page = browser(buyer).get(url).content.decode()
    assert reverse("suppliers:match-dismiss", args=[match.pk]) in page
    assert "legal form removed" in page
    refused = browser(buyer).post(reverse("suppliers:match-dismiss", args=[match.pk]), {"note": ""})
    assert refused.status_code == 400
    confirmed = browser(buyer).post(
        reverse("suppliers:match-confirm", args=[match.pk]), {"note": "Same licence"}
    )
    assert confirmed.status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.CONFIRMED
    after = browser(buyer).get(url).content.decode()
    assert reverse("suppliers:status-change-create", args=[match.supplier_id]) in after


def test_screen_now_is_for_whole_organisation_buyers(
    match: ScreeningMatch, approver: Person, buyer: Person, security_reader: Person
) -> None:
    url = reverse("suppliers:screening-run")
    assert url in browser(approver).get(reverse("suppliers:match-list")).content.decode()
    assert url not in browser(buyer).get(reverse("suppliers:match-list")).content.decode()
    for person in (buyer, security_reader):
        assert browser(person).post(url).status_code == 404
    assert browser(approver).post(url).status_code == 302
    assert ScreeningRun.objects.filter(trigger="manual").count() == 1
    assert browser(buyer).get(reverse("suppliers:screening-run-list")).status_code == 200


def test_the_csv_import_page_names_bad_lines_and_imports_a_good_file(
    huaxin: Supplier, approver: Person, buyer: Person
) -> None:
    url = reverse("suppliers:watchlist-import")
    assert browser(buyer).get(url).status_code == 404
    bad = browser(approver).post(
        url, {"name": "Regulator list", "file": SimpleUploadedFile("l.csv", b"name,country\nAcme,Germany\n")}
    )
    assert bad.status_code == 400
    assert "Line 2: the country “Germany” is not a two-letter code" in bad.content.decode()
    assert not WatchList.objects.filter(name="Regulator list").exists()
    good = browser(approver).post(
        url, {"name": "Regulator list", "replace": "on", "file": SimpleUploadedFile("l.csv", CSV.encode())}
    )
    assert good.status_code == 302
    listed = WatchList.objects.get(name="Regulator list")
    assert good["Location"] == reverse("suppliers:watchlist-detail", args=[listed.pk])
    assert ScreeningMatch.objects.filter(supplier=huaxin).exists()


def test_watch_lists_are_listed_searched_and_managed_by_whole_organisation_buyers(
    match: ScreeningMatch, approver: Person, buyer: Person, security_reader: Person
) -> None:
    listed = WatchList.objects.get(name="Regulator list")
    index = browser(security_reader).get(reverse("suppliers:watchlist-list")).content.decode()
    assert "Regulator list" in index
    assert "Blacklist" in index
    detail = reverse("suppliers:watchlist-detail", args=[listed.pk])
    page = browser(security_reader).get(detail, {"q": "orion"}).content.decode()
    assert "Orion Data AG" in page
    assert "Huaxin Technology (Beijing)" not in page
    toggle = reverse("suppliers:watchlist-toggle", args=[listed.pk])
    assert toggle not in page
    assert browser(buyer).post(toggle).status_code == 404
    assert browser(approver).post(toggle).status_code == 302
    listed.refresh_from_db()
    assert listed.is_active is False
    delete = reverse("suppliers:watchlist-delete", args=[listed.pk])
    assert browser(approver).post(delete, {"reason": "Superseded"}).status_code == 302
    assert not WatchList.objects.filter(pk=listed.pk).exists()


def test_the_supplier_panel_shows_its_matches(
    match: ScreeningMatch, huaxin: Supplier, buyer: Person, outsider: Person
) -> None:
    request = RequestFactory().get("/")
    request.user = buyer
    context = panel_context(request, huaxin)
    assert context["screening_matches"] == [match]
    html = render_to_string("suppliers/_screening_panel.html", context, request=request)
    assert reverse("suppliers:match-detail", args=[match.pk]) in html
    request.user = outsider
    assert panel_context(request, huaxin)["screening_matches"] == []
