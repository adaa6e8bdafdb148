"""`garrison backup` and `garrison restore`: one archive, a faithful restore, refusals
that write nothing, and restores across SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from garrison.core import audit
from garrison.core.models import Attachment, AuditEvent, OrgUnit, Person, Responsibility, RoleAssignment
from garrison.core.roles import Role
from garrison.core.services import files, org
from garrison.core.services.backup import BackupError, create_backup, restore_backup

GARRISON = [sys.executable, "-m", "garrison.cli"]
EVIDENCE = b"%PDF-1.7 data-center access review, quarter 3\n" * 50
SAMPLE_SCRIPT = """
import json
from garrison.core.models import *
from django.core.files.storage import default_storage
person = Person.objects.get(username="li.wei")
print(json.dumps({
    "counts": {m._meta.label_lower: m.objects.count() for m in
               (OrgUnit, Person, RoleAssignment, Responsibility, Attachment, StoredFile, AuditEvent)},
    "person": [person.full_name, person.job_title, person.unit.code, person.manager.username,
               person.password, person.created_at.isoformat(), person.updated_at.isoformat()],
    "unit_paths": sorted(OrgUnit.objects.values_list("code", "path")),
    "attachment": [(a.filename, a.stored_file.sha256, a.object_type.model, a.object_id)
                   for a in Attachment.objects.all()],
    "blob": default_storage.open(Attachment.objects.get().stored_file.storage_name).read().hex(),
}))
"""


class Rollback(Exception):
    """Raised to undo a savepoint, leaving the test database empty again."""


def populate() -> Person:
    """A small organisation with roles, responsibilities, evidence and edits."""
    root = org.create_unit(by=None, name="Example Cloud", code="example", kind="company")
    site = org.create_unit(by=None, name="Langfang site", code="lf", kind="site", parent=root)
    committee = org.create_unit(by=None, name="Security Committee", code="csc", kind="committee", parent=root)
    chief = org.create_person(by=None, username="chief", full_name="Zhang Min", unit=root, password=None)
    org.assign_role(chief, Role.ADMINISTRATOR, root, by=None)
    engineer = org.create_person(by=chief, username="li.wei", full_name="Li Wei", unit=site, manager=chief)
    org.update_person(engineer, by=chief, job_title="Shift lead")
    org.assign_role(engineer, Role.EMPLOYEE, site, by=chief)
    org.assign_responsibility(site, "A", by=chief, person=engineer)
    org.assign_responsibility(committee, "I", by=chief, assignee_unit=site)
    files.store_file(
        io.BytesIO(EVIDENCE), filename="access review.pdf", by=chief, unit=site, target=site, description="Q3"
    )
    return engineer


def snapshot_of_database() -> dict[str, Any]:
    person = Person.objects.get(username="li.wei")
    assert person.manager is not None
    return {
        "counts": {
            model._meta.label_lower: model.objects.count()
            for model in (OrgUnit, Person, RoleAssignment, Responsibility, Attachment, AuditEvent)
        },
        "person": [
            person.full_name,
            person.job_title,
            person.unit.code,
            person.manager.username,
            person.password,
            person.created_at,
            person.updated_at,
        ],
        "unit_paths": sorted(OrgUnit.objects.values_list("code", "path")),
        "attachments": [(a.filename, a.stored_file.sha256) for a in Attachment.objects.all()],
    }


@pytest.fixture
def backup_of_vanished_data(db: Any, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A backup of data that was then rolled back, so this database is empty again."""
    path = tmp_path / "garrison.tar.gz"
    expected: dict[str, Any] = {}

    def back_up_then_roll_back() -> None:
        with transaction.atomic():
            populate()
            expected.update(snapshot_of_database())
            create_backup(path)
            raise Rollback

    with pytest.raises(Rollback):
        back_up_then_roll_back()
    assert not Person.objects.exists()
    default_storage.delete(_blob_name())
    return path, expected


def _blob_name() -> str:
    sha256 = hashlib.sha256(EVIDENCE).hexdigest()
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def rewrite_archive(path: Path, change: Any) -> None:
    """Rewrite the archive in place, passing every member's bytes through `change`."""
    members = []
    with tarfile.open(path, "r:gz") as archive:
        for member in archive.getmembers():
            source = archive.extractfile(member)
            assert source is not None
            members.append((member.name, change(member.name, source.read())))
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))


