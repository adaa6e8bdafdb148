"""The evidence store: content-addressed blobs, the attachments API and re-verification."""

from __future__ import annotations

import hashlib
import io
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from garrison.core.models import Attachment, AuditEvent, StoredFile
from garrison.core.services import files

URL = "/api/attachments/"


def unique_content(label: str = "evidence") -> bytes:
    return f"{label} {uuid.uuid4()}\n".encode() * 100


def upload(api: Any, unit: Any, content: bytes, name: str = "report.pdf", **extra: Any) -> Any:
    document = SimpleUploadedFile(name, content, content_type="application/pdf")
    return api.post(URL, {"file": document, "unit": unit.pk, **extra}, format="multipart")


def test_storing_the_same_content_twice_keeps_one_blob_named_by_its_hash(
    organisation: Any, owner: Any
) -> None:
    content = unique_content()
    first = files.store_file(io.BytesIO(content), filename="a.txt", by=owner, unit=organisation.beijing)
    second = files.store_file(io.BytesIO(content), filename="b.txt", by=owner, unit=organisation.beijing)
    sha256 = hashlib.sha256(content).hexdigest()
    assert first.stored_file_id == second.stored_file_id
    assert StoredFile.objects.filter(sha256=sha256).count() == 1
    assert first.stored_file.size == len(content)
    assert first.stored_file.storage_name == f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
    with files.open_file(second) as stored:
        assert stored.read() == content
    assert [first.filename, second.filename] == ["a.txt", "b.txt"]


def test_storing_a_file_appends_an_audit_event_with_its_hash(organisation: Any, owner: Any) -> None:
    content = unique_content()
    attachment = files.store_file(
        io.BytesIO(content),
        filename="scan.pdf",
        by=owner,
        unit=organisation.beijing,
        target=organisation.beijing,
    )
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    assert (event.action, event.object_type, event.object_id) == (
        "create",
        "core.attachment",
        str(attachment.pk),
    )
    assert event.actor_id == owner.pk
    assert event.changes["sha256"] == [None, hashlib.sha256(content).hexdigest()]
    assert event.changes["filename"] == [None, "scan.pdf"]
    assert attachment.object_id == str(organisation.beijing.pk)
    assert attachment.object_type is not None
    assert attachment.object_type.model == "orgunit"


def test_a_file_over_the_upload_limit_is_refused_and_nothing_is_kept(
    organisation: Any, owner: Any, settings: Any
) -> None:
    settings.MAX_UPLOAD_MEGABYTES = 1
    content = b"x" * (1024 * 1024 + 1)
    before = (StoredFile.objects.count(), Attachment.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as refused:
        files.store_file(io.BytesIO(content), filename="big.bin", by=owner, unit=organisation.beijing)
    assert "upload limit of 1 MB" in refused.value.message_dict["file"][0]
    assert (StoredFile.objects.count(), Attachment.objects.count(), AuditEvent.objects.count()) == before
    assert not default_storage.exists(StoredFile(sha256=hashlib.sha256(content).hexdigest()).storage_name)


def test_verification_reports_missing_and_altered_blobs(organisation: Any, owner: Any) -> None:
    intact = files.store_file(io.BytesIO(unique_content()), filename="a", by=owner, unit=organisation.beijing)
    missing = files.store_file(
        io.BytesIO(unique_content()), filename="b", by=owner, unit=organisation.beijing
    )
    altered = files.store_file(
        io.BytesIO(unique_content()), filename="c", by=owner, unit=organisation.beijing
    )
    assert files.verify_stored_files() == []
    default_storage.delete(missing.stored_file.storage_name)
    with open(default_storage.path(altered.stored_file.storage_name), "ab") as blob:
        blob.write(b"tampered")
    problems = {problem.sha256: problem.reason for problem in files.verify_stored_files()}
    assert set(problems) == {missing.stored_file.sha256, altered.stored_file.sha256}
    assert problems[missing.stored_file.sha256] == "the stored file is missing"
    assert problems[altered.stored_file.sha256].startswith("its content does not match its hash")
    assert intact.stored_file.sha256 not in problems


def test_an_administrator_uploads_evidence_for_an_object_in_their_unit(
    api: Any, organisation: Any, owner: Any
) -> None:
    content = unique_content()
    response = upload(
        api.as_(owner),
        organisation.beijing_ops,
        content,
        object_type="core.orgunit",
        object_id=str(organisation.beijing_ops.pk),
        description="Hall inspection",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)
    assert body["filename"] == "report.pdf"
    assert body["object_type"] == "core.orgunit"
    assert body["object_id"] == str(organisation.beijing_ops.pk)
    assert body["unit"] == organisation.beijing_ops.pk
    assert body["uploaded_by"] == owner.pk
    attachment = Attachment.objects.get(pk=body["id"])
    assert attachment.description == "Hall inspection"
    assert attachment.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"object_type": "core.nothing", "object_id": "1"}, "object_type"),
        ({"object_type": "core.orgunit", "object_id": "999999"}, "object_id"),
        ({"object_type": "core.orgunit", "object_id": "not-a-number"}, "object_id"),
        ({"object_type": "core.orgunit", "object_id": "²"}, "object_id"),
        ({"object_type": "core.orgunit", "object_id": "9" * 30}, "object_id"),
        ({"object_id": "1"}, "object_type"),
    ],
)
def test_an_upload_naming_an_unknown_object_is_refused_field_by_field(
    api: Any, organisation: Any, owner: Any, extra: dict[str, str], field: str
) -> None:
    response = upload(api.as_(owner), organisation.beijing, unique_content(), **extra)
    assert response.status_code == 400
    assert field in response.json()
    assert Attachment.objects.count() == 0


