"""Backup and restore: one tar.gz holding a consistent snapshot of the database and the
evidence store, restorable into an empty install on SQLite or PostgreSQL.

Archive layout::

    data/<app_label>.<model>.jsonl   every row of the model, ordered by primary key
    files/<aa>/<bb>/<sha256>         every stored blob (content-addressed)
    manifest.json                    format, versions, row counts, per-file SHA-256,
                                     the audit chain head

Rows are written with Django's JSON Lines serializer so that both writing and
reading stream row by row. Timestamps keep their microseconds (the audit chain
hashes them) and rows are inserted raw, so auto_now fields keep their values and
the restored audit trail verifies exactly as the original did.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import importlib.metadata
import json
import os
import re
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JsonLinesSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from garrison.core import audit
from garrison.core.models import AuditChainHead, AuditEvent, OrgUnit, Person, StoredFile
from garrison.core.models.audit import AuditAction

FORMAT = "garrison-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
# Sessions are throwaway; content types and permissions are recreated by `migrate`
# (rows that point at them are written by natural key instead).
SKIPPED_MODELS = frozenset({"sessions.session", "contenttypes.contenttype", "auth.permission"})
NATURAL_KEY_MODELS: tuple[type[models.Model], ...] = (ContentType, Permission)
COPY_BUFFER = 1024 * 1024
INSERT_BATCH = 500

_DATA_NAME = re.compile(r"data/[a-z0-9_]+\.[a-z0-9_]+\.jsonl")
_BLOB_NAME = re.compile(r"files/(?P<a>[0-9a-f]{2})/(?P<b>[0-9a-f]{2})/(?P<digest>(?P=a)(?P=b)[0-9a-f]{60})")


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why, for the operator."""


@dataclass
class BackupReport:
    path: Path
    rows: dict[str, int]
    files: int
    missing_files: list[str]
    audit_head_sequence: int
    size: int


@dataclass
class RestoreReport:
    rows: dict[str, int]
    files: int
    events: int
    problem: str | None
    notes: list[str] = field(default_factory=list)


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds; the audit chain hashes microseconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(JsonLinesSerializer):
    """Rows refer to each other by primary key, except to content types and permissions:
    `migrate` recreates those on the target, possibly under other ids, so they go by
    natural key."""

    def handle_fk_field(self, obj: models.Model, field: Any) -> None:
        self.use_natural_foreign_keys = field.remote_field.model in NATURAL_KEY_MODELS
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj: models.Model, field: Any) -> None:
        self.use_natural_foreign_keys = field.remote_field.model in NATURAL_KEY_MODELS
        super().handle_m2m_field(obj, field)