def test_a_backup_is_one_archive_with_every_row_every_file_and_a_manifest(db: Any, tmp_path: Path) -> None:
    populate()
    path = tmp_path / "nightly.tar.gz"
    report = create_backup(path)
    with tarfile.open(path, "r:gz") as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        person_lines = archive.extractfile("data/core.person.jsonl").read().decode().splitlines()  # type: ignore[union-attr]
        blob = archive.extractfile(f"files/{_blob_name()}").read()  # type: ignore[union-attr]
    rows = {entry["label"]: entry["rows"] for entry in manifest["models"]}
    assert names[-1] == "manifest.json"
    assert manifest["format_version"] == 1
    assert manifest["database_vendor"] == connection.vendor
    assert manifest["created_at"].endswith("Z")
    assert rows["core.person"] == Person.objects.count() == len(person_lines) == 2
    assert rows["core.auditevent"] == AuditEvent.objects.count()
    assert rows["core.attachment"] == 1
    assert "sessions.session" not in rows
    assert "contenttypes.contenttype" not in rows
    labels = [entry["label"] for entry in manifest["models"]]
    assert labels.index("core.orgunit") < labels.index("core.person") < labels.index("core.roleassignment")
    assert labels.index("core.storedfile") < labels.index("core.attachment")
    assert blob == EVIDENCE
    assert manifest["files"] == {f"files/{_blob_name()}": hashlib.sha256(EVIDENCE).hexdigest()}
    head = AuditEvent.objects.order_by("-sequence").first()
    assert head is not None
    assert manifest["audit_chain_head"] == {"sequence": head.sequence, "hash": head.hash}
    assert report.rows == rows
    assert report.path == path.resolve()
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert not [p for p in tmp_path.iterdir() if p.name != "nightly.tar.gz"]


def test_timestamps_keep_their_microseconds_in_the_archive(db: Any, tmp_path: Path) -> None:
    populate()
    create_backup(tmp_path / "b.tar.gz")
    with tarfile.open(tmp_path / "b.tar.gz", "r:gz") as archive:
        first = json.loads(archive.extractfile("data/core.auditevent.jsonl").readline())  # type: ignore[union-attr]
    event = AuditEvent.objects.get(pk=first["pk"])
    assert first["fields"]["occurred_at"].startswith(event.occurred_at.isoformat()[:26])
    assert len(first["fields"]["occurred_at"].split(".")[1]) >= 6


def test_restore_into_an_empty_database_reproduces_every_object_and_the_audit_trail(
    backup_of_vanished_data: tuple[Path, dict[str, Any]],
) -> None:
    path, expected = backup_of_vanished_data
    report = restore_backup(path, by="restore test")
    restored = snapshot_of_database()
    expected_counts = {**expected["counts"], "core.auditevent": expected["counts"]["core.auditevent"] + 1}
    assert restored == {**expected, "counts": expected_counts}
    assert report.problem is None
    assert report.events == expected_counts["core.auditevent"]
    assert report.rows["core.person"] == 2
    assert report.files == 1
    last = AuditEvent.objects.order_by("-sequence").first()
    assert last is not None
    assert (last.action, last.actor_label) == ("restore", "restore test")
    assert audit.verify_trail() == (report.events, None)
    with files.open_file(Attachment.objects.get()) as blob:
        assert blob.read() == EVIDENCE
    # New rows get fresh ids after the restored ones (sequences were reset).
    unit = org.create_unit(
        by=None, name="New site", code="new", kind="site", parent=OrgUnit.objects.get(code="lf")
    )
    assert unit.pk > max(OrgUnit.objects.exclude(pk=unit.pk).values_list("pk", flat=True))


def test_restore_refuses_a_database_that_already_holds_data_and_changes_nothing(
    backup_of_vanished_data: tuple[Path, dict[str, Any]], organisation: Any
) -> None:
    path, _expected = backup_of_vanished_data
    before = (OrgUnit.objects.count(), Person.objects.count(), AuditEvent.objects.count())
    with pytest.raises(BackupError, match="already holds"):
        restore_backup(path)
    with pytest.raises(CommandError, match="restore refused: the database already holds"):
        call_command("restore", str(path))
    assert (OrgUnit.objects.count(), Person.objects.count(), AuditEvent.objects.count()) == before
    assert not default_storage.exists(_blob_name())


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (f"files/{_blob_name()}", "does not match its recorded SHA-256"),
        ("data/core.person.jsonl", "does not match its recorded SHA-256"),
    ],
)
def test_restore_refuses_a_tampered_archive_before_writing_anything(
    backup_of_vanished_data: tuple[Path, dict[str, Any]], member: str, message: str
) -> None:
    path, _expected = backup_of_vanished_data
    rewrite_archive(path, lambda name, data: data + b" " if name == member else data)
    with pytest.raises(BackupError, match=message):
        restore_backup(path)
    assert not Person.objects.exists()
    assert not AuditEvent.objects.exists()
    assert not default_storage.exists(_blob_name())


