"""Evidence of a case: a real file stored with its SHA-256 and size, downloaded intact,
verified again (and found out when the stored blob changes), refusals storing nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from django.urls import reverse

from garrison.core.models import Attachment, Person, StoredFile
from garrison.incidents.models import IncidentEvidence
from garrison.incidents.services import evidence as services
from tests.incidents.conftest import shanghai

pytestmark = pytest.mark.django_db

SAMPLE = Path("/work/shared/samples") / "vulns" / "nmap" / "nmap_multiple_port.xml"
NOW = shanghai(2026, 3, 2, 18)


def upload() -> SimpleUploadedFile:
    return SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes(), content_type="application/xml")


def browser(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def incident(make_incident: Any) -> Any:
    return make_incident()


def test_the_sample_exists() -> None:
    assert SAMPLE.is_file(), SAMPLE


def test_the_stored_hash_is_the_files_sha256(incident: Any, handler: Person) -> None:
    evidence = services.add_evidence(
        incident,
        by=handler,
        upload=upload(),
        description="Scan of the DMZ at detection",
        source="nmap on bj-jump-01",
        collected_at=shanghai(2026, 3, 2, 11),
        now=NOW,
    )
    content = SAMPLE.read_bytes()
    stored = evidence.attachment.stored_file
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.size == len(content)
    assert evidence.collected_by == handler
    assert evidence.collected_at == shanghai(2026, 3, 2, 11)
    assert evidence.attachment.unit == incident.unit
    assert evidence.attachment.object_id == str(incident.pk)
    assert services.verify_evidence(evidence).is_intact


def test_the_download_gives_back_the_same_bytes(incident: Any, handler: Person, outsider: Person) -> None:
    evidence = services.add_evidence(incident, by=handler, upload=upload(), collected_at=NOW, now=NOW)
    response = browser(handler).get(reverse("incidents:evidence-download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SAMPLE.read_bytes()
    assert response["X-Content-SHA256"] == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert (
        browser(outsider).get(reverse("incidents:evidence-download", args=[evidence.pk])).status_code == 404
    )


def test_verification_finds_a_changed_blob(incident: Any, handler: Person) -> None:
    evidence = services.add_evidence(incident, by=handler, upload=upload(), collected_at=NOW, now=NOW)
    name = evidence.attachment.stored_file.storage_name
    default_storage.delete(name)
    default_storage.save(name, SimpleUploadedFile("x", b"tampered"))
    result = services.verify_evidence(evidence)
    assert not result.is_intact
    assert result.actual == hashlib.sha256(b"tampered").hexdigest()
    default_storage.delete(name)
    assert services.verify_evidence(evidence).actual is None


def test_refused_input_stores_nothing(incident: Any, handler: Person, outsider: Person) -> None:
    with pytest.raises(ValidationError) as error:
        services.add_evidence(
            incident, by=handler, upload=upload(), collected_at=shanghai(2026, 3, 3, 9), now=NOW
        )
    assert "collected_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.add_evidence(
            incident, by=handler, upload=SimpleUploadedFile("empty.txt", b""), collected_at=NOW, now=NOW
        )
    assert "upload" in error.value.message_dict
    with pytest.raises(Http404):
        services.add_evidence(incident, by=outsider, upload=upload(), collected_at=NOW, now=NOW)
    assert not IncidentEvidence.objects.exists()
    assert not Attachment.objects.exists()
    assert not StoredFile.objects.exists()