def test_an_upload_without_a_file_or_unit_answers_field_errors(api: Any, owner: Any) -> None:
    response = api.as_(owner).post(URL, {"description": "nothing"}, format="multipart")
    assert response.status_code == 400
    assert set(response.json()) >= {"file", "unit"}


def test_an_upload_over_the_limit_answers_400(api: Any, organisation: Any, owner: Any, settings: Any) -> None:
    settings.MAX_UPLOAD_MEGABYTES = 1
    response = upload(api.as_(owner), organisation.beijing, b"y" * (1024 * 1024 + 10))
    assert response.status_code == 400
    assert "upload limit" in response.json()["file"][0]
    assert Attachment.objects.count() == 0


def test_nobody_attaches_evidence_outside_their_reach(
    api: Any, organisation: Any, owner: Any, colleague: Any, outsider: Any
) -> None:
    # Someone who may add nothing there may still attach evidence to an object they may change.
    refused_colleague = upload(api.as_(colleague), organisation.beijing, unique_content())
    assert refused_colleague.status_code == 400
    assert set(refused_colleague.json()) == {"unit"}
    refused_unit = upload(api.as_(outsider), organisation.beijing, unique_content())
    assert refused_unit.status_code == 400
    assert "unit" in refused_unit.json()
    refused_target = upload(
        api.as_(outsider),
        organisation.shanghai,
        unique_content(),
        object_type="core.orgunit",
        object_id=str(organisation.beijing.pk),
    )
    assert refused_target.status_code == 400
    assert "object_id" in refused_target.json()
    assert upload(api.as_(None), organisation.beijing, unique_content()).status_code in (401, 403)
    assert Attachment.objects.count() == 0


@pytest.fixture
def evidence(organisation: Any, owner: Any) -> Attachment:
    return files.store_file(
        io.BytesIO(b"%PDF-1.7 firewall review\n" + uuid.uuid4().bytes),
        filename="firewall review.pdf",
        by=owner,
        unit=organisation.beijing,
        content_type="application/pdf",
    )


def test_the_list_shows_each_person_only_the_evidence_in_their_reach(
    api: Any, evidence: Attachment, owner: Any, colleague: Any, outsider: Any, auditor: Any
) -> None:
    def listed(person: Any) -> list[int]:
        response = api.as_(person).get(URL)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert listed(owner) == [evidence.pk]
    assert listed(colleague) == [evidence.pk]
    assert listed(auditor) == [evidence.pk]
    assert listed(outsider) == []
    assert api.as_(None).get(URL).status_code in (401, 403)