def test_restore_refuses_a_blob_whose_content_differs_from_its_name_even_with_a_matching_manifest(
    backup_of_vanished_data: tuple[Path, dict[str, Any]],
) -> None:
    path, _expected = backup_of_vanished_data
    forged = b"forged evidence"
    blob_member = f"files/{_blob_name()}"

    def forge(name: str, data: bytes) -> bytes:
        if name == blob_member:
            return forged
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["files"][blob_member] = hashlib.sha256(forged).hexdigest()
            return json.dumps(manifest).encode()
        return data

    rewrite_archive(path, forge)
    with pytest.raises(BackupError, match="does not hold the content its name says"):
        restore_backup(path)
    assert not Person.objects.exists()
    assert not default_storage.exists(_blob_name())


def test_restore_refuses_an_archive_with_foreign_entries(db: Any, tmp_path: Path) -> None:
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as archive:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="unexpected entry"):
        restore_backup(evil)
    assert not (tmp_path.parent / "outside.txt").exists()
    (tmp_path / "not-a-backup.tar.gz").write_bytes(b"plain text")
    with pytest.raises(BackupError, match="cannot be read as a backup archive"):
        restore_backup(tmp_path / "not-a-backup.tar.gz")


def test_a_backup_whose_audit_trail_does_not_verify_is_not_restored(
    backup_of_vanished_data: tuple[Path, dict[str, Any]],
) -> None:
    path, _expected = backup_of_vanished_data
    digests: dict[str, str] = {}

    def forge(name: str, data: bytes) -> bytes:
        if name == "data/core.auditevent.jsonl":
            data = data.replace(b'"Shift lead"', b'"Director"', 1)
            assert b"Director" in data
        if name == "manifest.json":
            manifest = json.loads(data)
            for entry in manifest["models"]:
                entry["sha256"] = digests.get(entry["path"], entry["sha256"])
            return json.dumps(manifest).encode()
        digests[name] = hashlib.sha256(data).hexdigest()
        return data

    rewrite_archive(path, forge)
    with pytest.raises(BackupError, match=r"audit trail broken at event #\d+: its content does not match"):
        restore_backup(path)
    assert not Person.objects.exists()
    assert not AuditEvent.objects.exists()


# Restores into another install, in a separate process, as an operator would run them.


def garrison(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603
        [*GARRISON, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


def environment(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "GARRISON_TEST_DATABASE_NAME", "GARRISON_FILES_DIR"}
        and not key.startswith("PYTEST")
    }
    env.update({"DJANGO_SETTINGS_MODULE": "garrison.settings", "GARRISON_DATA_DIR": str(data_dir)})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: Any) -> Path:
    data_dir = tmp_path_factory.mktemp("migrated")
    garrison("migrate", "--no-input", "-v", "0", env=environment(data_dir))
    return data_dir


@pytest.fixture
def fresh_install(migrated_sqlite: Path, tmp_path: Path) -> dict[str, str]:
    data_dir = tmp_path / "install"
    shutil.copytree(migrated_sqlite, data_dir)
    return environment(data_dir)


def restore_and_sample(path: Path, env: dict[str, str]) -> dict[str, Any]:
    restored = garrison("restore", str(path), env=env)
    assert "audit trail intact" in restored.stdout
    verified = garrison("audit-trail", "verify", env=env)
    assert verified.stdout.startswith("audit trail intact: ")
    # The last line: Django 5.2's shell may first announce its automatic imports.
    sample = json.loads(garrison("shell", "-c", SAMPLE_SCRIPT, env=env).stdout.strip().splitlines()[-1])
    return {**sample, "events": int(verified.stdout.split(": ")[1].split()[0])}


def assert_faithful(sample: dict[str, Any], expected_events: int) -> None:
    person = Person.objects.get(username="li.wei")
    attachment = Attachment.objects.get()
    counts = {
        model._meta.label_lower: model.objects.count()
        for model in (OrgUnit, Person, RoleAssignment, Responsibility, Attachment, AuditEvent)
    }
    assert sample["counts"] == {**counts, "core.storedfile": 1, "core.auditevent": expected_events}
    assert sample["person"][:5] == ["Li Wei", "Shift lead", "lf", "chief", person.password]
    assert sample["person"][5:] == [person.created_at.isoformat(), person.updated_at.isoformat()]
    assert sample["unit_paths"] == [
        list(pair) for pair in sorted(OrgUnit.objects.values_list("code", "path"))
    ]
    assert sample["attachment"] == [
        ["access review.pdf", attachment.stored_file.sha256, "orgunit", attachment.object_id]
    ]
    assert bytes.fromhex(sample["blob"]) == EVIDENCE
    assert sample["events"] == expected_events