class _HashingReader:
    """Hands bytes on to tarfile while hashing them."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def backed_up_models() -> list[type[models.Model]]:
    """Every stored model of the installed apps, each after the models it refers to."""
    candidates = [
        model
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in SKIPPED_MODELS
    ]
    return _dependency_order(candidates)


def _dependency_order(candidates: list[type[models.Model]]) -> list[type[models.Model]]:
    remaining = sorted(candidates, key=lambda model: model._meta.label_lower)
    ordered: list[type[models.Model]] = []
    placed: set[type[models.Model]] = set()
    while remaining:
        for model in remaining:
            needs = {
                relation.remote_field.model
                for relation in model._meta.get_fields()
                if getattr(relation, "concrete", False)
                and relation.is_relation
                and relation.remote_field is not None
                and relation.remote_field.model is not model
            }
            if not (needs & set(remaining)) - placed:
                break
        else:
            # A cycle: foreign keys are checked at commit, so any order loads.
            model = remaining[0]
        ordered.append(model)
        placed.add(model)
        remaining.remove(model)
    return ordered


def _garrison_version() -> str:
    try:
        return importlib.metadata.version("garrison")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _applied_migrations(using: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


@contextmanager
def _snapshot(using: str) -> Iterator[None]:
    """One read transaction over everything, so the rows are of one moment.

    PostgreSQL gets REPEATABLE READ READ ONLY; SQLite (WAL) a deferred read
    transaction, which holds a snapshot without taking the write lock writers need.
    Inside an outer transaction (tests) that transaction decides.
    """
    connection = connections[using]
    connection.ensure_connection()
    nested = connection.in_atomic_block
    saved_mode = getattr(connection, "transaction_mode", None)
    if connection.vendor == "sqlite" and not nested:
        connection.transaction_mode = "DEFERRED"  # type: ignore[attr-defined]
    try:
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql" and not nested:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
    finally:
        if connection.vendor == "sqlite" and not nested:
            connection.transaction_mode = saved_mode  # type: ignore[attr-defined]


def _add_member(archive: tarfile.TarFile, name: str, source: IO[bytes], size: int) -> str:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(time.time())
    info.mode = 0o600
    reader = _HashingReader(source)
    archive.addfile(info, reader)
    return reader.digest.hexdigest()


def _counted(rows: Iterator[models.Model], counter: list[int]) -> Iterator[models.Model]:
    for row in rows:
        counter[0] += 1
        yield row


def create_backup(path: str | os.PathLike[str]) -> BackupReport:
    """Write one tar.gz at `path` with every row, every stored blob and a manifest.

    The archive is assembled next to `path` and moved into place only when complete,
    so a failed backup never leaves a half-written file under the name asked for.
    """
    using = DEFAULT_DB_ALIAS
    target = Path(path).resolve()
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give the name of the backup file to write")
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")
    descriptor, partial_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    os.close(descriptor)
    partial = Path(partial_name)
    os.chmod(partial, 0o600)  # the archive holds password hashes
    try:
        manifest = _write_archive(partial, using)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupReport(
        path=target,
        rows={entry["label"]: entry["rows"] for entry in manifest["models"]},
        files=len(manifest["files"]),
        missing_files=manifest["missing_files"],
        audit_head_sequence=manifest["audit_chain_head"]["sequence"],
        size=target.stat().st_size,
    )


def _write_archive(partial: Path, using: str) -> dict[str, Any]:
    connection = connections[using]
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "garrison_version": _garrison_version(),
        "created_at": timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "database_vendor": connection.vendor,
        "models": [],
        "files": {},
        "missing_files": [],
    }
    with (
        tempfile.TemporaryDirectory(prefix=".garrison-backup-", dir=partial.parent) as workdir,
        tarfile.open(partial, "w:gz") as archive,
        _snapshot(using),
    ):
        manifest["migrations"] = _applied_migrations(using)
        for model in backed_up_models():
            label = model._meta.label_lower
            name = f"data/{label}.jsonl"
            spool = Path(workdir) / f"{label}.jsonl"
            counter = [0]
            with spool.open("w", encoding="utf-8") as stream:
                rows = model._base_manager.using(using).order_by("pk").iterator(chunk_size=2000)
                _Serializer().serialize(_counted(rows, counter), stream=stream, cls=_ExactEncoder)
            with spool.open("rb") as source:
                digest = _add_member(archive, name, source, spool.stat().st_size)
            spool.unlink()
            manifest["models"].append({"label": label, "rows": counter[0], "path": name, "sha256": digest})
        for stored in StoredFile.objects.using(using).order_by("pk").iterator(chunk_size=1000):
            storage_name = stored.storage_name
            member = f"files/{storage_name}"
            if not default_storage.exists(storage_name):
                manifest["missing_files"].append(stored.sha256)
                continue
            with default_storage.open(storage_name, "rb") as blob:
                manifest["files"][member] = _add_member(
                    archive, member, blob, default_storage.size(storage_name)
                )
        head = AuditChainHead.objects.using(using).filter(pk=1).first()
        manifest["audit_chain_head"] = {
            "sequence": head.sequence if head else 0,
            "hash": head.hash if head else "",
        }
        encoded = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
        with tempfile.TemporaryFile() as manifest_file:
            manifest_file.write(encoded)
            manifest_file.seek(0)
            _add_member(archive, MANIFEST_NAME, manifest_file, len(encoded))
    return manifest


# Restore -----------------------------------------------------------------------------


def _check_target(using: str) -> None:
    connection = connections[using]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise BackupError("the database is not fully migrated; run `garrison migrate` first")
    for model, what in ((Person, "people"), (OrgUnit, "organisation units"), (AuditEvent, "audit events")):
        if model._base_manager.using(using).exists():
            raise BackupError(
                f"the database already holds {what}; restore only into a freshly migrated, empty database"
            )


def _unpack(path: Path, workdir: Path) -> dict[str, str]:
    """Extract the archive's members (only the names a backup contains) and hash them."""
    digests: dict[str, str] = {}
    try:
        with tarfile.open(path, "r|gz") as archive:
            for member in archive:
                name = member.name
                if not member.isfile() or not (
                    name == MANIFEST_NAME or _DATA_NAME.fullmatch(name) or _BLOB_NAME.fullmatch(name)
                ):
                    raise BackupError(f"the archive holds an unexpected entry {name!r}; it is not a backup")
                if name in digests:
                    raise BackupError(f"the archive holds {name} twice")
                source = archive.extractfile(member)
                if source is None:
                    raise BackupError(f"the archive entry {name} cannot be read")
                destination = workdir / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with destination.open("wb") as out:
                    while chunk := source.read(COPY_BUFFER):
                        digest.update(chunk)
                        out.write(chunk)
                digests[name] = digest.hexdigest()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{path} cannot be read as a backup archive: {error}") from None
    return digests


