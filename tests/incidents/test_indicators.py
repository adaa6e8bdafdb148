"""Indicators of compromise: each kind checked and normalised, recorded once per case,
through the service, the API and the case page, by whoever may change the case."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from garrison.core.audit import history_of
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.incidents.models import Indicator, IndicatorKind
from garrison.incidents.services import indicators as services

pytestmark = pytest.mark.django_db

API = "/api/incidents/indicators/"
SHA256 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"


@pytest.mark.parametrize(
    ("kind", "typed", "recorded"),
    [
        (IndicatorKind.IP, " 203.0.113.7 ", "203.0.113.7"),
        (IndicatorKind.IP, "2001:DB8:0:0::1", "2001:db8::1"),
        (IndicatorKind.IP, "198.51.100.7/24", "198.51.100.0/24"),
        (IndicatorKind.DOMAIN, "Evil.Example.COM.", "evil.example.com"),
        (IndicatorKind.DOMAIN, "例子.中国", "例子.中国"),
        (IndicatorKind.URL, "https://evil.example.com/payload?id=1", "https://evil.example.com/payload?id=1"),
        (IndicatorKind.FILE_HASH, SHA256, SHA256.lower()),
        (IndicatorKind.FILE_HASH, "d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e"),
        (IndicatorKind.EMAIL, "Attacker@Evil.Example.COM", "Attacker@evil.example.com"),
        (IndicatorKind.ACCOUNT, "  svc_backup ", "svc_backup"),
    ],
)
def test_each_kind_is_normalised(kind: str, typed: str, recorded: str) -> None:
    assert services.normalise_indicator(kind, typed) == recorded


@pytest.mark.parametrize(
    ("kind", "typed", "message"),
    [
        (IndicatorKind.IP, "300.1.1.1", "is not an IP address"),
        (IndicatorKind.DOMAIN, "not a domain", "is not a domain name"),
        (IndicatorKind.DOMAIN, "localhost", "is not a domain name"),
        (IndicatorKind.URL, "evil.example.com/payload", "is not a URL"),
        (IndicatorKind.FILE_HASH, "abc123", "hexadecimal characters"),
        (IndicatorKind.FILE_HASH, "g" * 64, "hexadecimal characters"),
        (IndicatorKind.EMAIL, "attacker@", "is not an e-mail address"),
        (IndicatorKind.ACCOUNT, "   ", "Enter the indicator's value."),
    ],
)
def test_a_wrong_value_is_refused_saying_why(kind: str, typed: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        services.normalise_indicator(kind, typed)
    assert message in refused.value.message_dict["value"][0]


def test_an_indicator_is_recorded_once_per_case_and_audited(make_incident: Any, handler: Person) -> None:
    incident = make_incident()
    indicator = services.add_indicator(
        incident, by=handler, kind=IndicatorKind.FILE_HASH, value=SHA256, description="Dropper"
    )
    assert indicator.value == SHA256.lower()
    assert history_of(indicator).get().action == AuditAction.CREATE
    with pytest.raises(ValidationError) as refused:
        services.add_indicator(incident, by=handler, kind=IndicatorKind.FILE_HASH, value=SHA256.lower())
    assert refused.value.message_dict["value"] == ["This indicator is already recorded for the case."]
    other = make_incident()
    services.add_indicator(other, by=handler, kind=IndicatorKind.FILE_HASH, value=SHA256)
    updated = services.update_indicator(indicator, by=handler, kind=IndicatorKind.IP, value="10.0.0.1")
    assert (updated.kind, updated.value) == (IndicatorKind.IP, "10.0.0.1")
    services.remove_indicator(updated, by=handler, reason="Mistyped")
    assert Indicator.objects.filter(incident=incident).count() == 0


def test_only_who_may_change_the_case_records_indicators(
    make_incident: Any, auditor: Person, outsider: Person
) -> None:
    incident = make_incident()
    for person in (auditor, outsider):
        with pytest.raises(Http404):
            services.add_indicator(incident, by=person, kind=IndicatorKind.IP, value="10.0.0.1")
    assert not Indicator.objects.exists()


def test_the_api_records_filters_and_refuses_indicators(
    api: Any, make_incident: Any, handler: Person, auditor: Person, outsider: Person
) -> None:
    incident = make_incident()
    other = make_incident()
    client = api.as_(handler)
    created = client.post(
        API, {"incident": incident.pk, "kind": "domain", "value": "EVIL.example.com"}, format="json"
    )
    assert created.status_code == 201, created.data
    assert created.data["value"] == "evil.example.com"
    assert created.data["incident_reference"] == incident.reference
    client.post(API, {"incident": other.pk, "kind": "ip", "value": "10.0.0.1"}, format="json")
    refused = client.post(API, {"incident": incident.pk, "kind": "ip", "value": "10.0.0.300"}, format="json")
    assert refused.status_code == 400
    assert "value" in refused.data
    listed = client.get(API, {"incident": incident.pk}).data
    assert [item["value"] for item in listed["results"]] == ["evil.example.com"]
    url = f"{API}{created.data['id']}/"
    assert client.patch(url, {"description": "C2 domain"}, format="json").data["description"] == "C2 domain"
    assert api.as_(auditor).get(url).status_code == 200
    assert api.as_(auditor).patch(url, {"description": "x"}, format="json").status_code == 404
    assert api.as_(outsider).get(url).status_code == 404
    assert (
        api.as_(outsider).post(API, {"incident": incident.pk, "kind": "ip", "value": "10.0.0.2"}).status_code
        == 400
    )
    assert api.as_(handler).delete(url).status_code == 204
    assert Indicator.objects.filter(incident=incident).count() == 0


def test_the_case_page_adds_edits_and_removes_indicators(
    make_incident: Any, handler: Person, auditor: Person
) -> None:
    incident = make_incident()
    browser = Client()
    browser.force_login(handler)
    add_url = reverse("incidents:indicator-create", args=[incident.pk])
    refused = browser.post(add_url, {"kind": "file_hash", "value": "abc"})
    assert refused.status_code == 400
    assert "hexadecimal characters" in refused.content.decode()
    response = browser.post(add_url, {"kind": "ip", "value": "192.0.2.1", "description": "Scanner"})
    assert response.status_code == 302
    indicator = Indicator.objects.get(incident=incident)
    page = browser.get(reverse("incidents:incident-detail", args=[incident.pk])).content.decode()
    assert "192.0.2.1" in page
    assert reverse("incidents:indicator-update", args=[incident.pk, indicator.pk]) in page
    edit = browser.post(
        reverse("incidents:indicator-update", args=[incident.pk, indicator.pk]),
        {"kind": "ip", "value": "192.0.2.2", "description": "Scanner", "reason": "Typo"},
    )
    assert edit.status_code == 302
    indicator.refresh_from_db()
    assert indicator.value == "192.0.2.2"
    reader = Client()
    reader.force_login(auditor)
    assert reader.get(add_url).status_code == 404
    assert (
        add_url not in reader.get(reverse("incidents:incident-detail", args=[incident.pk])).content.decode()
    )
    delete_url = reverse("incidents:indicator-delete", args=[incident.pk, indicator.pk])
    assert reader.post(delete_url).status_code == 404
    assert browser.post(delete_url, {"reason": "Not related"}).status_code == 302
    assert not Indicator.objects.exists()