def make_backup_in(env: dict[str, str], path: Path) -> Path:
    written = garrison("backup", str(path), env=env)
    assert f"backup written to {path}" in written.stdout
    return path


def manifest_of(path: Path) -> dict[str, Any]:
    with tarfile.open(path, "r:gz") as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
    rows = {entry["label"]: entry["rows"] for entry in manifest["models"]}
    return {
        "vendor": manifest["database_vendor"],
        "events": rows["core.auditevent"],
        "files": len(manifest["files"]),
    }


def test_restore_into_a_fresh_sqlite_install_reproduces_everything(
    db: Any, tmp_path: Path, fresh_install: dict[str, str]
) -> None:
    populate()
    path = tmp_path / "backup.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    sample = restore_and_sample(path, fresh_install)
    assert_faithful(sample, AuditEvent.objects.count() + 1)
    again = garrison("restore", str(path), env=fresh_install, check=False)
    assert again.returncode == 1
    assert "already holds people" in again.stderr
    # The restored install backs itself up in turn, from its own snapshot transaction.
    assert manifest_of(make_backup_in(fresh_install, tmp_path / "again.tar.gz")) == {
        "vendor": "sqlite",
        "events": AuditEvent.objects.count() + 1,
        "files": 1,
    }


def test_restore_into_an_unmigrated_install_is_refused(db: Any, tmp_path: Path) -> None:
    populate()
    path = tmp_path / "backup.tar.gz"
    create_backup(path)
    refused = garrison("restore", str(path), env=environment(tmp_path / "blank"), check=False)
    assert refused.returncode == 1
    assert "run `garrison migrate` first" in refused.stderr


@pytest.fixture
def throwaway_postgresql() -> Any:
    """A PostgreSQL database created for one test and dropped after it."""
    import psycopg

    params = connection.settings_dict
    name = f"test_restore_{secrets.token_hex(4)}"
    credentials = f"{params['USER']}:{params['PASSWORD']}@" if params["PASSWORD"] else f"{params['USER']}@"
    server = dict(
        host=params["HOST"], port=params["PORT"] or 5432, user=params["USER"], password=params["PASSWORD"]
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{credentials}{params['HOST']}:{params['PORT'] or 5432}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a PostgreSQL server")
def test_backups_move_between_postgresql_and_sqlite_and_the_trail_still_verifies(
    db: Any, tmp_path: Path, fresh_install: dict[str, str], throwaway_postgresql: str
) -> None:
    populate()
    from_postgresql = tmp_path / "from-postgresql.tar.gz"
    create_backup(from_postgresql)
    events = AuditEvent.objects.count()

    # PostgreSQL → SQLite, then that SQLite install's own backup → a new PostgreSQL database.
    assert_faithful(restore_and_sample(from_postgresql, fresh_install), events + 1)
    from_sqlite = make_backup_in(fresh_install, tmp_path / "from-sqlite.tar.gz")
    postgresql_install = environment(tmp_path / "pg-install", throwaway_postgresql)
    garrison("migrate", "--no-input", "-v", "0", env=postgresql_install)
    assert_faithful(restore_and_sample(from_sqlite, postgresql_install), events + 2)
    # A backup taken by the command itself on PostgreSQL (REPEATABLE READ snapshot).
    assert manifest_of(make_backup_in(postgresql_install, tmp_path / "pg-again.tar.gz")) == {
        "vendor": "postgresql",
        "events": events + 2,
        "files": 1,
    }

    # And PostgreSQL → PostgreSQL is refused once it holds data.
    refused = garrison("restore", str(from_postgresql), env=postgresql_install, check=False)
    assert refused.returncode == 1
    assert "already holds people" in refused.stderr


def test_the_backup_command_names_what_it_wrote(db: Any, tmp_path: Path, settings: Any) -> None:
    populate()
    out = io.StringIO()
    call_command("backup", str(tmp_path / "b.tar.gz"), stdout=out)
    assert f"backup written to {(tmp_path / 'b.tar.gz').resolve()}" in out.getvalue()
    assert "1 stored files" in out.getvalue()
    with pytest.raises(CommandError, match="is a folder"):
        call_command("backup", str(tmp_path))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", str(tmp_path / "missing" / "b.tar.gz"))
    assert Path(settings.DATA_DIR).is_dir()