def test_download_streams_the_content_with_its_name_and_hash(
    api: Any, evidence: Attachment, colleague: Any
) -> None:
    response = api.as_(colleague).get(f"{URL}{evidence.pk}/download/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sha256 = hashlib.sha256(content).hexdigest()
    assert sha256 == evidence.stored_file.sha256
    assert response["X-Content-SHA256"] == sha256
    assert response["ETag"] == f'"{sha256}"'
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="firewall review.pdf"' in response["Content-Disposition"]
    again = api.get(f"{URL}{evidence.pk}/download/", HTTP_IF_NONE_MATCH=f'"{sha256}"')
    assert again.status_code == 304


def test_evidence_out_of_reach_answers_404_like_missing_evidence(
    api: Any, evidence: Attachment, outsider: Any
) -> None:
    client = api.as_(outsider)
    for path in (f"{URL}{evidence.pk}/", f"{URL}{evidence.pk}/download/", f"{URL}999999/download/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"firewall" not in response.content
    assert client.delete(f"{URL}{evidence.pk}/").status_code == 404
    assert Attachment.objects.filter(pk=evidence.pk).exists()


def test_deleting_an_attachment_keeps_a_blob_another_attachment_still_names(
    api: Any, evidence: Attachment, owner: Any, colleague: Any, django_capture_on_commit_callbacks: Any
) -> None:
    storage_name = evidence.stored_file.storage_name
    with files.open_file(evidence) as blob:
        copy = files.store_file(blob, filename="copy.pdf", by=owner, unit=evidence.unit)
    assert copy.stored_file_id == evidence.stored_file_id
    assert api.as_(colleague).delete(f"{URL}{evidence.pk}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert api.as_(owner).delete(f"{URL}{evidence.pk}/").status_code == 204
    assert not Attachment.objects.filter(pk=evidence.pk).exists()
    assert default_storage.exists(storage_name)
    deleted = AuditEvent.objects.order_by("-sequence").first()
    assert deleted is not None
    assert (deleted.action, deleted.object_id) == ("delete", str(evidence.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"{URL}{copy.pk}/").status_code == 204
    assert not default_storage.exists(storage_name)
    assert not StoredFile.objects.filter(pk=copy.stored_file_id).exists()


def _asset_in(unit: Any, owner: Any) -> Any:
    from garrison.assets.models import Asset

    return Asset.objects.create(
        reference="AST-1", name="Core switch", asset_type="network_device", owner=owner, unit=unit
    )


def test_evidence_for_an_object_is_read_by_those_who_may_read_the_object(
    api: Any, organisation: Any, make_person: Any, colleague: Any
) -> None:
    from garrison.core.roles import Role

    officer = make_person("officer", organisation.beijing, Role.SECURITY_OFFICER)
    asset = _asset_in(organisation.beijing_ops, officer)

    response = upload(
        api.as_(officer),
        organisation.beijing_ops,
        unique_content(),
        object_type="assets.asset",
        object_id=str(asset.pk),
    )

    assert response.status_code == 201
    attachment = Attachment.objects.get()
    assert (attachment.domain, attachment.unit_id) == ("assets", organisation.beijing_ops.pk)
    # The employee of Beijing reads the organisation there, not its assets, nor their evidence.
    assert api.as_(colleague).get(f"{URL}{attachment.pk}/").status_code == 404
    assert api.as_(officer).get(f"{URL}{attachment.pk}/").status_code == 200


def test_evidence_for_an_object_must_name_the_unit_of_that_object(
    api: Any, organisation: Any, owner: Any
) -> None:
    asset = _asset_in(organisation.beijing_ops, owner)

    response = upload(
        api.as_(owner),
        organisation.beijing,
        unique_content(),
        object_type="assets.asset",
        object_id=str(asset.pk),
    )

    assert response.status_code == 400
    assert set(response.json()) == {"unit"}
    assert Attachment.objects.count() == 0
