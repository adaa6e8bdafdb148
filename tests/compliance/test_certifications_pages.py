"""The certification register's web pages: the register with its filters and exports, a
certificate's page, the forms (create with file, edit, renew, delete, surveillance audits),
the download, refusals, and a constant query count for the list."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from garrison.compliance.models import Certification, SurveillanceAudit
from garrison.compliance.services import certifications as services
from garrison.core.models import Person
from tests.compliance.certifications_support import *  # noqa: F403
from tests.compliance.certifications_support import CERTIFICATE_SAMPLE, certificate_upload, days
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

LIST = reverse("compliance:certification-list")


def browser(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def form_data(organisation: Organisation, owner: Person, **changes: Any) -> dict[str, Any]:
    data = {
        "scheme": "iso20000",
        "name": "ISO/IEC 20000-1 certification",
        "scope_description": "IT service management",
        "body": "CQC",
        "number": "ITSM-1",
        "issued_on": days(-10).isoformat(),
        "expires_on": days(1000).isoformat(),
        "status": "active",
        "unit": organisation.beijing.pk,
        "owner": owner.username,
        "notes": "",
    }
    data.update(changes)
    return data


def test_the_register_lists_certifications_with_days_left_and_years_held(
    make_certification: Any, cert_manager: Person, organisation: Organisation, outsider: Person
) -> None:
    old = make_certification(issued_on=days(-365 * 4 - 5), expires_on=days(-365), number="OLD")
    lapsed = make_certification(scheme="trucs", issued_on=days(-800), expires_on=days(-100), number="LAPSED")
    current = make_certification(issued_on=days(-370), expires_on=days(20), number="CUR")
    services.add_surveillance_audit(current, by=None, due_on=days(12))
    make_certification(name="Shanghai SOC 2", unit=organisation.shanghai, owner=outsider)
    response = browser(cert_manager).get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "CUR" in page
    assert "OLD" in page
    assert "Shanghai SOC 2" not in page
    assert "20 days" in page
    assert "text-bg-danger" in page
    assert days(12).isoformat() in page
    rows = {row.object.pk: row for row in response.context["rows"]}
    years = [cell.value for cell in rows[current.pk].cells if cell.template is None][-1]
    assert years == 4
    # Years held belong to the lineage: the expired certificate shows its lineage's run.
    assert [cell.value for cell in rows[old.pk].cells][-1] == 4
    assert [cell.value for cell in rows[lapsed.pk].cells][-1] == 0
    # A certificate a later one replaced reads "renewed"; one nobody renewed reads "expired".
    days_left = {pk: next(cell.value for cell in row.cells if cell.template) for pk, row in rows.items()}
    assert (days_left[old.pk], days_left[lapsed.pk], days_left[current.pk]) == ("renewed", -100, 20)
    assert page.count(">Renewed</span>") == 1
    assert page.count(">Expired</span>") == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"expiring_within": "30"}, {"soon"}),
        ({"expiring_within": "400"}, {"soon", "later"}),
        ({"expired": "yes"}, {"gone"}),
        ({"expired": "no"}, {"soon", "later"}),
        ({"scheme": "soc2"}, {"later"}),
        ({"status": "withdrawn"}, set()),
        ({"q": "GON"}, {"gone"}),
    ],
)
def test_the_register_filters(
    make_certification: Any, cert_manager: Person, query: dict[str, str], expected: set[str]
) -> None:
    make_certification(number="SOON", name="soon", expires_on=days(20))
    make_certification(number="LATER", name="later", scheme="soc2", expires_on=days(300))
    make_certification(number="GONE", name="gone", issued_on=days(-900), expires_on=days(-5))
    response = browser(cert_manager).get(LIST, query)
    assert {row.object.name for row in response.context["rows"]} == expected


def test_the_register_exports_csv_and_xlsx_with_years_held(
    make_certification: Any, cert_manager: Person
) -> None:
    make_certification(number="CQC-9", issued_on=days(-800), expires_on=days(300))
    client = browser(cert_manager)
    response = client.get(LIST, {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header = rows[0]
    assert header[-1] == "Years held"
    assert rows[1][header.index("Certificate number")] == "CQC-9"
    assert rows[1][-1] == "2"
    workbook = load_workbook(io.BytesIO(b"".join(client.get(LIST, {"export": "xlsx"}).streaming_content)))
    assert workbook.active.max_row >= 2


def test_the_register_query_count_does_not_grow_with_rows(
    make_certification: Any, cert_manager: Person
) -> None:
    client = browser(cert_manager)
    make_certification(number="A")
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for number in range(6):
        make_certification(number=f"N{number}", scope_description=f"Scope {number}")
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many) == len(few)


def test_the_register_is_empty_for_nothing_and_invisible_to_employees(
    cert_manager: Person, colleague: Person
) -> None:
    response = browser(cert_manager).get(LIST)
    assert "Nothing here yet." in response.content.decode()
    assert response.context["create_url"] == reverse("compliance:certification-add")
    assert browser(colleague).get(LIST).context["rows"] == []


def test_a_certificate_page_shows_lineage_audits_file_and_history(
    make_certification: Any, cert_manager: Person
) -> None:
    first = make_certification(issued_on=days(-365 * 3 - 5), expires_on=days(-2), number="FIRST")
    current = services.renew_certification(
        first, by=cert_manager, issued_on=days(-10), expires_on=days(1000), number="SECOND"
    )
    services.add_surveillance_audit(current, by=cert_manager, due_on=days(200))
    services.attach_certificate_file(current, certificate_upload(), by=cert_manager, filename="cert.json")
    response = browser(cert_manager).get(reverse("compliance:certification-detail", args=[current.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Held for 3 consecutive years" in page
    assert "FIRST" in page
    assert "SECOND" in page
    assert days(200).isoformat() in page
    assert "cert.json" in page
    assert reverse("compliance:certification-file", args=[current.pk]) in page
    assert response.context["history"].entries
    # The renewed one has a successor, so it offers no renewal itself.
    assert (
        browser(cert_manager)
        .get(reverse("compliance:certification-detail", args=[first.pk]))
        .context["may_renew"]
        is False
    )


def test_creating_a_certification_with_its_file(
    organisation: Organisation, cert_manager: Person, cert_owner: Person
) -> None:
    data = form_data(organisation, cert_owner, certificate_file=certificate_upload())
    response = browser(cert_manager).post(reverse("compliance:certification-add"), data)
    certification = Certification.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("compliance:certification-detail", args=[certification.pk])
    assert certification.certificate_file.filename == CERTIFICATE_SAMPLE.name
    download = browser(cert_manager).get(reverse("compliance:certification-file", args=[certification.pk]))
    assert b"".join(download.streaming_content) == CERTIFICATE_SAMPLE.read_bytes()


def test_the_form_names_the_date_field_it_refuses(
    organisation: Organisation, cert_manager: Person, cert_owner: Person
) -> None:
    data = form_data(organisation, cert_owner, expires_on=days(-20).isoformat())
    response = browser(cert_manager).post(reverse("compliance:certification-add"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["expires_on"] == ["The expiry date must be after the issue date."]
    assert not Certification.objects.exists()


def test_editing_renewing_and_deleting(
    make_certification: Any, cert_manager: Person, cert_owner: Person, organisation: Organisation
) -> None:
    certification = make_certification(expires_on=days(30))
    client = browser(cert_manager)
    edit = client.post(
        reverse("compliance:certification-edit", args=[certification.pk]),
        form_data(
            organisation,
            cert_owner,
            scheme="iso27001",
            issued_on=certification.issued_on.isoformat(),
            expires_on=days(30).isoformat(),
            number="EDITED",
            reason="Number corrected",
        ),
    )
    assert edit.status_code == 302
    certification.refresh_from_db()
    assert certification.number == "EDITED"
    renew = client.post(
        reverse("compliance:certification-renew", args=[certification.pk]),
        {
            "issued_on": days(25).isoformat(),
            "expires_on": days(1120).isoformat(),
            "number": "NEXT",
            "certificate_file": certificate_upload(),
        },
    )
    renewed = Certification.objects.get(number="NEXT")
    assert renew["Location"] == reverse("compliance:certification-detail", args=[renewed.pk])
    assert renewed.certificate_file is not None
    bad = client.post(
        reverse("compliance:certification-renew", args=[renewed.pk]),
        {"issued_on": days(0).isoformat(), "expires_on": days(10).isoformat()},
    )
    assert bad.status_code == 400
    assert "issued_on" in bad.context["form"].errors
    delete = client.post(
        reverse("compliance:certification-delete", args=[renewed.pk]), {"reason": "Duplicate"}
    )
    assert delete.status_code == 302
    assert not Certification.objects.filter(pk=renewed.pk).exists()


def test_replacing_the_file_keeps_the_earlier_one_downloadable(
    make_certification: Any, cert_manager: Person
) -> None:
    certification = make_certification()
    client = browser(cert_manager)
    upload_url = reverse("compliance:certification-file-upload", args=[certification.pk])
    assert client.post(upload_url, {"certificate_file": certificate_upload()}).status_code == 302
    first = Certification.objects.get().certificate_file
    assert client.post(upload_url, {}).status_code == 400
    from tests.compliance.certifications_support import OTHER_SAMPLE

    client.post(upload_url, {"certificate_file": certificate_upload(OTHER_SAMPLE)})
    url = reverse("compliance:certification-file", args=[certification.pk])
    assert b"".join(client.get(url).streaming_content) == OTHER_SAMPLE.read_bytes()
    earlier = client.get(url, {"version": first.pk})
    assert b"".join(earlier.streaming_content) == CERTIFICATE_SAMPLE.read_bytes()
    assert client.get(url, {"version": "x"}).status_code == 404


def test_planning_and_completing_a_surveillance_audit(make_certification: Any, cert_manager: Person) -> None:
    certification = make_certification()
    client = browser(cert_manager)
    add_url = reverse("compliance:surveillance-audit-add", args=[certification.pk])
    refused = client.post(
        add_url, {"surveillance-kind": "surveillance", "surveillance-due_on": days(5000).isoformat()}
    )
    assert refused.status_code == 400
    assert "due_on" in refused.context["form"].errors
    client.post(add_url, {"surveillance-kind": "surveillance", "surveillance-due_on": days(-1).isoformat()})
    item = SurveillanceAudit.objects.get()
    response = client.post(
        reverse("compliance:surveillance-audit-complete", args=[item.pk]), {"complete-outcome": "Clean"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.completed_on is not None
    assert item.outcome == "Clean"


def test_the_owner_may_change_but_not_delete_or_renew(make_certification: Any, cert_owner: Person) -> None:
    certification = make_certification()
    client = browser(cert_owner)
    assert client.get(reverse("compliance:certification-detail", args=[certification.pk])).status_code == 200
    assert client.get(reverse("compliance:certification-edit", args=[certification.pk])).status_code == 200
    assert client.post(reverse("compliance:certification-delete", args=[certification.pk])).status_code == 404
    renew = client.post(
        reverse("compliance:certification-renew", args=[certification.pk]),
        {"issued_on": days(800).isoformat(), "expires_on": days(2000).isoformat()},
    )
    assert renew.status_code == 404
    assert Certification.objects.count() == 1


def test_people_out_of_reach_get_404_and_change_nothing(
    make_certification: Any, outsider: Person, auditor: Person, colleague: Person
) -> None:
    certification = make_certification()
    detail = reverse("compliance:certification-detail", args=[certification.pk])
    assert browser(outsider).get(detail).status_code == 404
    assert (
        browser(colleague).get(reverse("compliance:certification-file", args=[certification.pk])).status_code
        == 404
    )
    assert browser(auditor).get(detail).status_code == 200
    for person in (outsider, auditor):
        client = browser(person)
        assert (
            client.post(
                reverse("compliance:certification-edit", args=[certification.pk]), {"name": "x"}
            ).status_code
            == 404
        )
        assert (
            client.post(reverse("compliance:certification-delete", args=[certification.pk])).status_code
            == 404
        )
        assert (
            client.post(
                reverse("compliance:certification-file-upload", args=[certification.pk]),
                {"certificate_file": certificate_upload()},
            ).status_code
            == 404
        )
        assert (
            client.post(
                reverse("compliance:surveillance-audit-add", args=[certification.pk]),
                {"surveillance-kind": "surveillance", "surveillance-due_on": days(1).isoformat()},
            ).status_code
            == 404
        )
    assert browser(auditor).get(reverse("compliance:certification-add")).status_code == 404
    certification.refresh_from_db()
    assert certification.name == "ISO/IEC 27001 certification"
    assert certification.certificate_file is None
    assert not SurveillanceAudit.objects.exists()
