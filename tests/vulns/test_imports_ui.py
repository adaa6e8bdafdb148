"""The import pages: uploading a real Nessus file and following it to its summary, the
progress partial in every status, the errors of a bad upload, the list with its filters
and exports, and who may see what."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garrison.core.models import Person
from garrison.core.roles import Role
from garrison.vulns.models import Finding, ImportStatus, ScanImport
from tests.vulns.conftest import SAMPLES

pytestmark = pytest.mark.django_db

NESSUS = SAMPLES / "nessus" / "nessus_many_vuln.xml"
TRIVY = next((SAMPLES / "trivy").iterdir())
LIST = reverse("vulns:import-list")
CREATE = reverse("vulns:import-create")


def browser(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def upload(path: Any, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def make_import(person: Person, unit: Any, **fields: Any) -> ScanImport:
    count = ScanImport.objects.count() + 1
    fields.setdefault("reference", f"IMP-T{count:05d}")
    fields.setdefault("filename", "dc1.nessus")
    return ScanImport.objects.create(unit=unit, created_by=person, **fields)


def shown_counts(html: str) -> dict[str, int]:
    """The summary of the progress partial: {label: number}."""
    pairs = re.findall(r'<dt class="col-sm-5">([^<]+)</dt><dd class="col-sm-7"[^>]*>(\d+)</dd>', html)
    return {label: int(number) for label, number in pairs}


def test_an_uploaded_nessus_file_is_imported_and_its_page_shows_the_summary(
    security_officer, organisation, django_capture_on_commit_callbacks
):
    client = browser(security_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CREATE,
            {
                "file": upload(NESSUS),
                "format": "auto",
                "scan_scope": "DC1 monthly",
                "unit": organisation.beijing.pk,
            },
        )

    scan_import = ScanImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("vulns:scanimport-detail", args=[scan_import.pk])
    assert (scan_import.status, scan_import.detected_format, scan_import.scan_scope) == (
        ImportStatus.DONE,
        "nessus",
        "DC1 monthly",
    )
    assert scan_import.source_file is not None
    assert Finding.objects.filter(sighting__last_import=scan_import).count() == 7

    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "nessus_many_vuln.xml" in html
    assert 'hx-trigger="every 1s"' not in html
    assert shown_counts(html) == {
        "New": 7,
        "Still open": 0,
        "Reopened": 0,
        "Fixed": 0,
        "Unchanged": 0,
        "Rejected records": 0,
        "Hosts": 1,
        "Discovered assets": 1,
    }
    download = client.get(reverse("vulns:import-file", args=[scan_import.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == NESSUS.read_bytes()


def test_the_same_file_again_shows_every_finding_unchanged(
    security_officer, organisation, django_capture_on_commit_callbacks
):
    client = browser(security_officer)
    for _round in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                CREATE,
                {
                    "file": upload(NESSUS),
                    "format": "nessus",
                    "scan_scope": "DC1",
                    "unit": organisation.beijing.pk,
                },
            )

    second = ScanImport.objects.order_by("-pk").first()
    html = client.get(reverse("vulns:import-progress", args=[second.pk])).content.decode()
    counts = shown_counts(html)
    assert (counts["New"], counts["Unchanged"], counts["Hosts"], counts["Discovered assets"]) == (0, 7, 1, 0)


@pytest.mark.parametrize(
    ("status", "progress", "polls", "text"),
    [
        (ImportStatus.QUEUED, 0, True, "Queued"),
        (ImportStatus.READING, 40, True, "40% read"),
        (ImportStatus.SAVING, 100, True, "Saving findings"),
    ],
)
def test_the_progress_partial_polls_while_the_import_runs(
    security_officer, organisation, status, progress, polls, text
):
    scan_import = make_import(security_officer, organisation.beijing, status=status, progress=progress)

    html = (
        browser(security_officer)
        .get(reverse("vulns:import-progress", args=[scan_import.pk]))
        .content.decode()
    )

    assert ('hx-trigger="every 1s"' in html) is polls
    assert text in html
    assert f'<progress class="w-100 import-progress" max="100" value="{progress}"' in html
    assert shown_counts(html) == {}


def test_the_progress_partial_of_a_finished_import_shows_its_counts_and_rejections(
    security_officer, organisation
):
    scan_import = make_import(
        security_officer,
        organisation.beijing,
        status=ImportStatus.DONE,
        progress=100,
        new_count=3,
        open_count=2,
        reopened_count=1,
        fixed_count=4,
        unchanged_count=5,
        rejected_count=2,
        host_count=6,
        discovered_asset_count=1,
        rejections=[{"where": "line 7", "reason": "no title"}, {"where": "line 9", "reason": "bad port"}],
        finished_at=timezone.now(),
    )

    html = (
        browser(security_officer)
        .get(reverse("vulns:import-progress", args=[scan_import.pk]))
        .content.decode()
    )

    assert 'hx-trigger="every' not in html
    assert "<progress" not in html
    assert shown_counts(html) == {
        "New": 3,
        "Still open": 2,
        "Reopened": 1,
        "Fixed": 4,
        "Unchanged": 5,
        "Rejected records": 2,
        "Hosts": 6,
        "Discovered assets": 1,
    }
    assert "<td>line 7</td><td>no title</td>" in html
    assert "<td>line 9</td><td>bad port</td>" in html


def test_the_progress_partial_of_a_failed_import_shows_the_error(security_officer, organisation):
    scan_import = make_import(
        security_officer,
        organisation.beijing,
        status=ImportStatus.FAILED,
        error="dc1.nessus, line 12: the XML is cut short.",
    )

    html = (
        browser(security_officer)
        .get(reverse("vulns:import-progress", args=[scan_import.pk]))
        .content.decode()
    )

    assert "The file was not imported; nothing was changed." in html
    assert "dc1.nessus, line 12: the XML is cut short." in html
    assert 'hx-trigger="every' not in html
    assert shown_counts(html) == {}


def test_an_empty_file_is_refused_with_a_clear_error(security_officer, organisation):
    response = browser(security_officer).post(
        CREATE,
        {"file": SimpleUploadedFile("empty.nessus", b""), "format": "auto", "unit": organisation.beijing.pk},
    )

    assert response.status_code == 400
    assert "The submitted file is empty." in response.content.decode()
    assert ScanImport.objects.count() == 0


def test_a_file_of_another_format_than_chosen_fails_and_changes_nothing(
    security_officer, organisation, django_capture_on_commit_callbacks
):
    client = browser(security_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CREATE, {"file": upload(TRIVY), "format": "nessus", "unit": organisation.beijing.pk}
        )

    scan_import = ScanImport.objects.get()
    assert response.status_code == 302
    assert scan_import.status == ImportStatus.FAILED
    assert scan_import.error.startswith(TRIVY.name)
    assert Finding.objects.count() == 0
    html = client.get(response.url).content.decode()
    assert "The file was not imported; nothing was changed." in html
    assert TRIVY.name in html


def test_a_file_over_the_upload_limit_is_refused(security_officer, organisation, settings):
    settings.MAX_UPLOAD_MEGABYTES = 1
    big = SimpleUploadedFile("big.nessus", b"<x>" + b" " * (1024 * 1024) + b"</x>")

    response = browser(security_officer).post(
        CREATE, {"file": big, "format": "auto", "unit": organisation.beijing.pk}
    )

    assert response.status_code == 400
    assert "The file is larger than the upload limit of 1 MB." in response.content.decode()
    assert ScanImport.objects.count() == 0


def test_errors_are_shown_in_the_persons_language(security_officer, organisation):
    client = browser(security_officer)
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        CREATE,
        {"file": SimpleUploadedFile("empty.nessus", b""), "format": "auto", "unit": organisation.beijing.pk},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert "提交的是空文件。" in response.content.decode()


def test_only_units_where_the_person_may_import_are_offered(security_officer, outsider, organisation):
    form = browser(security_officer).get(CREATE).context["form"]
    assert set(form.fields["unit"].queryset) == {organisation.beijing, organisation.beijing_ops}

    response = browser(outsider).post(
        CREATE, {"file": upload(NESSUS), "format": "auto", "unit": organisation.beijing.pk}
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert ScanImport.objects.count() == 0


def test_people_without_the_vulnerability_domain_cannot_upload(colleague):
    assert browser(colleague).get(CREATE).status_code == 404


def test_an_import_is_seen_by_its_units_people_only(
    security_officer, owner, colleague, outsider, organisation
):
    scan_import = make_import(security_officer, organisation.beijing, status=ImportStatus.DONE)
    pages = [
        reverse("vulns:scanimport-detail", args=[scan_import.pk]),
        reverse("vulns:import-progress", args=[scan_import.pk]),
    ]

    for page in pages:
        assert browser(owner).get(page).status_code == 200
        assert browser(colleague).get(page).status_code == 404
        assert browser(outsider).get(page).status_code == 404
    assert [row.object for row in browser(owner).get(LIST).context["rows"]] == [scan_import]
    assert browser(outsider).get(LIST).context["rows"] == []


def test_the_list_filters_and_exports(security_officer, make_person, organisation):
    make_import(
        security_officer,
        organisation.beijing,
        status=ImportStatus.DONE,
        detected_format="nessus",
        scan_scope="DC1",
        new_count=4,
    )
    make_import(
        security_officer,
        organisation.beijing,
        status=ImportStatus.FAILED,
        requested_format="trivy",
        filename="image.json",
    )
    client = browser(security_officer)

    def filenames(**query: str) -> list[str]:
        return [row.object.filename for row in client.get(LIST, query).context["rows"]]

    assert filenames() == ["image.json", "dc1.nessus"]
    assert filenames(status="failed") == ["image.json"]
    assert filenames(scanner="nessus") == ["dc1.nessus"]
    assert filenames(scanner="trivy") == ["image.json"]
    assert filenames(scan_scope="dc1") == ["dc1.nessus"]
    assert filenames(uploaded_from=timezone.localdate().isoformat()) == ["image.json", "dc1.nessus"]

    export = client.get(LIST, {"status": "done", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Reference", "File name", "Format"]
    assert len(rows) == 2
    assert rows[1][1] == "dc1.nessus"
    assert rows[1][rows[0].index("New")] == "4"


def test_a_security_officer_of_the_group_sees_every_unit(ciso, security_officer, make_person, organisation):
    shanghai_officer = make_person(
        "shanghai_so", organisation.shanghai, (Role.SECURITY_OFFICER, organisation.shanghai)
    )
    make_import(security_officer, organisation.beijing)
    make_import(shanghai_officer, organisation.shanghai, filename="sh.nessus")

    rows = browser(ciso).get(LIST).context["rows"]

    assert sorted(row.object.filename for row in rows) == ["dc1.nessus", "sh.nessus"]
