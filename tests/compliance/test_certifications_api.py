"""The certification register's API: CRUD with years held, renewal, the certificate file
(multipart upload and download), surveillance audits, exports and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.compliance.models import Certification, SurveillanceAudit
from garrison.compliance.services import certifications as services
from garrison.core.models import Person
from tests.compliance.certifications_support import *  # noqa: F403
from tests.compliance.certifications_support import CERTIFICATE_SAMPLE, days
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

BASE = "/api/compliance/certifications/"
AUDITS = "/api/compliance/surveillance-audits/"


def payload(organisation: Organisation, owner: Person, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "scheme": "iso27018",
        "name": "ISO/IEC 27018 certification",
        "scope_description": "PII in the public cloud",
        "body": "BSI",
        "number": "PII-1",
        "issued_on": days(-30).isoformat(),
        "expires_on": days(1000).isoformat(),
        "unit": organisation.beijing.pk,
        "owner": owner.pk,
    }
    data.update(changes)
    return data


def test_it_creates_and_lists_certifications_with_years_held(
    api: Any, cert_manager: Person, cert_owner: Person, organisation: Organisation, make_certification: Any
) -> None:
    make_certification(issued_on=days(-365 * 2 - 5), expires_on=days(-1))
    make_certification(issued_on=days(-3), expires_on=days(1090))
    created = api.as_(cert_manager).post(BASE, payload(organisation, cert_owner), format="json")
    assert created.status_code == 201, created.data
    assert created.data["years_held"] == 0
    assert created.data["held_since"] == days(-30).isoformat()
    listed = api.get(BASE, {"scheme": "iso27001"}).data["results"]
    assert [item["years_held"] for item in listed] == [2, 2]
    assert {item["held_since"] for item in listed} == {days(-365 * 2 - 5).isoformat()}
    assert api.get(BASE, {"expired": "yes"}).data["count"] == 1


def test_it_answers_400_naming_the_field(
    api: Any, cert_manager: Person, cert_owner: Person, organisation: Organisation
) -> None:
    response = api.as_(cert_manager).post(
        BASE, payload(organisation, cert_owner, expires_on=days(-40).isoformat()), format="json"
    )
    assert response.status_code == 400
    assert "expires_on" in response.data
    assert not Certification.objects.exists()


def test_it_updates_and_deletes(api: Any, cert_manager: Person, make_certification: Any) -> None:
    certification = make_certification()
    url = f"{BASE}{certification.pk}/"
    response = api.as_(cert_manager).patch(url, {"number": "NEW-NO", "reason": "Reissued"}, format="json")
    assert response.status_code == 200
    assert response.data["number"] == "NEW-NO"
    assert api.get(f"{url}history/").data["results"][0]["reason"] == "Reissued"
    assert api.delete(url).status_code == 204
    assert not Certification.objects.exists()


def test_it_renews_with_a_multipart_file(api: Any, cert_manager: Person, make_certification: Any) -> None:
    certification = make_certification(expires_on=days(20))
    with CERTIFICATE_SAMPLE.open("rb") as handle:
        response = api.as_(cert_manager).post(
            f"{BASE}{certification.pk}/renew/",
            {
                "issued_on": days(15).isoformat(),
                "expires_on": days(1110).isoformat(),
                "number": "R2",
                "file": handle,
            },
            format="multipart",
        )
    assert response.status_code == 201, response.data
    renewed = Certification.objects.get(number="R2")
    assert response.data["id"] == renewed.pk
    assert response.data["certificate_file"]["filename"] == CERTIFICATE_SAMPLE.name
    refused = api.post(
        f"{BASE}{renewed.pk}/renew/",
        {"issued_on": days(0).isoformat(), "expires_on": days(5).isoformat()},
        format="json",
    )
    assert refused.status_code == 400
    assert set(refused.data) == {"issued_on", "expires_on"}


def test_it_uploads_and_downloads_the_certificate_file(
    api: Any, cert_manager: Person, make_certification: Any
) -> None:
    certification = make_certification()
    url = f"{BASE}{certification.pk}/file/"
    assert api.as_(cert_manager).get(url).status_code == 404
    with CERTIFICATE_SAMPLE.open("rb") as handle:
        uploaded = api.post(url, {"file": handle, "reason": "Scan of the original"}, format="multipart")
    assert uploaded.status_code == 200, uploaded.data
    assert uploaded.data["certificate_file"]["sha256"]
    download = api.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == CERTIFICATE_SAMPLE.read_bytes()
    assert download["X-Content-SHA256"] == uploaded.data["certificate_file"]["sha256"]
    assert api.post(url, {}, format="multipart").status_code == 400


def test_surveillance_audits_are_planned_and_completed(
    api: Any, cert_manager: Person, make_certification: Any
) -> None:
    certification = make_certification()
    client = api.as_(cert_manager)
    outside = client.post(
        AUDITS, {"certification": certification.pk, "due_on": days(5000).isoformat()}, format="json"
    )
    assert outside.status_code == 400
    assert "due_on" in outside.data
    created = client.post(
        AUDITS,
        {"certification": certification.pk, "kind": "surveillance", "due_on": days(-2).isoformat()},
        format="json",
    )
    assert created.status_code == 201, created.data
    done = client.post(f"{AUDITS}{created.data['id']}/complete/", {"outcome": "Clean"}, format="json")
    assert done.status_code == 200
    assert done.data["completed_on"] is not None
    assert client.get(AUDITS, {"completed": "no"}).data["count"] == 0
    listed = client.get(f"{BASE}{certification.pk}/").data
    assert listed["next_surveillance"] is None


def test_the_register_exports_as_csv(api: Any, cert_manager: Person, make_certification: Any) -> None:
    make_certification(number="CSV-1")
    response = api.as_(cert_manager).get(f"{BASE}export/", {"file_format": "csv"})
    assert response.status_code == 200
    assert b"CSV-1" in b"".join(response.streaming_content)


def test_writes_out_of_reach_are_refused_and_change_nothing(
    api: Any,
    make_certification: Any,
    outsider: Person,
    auditor: Person,
    cert_owner: Person,
    cert_manager: Person,
    organisation: Organisation,
) -> None:
    certification = make_certification()
    url = f"{BASE}{certification.pk}/"
    # Another site's administrator does not see it; the auditor reads but cannot write.
    assert api.as_(outsider).get(url).status_code == 404
    assert api.as_(outsider).patch(url, {"name": "x"}, format="json").status_code == 404
    assert api.as_(auditor).get(url).status_code == 200
    assert api.as_(auditor).patch(url, {"name": "x"}, format="json").status_code == 404
    assert api.as_(auditor).delete(url).status_code == 404
    assert api.as_(auditor).post(BASE, payload(organisation, cert_owner), format="json").status_code == 403
    with CERTIFICATE_SAMPLE.open("rb") as handle:
        assert api.as_(auditor).post(f"{url}file/", {"file": handle}, format="multipart").status_code == 404
    renew = {"issued_on": days(800).isoformat(), "expires_on": days(2000).isoformat()}
    assert api.as_(auditor).post(f"{url}renew/", renew, format="json").status_code == 404
    # The owner may change the certificate but not renew (add) or delete it.
    assert api.as_(cert_owner).patch(url, {"notes": "Mine"}, format="json").status_code == 200
    assert api.as_(cert_owner).post(f"{url}renew/", renew, format="json").status_code == 404
    assert api.as_(cert_owner).delete(url).status_code == 404
    # A Compliance Manager of Beijing cannot put a certificate in Shanghai.
    moved = api.as_(cert_manager).patch(url, {"unit": organisation.shanghai.pk}, format="json")
    assert moved.status_code == 400
    assert "unit" in moved.data
    audit = api.as_(auditor).post(
        AUDITS, {"certification": certification.pk, "due_on": days(1).isoformat()}, format="json"
    )
    assert audit.status_code == 400
    assert api.as_(None).get(BASE).status_code in (401, 403)
    certification.refresh_from_db()
    assert (certification.name, certification.unit_id, certification.notes) == (
        "ISO/IEC 27001 certification",
        organisation.beijing.pk,
        "Mine",
    )
    assert certification.certificate_file is None
    assert Certification.objects.count() == 1
    assert not SurveillanceAudit.objects.exists()


def test_the_list_query_count_does_not_grow_with_rows(
    api: Any, cert_manager: Person, make_certification: Any, django_assert_max_num_queries: Any
) -> None:
    make_certification(number="A")
    client = api.as_(cert_manager)
    client.get(BASE)
    for number in range(8):
        make_certification(number=f"N{number}", scope_description=f"Scope {number}")
    with django_assert_max_num_queries(12):
        response = client.get(BASE)
    assert response.data["count"] == 9
    assert services.holding_of(Certification.objects.get(number="A")).is_held