def _verified_manifest(workdir: Path, digests: dict[str, str]) -> dict[str, Any]:
    """The manifest, once every member has been checked against the hash it records."""
    if MANIFEST_NAME not in digests:
        raise BackupError("the archive has no manifest.json; it is not a Garrison backup")
    try:
        manifest = json.loads((workdir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except ValueError as error:
        raise BackupError(f"manifest.json cannot be read: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("manifest.json does not describe a Garrison backup")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format version {manifest.get('format_version')} is not supported "
            f"(this Garrison reads version {FORMAT_VERSION})"
        )
    expected = {entry["path"]: entry["sha256"] for entry in manifest["models"]}
    expected.update(manifest["files"])
    for name, digest in sorted(expected.items()):
        if name not in digests:
            raise BackupError(f"the archive is damaged: {name} is missing")
        if digests[name] != digest:
            raise BackupError(f"the archive is damaged: {name} does not match its recorded SHA-256")
    for name in manifest["files"]:
        # A blob is named by its content: a consistent but hand-edited manifest must not
        # put other content under a hash.
        blob = _BLOB_NAME.fullmatch(name)
        if blob is None or blob["digest"] != digests[name]:
            raise BackupError(f"the archive is damaged: {name} does not hold the content its name says")
    unexpected = sorted(set(digests) - set(expected) - {MANIFEST_NAME})
    if unexpected:
        raise BackupError(f"the archive is damaged: {unexpected[0]} is not listed in the manifest")
    for entry in manifest["models"]:
        try:
            apps.get_model(entry["label"])
        except (LookupError, ValueError):
            raise BackupError(
                f"the backup holds {entry['label']}, which this Garrison does not know; "
                "restore with the Garrison version that made it"
            ) from None
    return manifest


def _check_migrations(manifest: dict[str, Any], using: str) -> list[str]:
    here = _applied_migrations(using)
    there = manifest.get("migrations", {})
    unknown = sorted(
        f"{app}.{name}" for app, names in there.items() for name in names if name not in here.get(app, [])
    )
    if unknown:
        raise BackupError(
            f"the backup was made by a newer Garrison (migration {unknown[0]} is not applied here); "
            "upgrade this install first"
        )
    newer = sorted(
        f"{app}.{name}" for app, names in here.items() for name in names if name not in there.get(app, [])
    )
    if newer:
        return [f"this install has {len(newer)} migration(s) the backup predates, e.g. {newer[0]}"]
    return []


def _clear_seeded_rows(model_list: list[type[models.Model]], using: str) -> None:
    """Remove rows that migrations seeded into the empty target; the backup brings its own."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in reversed(model_list):
            tables = [model._meta.db_table]
            for relation in model._meta.local_many_to_many:
                through = relation.remote_field.through
                if through is not None and through._meta.auto_created:
                    tables.append(through._meta.db_table)
            for table in tables:
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 - table names from models


def _insert_raw(model: type[models.Model], batch: list[models.Model], fields: list[Any], using: str) -> None:
    # bulk_create would stamp auto_now/auto_now_add fields with the current time; the raw
    # insert Model.save_base(raw=True) performs row by row keeps them, in one statement.
    queryset: Any = model._base_manager.using(using)
    queryset._insert(batch, fields=fields, using=using, raw=True)


def _load_model(model: type[models.Model], source: Path, using: str) -> int:
    """Insert the rows of one data file raw (as loaddata does: auto_now fields keep their values)."""
    connection = connections[using]
    fields = [f for f in model._meta.local_concrete_fields if not getattr(f, "generated", False)]
    batch_size = max(1, min(INSERT_BATCH, connection.ops.bulk_batch_size(fields, [None] * INSERT_BATCH)))
    count = 0
    batch: list[models.Model] = []
    relations: list[tuple[models.Model, dict[str, Any]]] = []
    with source.open(encoding="utf-8") as stream:
        for item in serializers.deserialize("jsonl", stream, using=using, handle_forward_references=False):
            if type(item.object) is not model:
                raise BackupError(f"{source.name} holds a {item.object._meta.label_lower} row")
            batch.append(item.object)
            if item.m2m_data:
                relations.append((item.object, item.m2m_data))
            if len(batch) >= batch_size:
                _insert_raw(model, batch, fields, using)
                count += len(batch)
                batch = []
    if batch:
        _insert_raw(model, batch, fields, using)
        count += len(batch)
    for obj, related in relations:
        for name, values in related.items():
            getattr(obj, name).set(values)
    return count


def _operator_label() -> str:
    try:
        return f"console ({getpass.getuser()})"
    except (KeyError, OSError):
        return "console"


def restore_backup(
    path: str | os.PathLike[str],
    *,
    by: Any = None,
    accept_broken_trail: bool = False,
) -> RestoreReport:
    """Load a backup into this empty install; refuses before writing anything if the
    database is not empty or the archive does not match its manifest.

    Rows load in one transaction, so a failure leaves nothing half-written. The
    restored audit trail must verify (unless `accept_broken_trail`), and the restore
    itself is appended to it.
    """
    using = DEFAULT_DB_ALIAS
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"{source} does not exist or is not a file")
    _check_target(using)
    data_dir = Path(settings.DATA_DIR)
    with tempfile.TemporaryDirectory(prefix=".garrison-restore-", dir=data_dir) as work:
        workdir = Path(work)
        manifest = _verified_manifest(workdir, _unpack(source, workdir))
        notes = _check_migrations(manifest, using)
        for member in manifest["files"]:
            storage_name = member.removeprefix("files/")
            if not default_storage.exists(storage_name):
                with (workdir / member).open("rb") as blob:
                    default_storage.save(storage_name, File(blob, name=storage_name))
        model_list = [apps.get_model(entry["label"]) for entry in manifest["models"]]
        try:
            report = _load_rows(manifest, model_list, workdir, using, by, accept_broken_trail)
        except DeserializationError as error:
            raise BackupError(f"a row of the backup cannot be loaded: {error}") from None
        except DatabaseError as error:
            raise BackupError(f"the database refused the backup's rows: {error}") from None
    if manifest["missing_files"]:
        notes.append(f"{len(manifest['missing_files'])} stored file(s) were already missing when backed up")
    report.files = len(manifest["files"])
    report.notes = notes + report.notes
    return report


def _load_rows(
    manifest: dict[str, Any],
    model_list: list[type[models.Model]],
    workdir: Path,
    using: str,
    by: Any,
    accept_broken_trail: bool,
) -> RestoreReport:
    connection = connections[using]
    rows: dict[str, int] = {}
    with transaction.atomic(using=using):
        _clear_seeded_rows(model_list, using)
        for entry, model in zip(manifest["models"], model_list, strict=True):
            loaded = _load_model(model, workdir / entry["path"], using)
            if loaded != entry["rows"]:
                raise BackupError(f"{entry['path']} holds {loaded} rows, the manifest says {entry['rows']}")
            rows[entry["label"]] = loaded
        connection.check_constraints()
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), model_list):
                cursor.execute(statement)
        head = AuditChainHead.objects.using(using).filter(pk=1).first()
        recorded = manifest["audit_chain_head"]
        if (head.sequence if head else 0) != recorded["sequence"] or (head.hash if head else "") != recorded[
            "hash"
        ]:
            raise BackupError("the restored audit chain head differs from the one the manifest records")
        audit.record_many(
            [
                audit.PendingEvent(
                    action=AuditAction.RESTORE,
                    object_type="core.backup",
                    object_id=manifest["created_at"][:64],
                    object_repr=f"backup of {manifest['created_at']}",
                    changes={
                        "backup_created_at": [None, manifest["created_at"]],
                        "source_database": [None, manifest["database_vendor"]],
                        "garrison_version": [None, manifest["garrison_version"]],
                    },
                    actor=by or _operator_label(),
                )
            ]
        )
        events, problem = audit.verify_trail()
        reason = f"audit trail broken at event #{problem.sequence}: {problem.reason}" if problem else None
        if reason and not accept_broken_trail:
            raise BackupError(f"the restored {reason}; no rows were restored")
    return RestoreReport(rows=rows, files=0, events=events, problem=reason)
