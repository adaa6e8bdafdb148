"""Planning an inventory import: reading the file's rows against the inventory.

The planner reads every row into typed values, looks up the people, units, sites and
assets they name (one query per table), checks each cell and the person's reach, and
collects what the import would create and change, or every error by row and column.
It writes nothing; garrison.assets.services.import_writing carries a plan out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from garrison.assets import identifiers
from garrison.assets.importing import (
    ParsedTable,
    Problem,
    RawRow,
    TableError,
    normalise_header,
    parse_table,
    parse_yes_no,
)
from garrison.assets.models import SITE_TYPES, Asset, LifecycleStatus, derive_classification
from garrison.assets.queries import chunks, visible
from garrison.assets.services import import_format
from garrison.assets.services.inventory import identifier_message
from garrison.core import audit
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant

REQUIRED_FOR_NEW = ("name", "asset_type", "owner", "unit")
# Columns where an empty cell means "leave as it is" (or the default, for a new asset);
# everywhere else an empty cell is a value (no site, no description, no tags).
BLANK_KEEPS = ("asset_type", "owner", "unit", "lifecycle_status", *import_format.RATING_KEYS, "criticality")
DEFAULTS = {
    "lifecycle_status": LifecycleStatus.IN_SERVICE,
    "confidentiality": 2,
    "integrity": 2,
    "availability": 2,
    "criticality": 2,
    "is_critical_system": False,
    "description": "",
    "site": "",
    "ip_addresses": [],
    "host_names": [],
    "tags": [],
}
# Fields the reading of a row has already checked: the model validates only the others.
UNCHECKED_BY_MODEL = [
    field.name
    for field in Asset._meta.concrete_fields
    if field.name not in ("reference", "name", "description")
]
LISTED_LIMIT = 1000


@dataclass(frozen=True)
class RowError:
    """What is wrong with one cell (or, without a column, with the row)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.column:
            return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return _("Row %(row)d, %(column)s: %(message)s") % {
            "row": self.row,
            "column": import_format.field_label(self.column),
            "message": self.message,
        }


@dataclass(frozen=True)
class PlannedRow:
    """A row that creates or changes an asset; `changes` are {column: [before, after]}."""

    row: int
    reference: str
    name: str
    changes: dict[str, list[Any]] = field(default_factory=dict)

    def labelled_changes(self) -> list[tuple[str, str, str]]:
        """(column name, before, after) as a person reads them, lists joined."""
        return [
            (import_format.field_label(key), _readable(before), _readable(after))
            for key, (before, after) in self.changes.items()
        ]


def _readable(value: Any) -> str:
    if isinstance(value, list):
        return import_format.LIST_JOINER.join(str(item) for item in value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


@dataclass
class ImportPreview:
    """What importing the file would do, or why it cannot."""

    filename: str
    total_rows: int = 0
    to_create: list[PlannedRow] = field(default_factory=list)
    to_update: list[PlannedRow] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and not self.file_errors

    def messages(self) -> list[str]:
        return [*self.file_errors, *(str(error) for error in self.errors)]

    def as_dict(self, limit: int = LISTED_LIMIT) -> dict[str, Any]:
        """The preview as the API answers it; long lists are cut at `limit` (counts are whole)."""

        def planned(rows: list[PlannedRow]) -> list[dict[str, Any]]:
            return [
                {"row": item.row, "reference": item.reference, "name": item.name, "changes": item.changes}
                for item in rows[:limit]
            ]

        return {
            "filename": self.filename,
            "is_valid": self.is_valid,
            "total_rows": self.total_rows,
            "create_count": len(self.to_create),
            "update_count": len(self.to_update),
            "unchanged_count": self.unchanged,
            "error_count": len(self.errors) + len(self.file_errors),
            "to_create": planned(self.to_create),
            "to_update": planned(self.to_update),
            "errors": [
                {"row": error.row, "column": error.column, "message": error.message, "text": str(error)}
                for error in self.errors[:limit]
            ],
            "file_errors": self.file_errors,
            "ignored_columns": self.ignored_columns,
        }


@dataclass
class AssetUpdate:
    """An existing asset with the row's values set, its snapshot before, and the changes
    in the file's terms ({column: [before, after]})."""

    asset: Asset
    before: dict[str, Any]
    changes: dict[str, list[Any]]

    @property
    def tags(self) -> list[str] | None:
        return self.changes["tags"][1] if "tags" in self.changes else None


@dataclass
class ImportPlan:
    """What an import will write: the preview, the new assets with their tag names, the
    updates; `created` fills as the new assets are inserted."""

    preview: ImportPreview
    creations: list[tuple[Asset, list[str]]] = field(default_factory=list)
    updates: list[AssetUpdate] = field(default_factory=list)
    # Assets whose site is a new asset of the same file: reference → the site's reference.
    pending_sites: dict[str, str] = field(default_factory=dict)
    created: dict[str, Asset] = field(default_factory=dict)


def table_error_message(error: TableError) -> str:
    messages = {
        Problem.EMPTY: _("The file holds no header row."),
        Problem.NOT_UTF8: _("The file is not UTF-8 text: save the CSV as “CSV UTF-8”, or upload XLSX."),
        Problem.LEGACY_XLS: _("Old Excel files (.xls) cannot be read: save the sheet as XLSX or CSV."),
        Problem.UNREADABLE_XLSX: _("The file is neither a readable XLSX workbook nor CSV text."),
        Problem.TOO_MANY_ROWS: _("The file has more than %(limit)s rows; split it."),
        Problem.DUPLICATE_COLUMN: _("The column “%(header)s” appears twice."),
        Problem.MISSING_COLUMNS: _("The file has no column for: %(columns)s."),
    }
    details = dict(error.details)
    if "columns" in details:
        details["columns"] = ", ".join(import_format.field_label(key) for key in details["columns"])
    return messages[error.problem] % details


class Lookups:
    """Everything the rows name, read with one query per table."""

    def __init__(self, table: ParsedTable, by: Any) -> None:
        references = {row.cells.get("reference", "").strip() for row in table.rows} - {""}
        site_references = {row.cells.get("site", "").strip() for row in table.rows} - {""}
        usernames = {row.cells.get("owner", "").strip() for row in table.rows} - {""}
        codes = {row.cells.get("unit", "").strip() for row in table.rows} - {""}
        self.existing: dict[str, Asset] = {}
        for batch in chunks(references):
            queryset = Asset.objects.filter(reference__in=batch).select_related("owner", "unit", "site")
            self.existing.update((asset.reference, asset) for asset in queryset.prefetch_related("tags"))
        self.changeable: set[int] = set()
        for ids in chunks([asset.pk for asset in self.existing.values()]):
            changeable = visible(Asset.objects.filter(pk__in=ids), by, Action.CHANGE)
            self.changeable.update(changeable.values_list("pk", flat=True))
        self.sites: dict[str, Asset] = {}
        for batch in chunks(site_references):
            queryset = Asset.objects.filter(reference__in=batch, asset_type__in=SITE_TYPES)
            self.sites.update((site.reference, site) for site in visible(queryset, by))
        self.people: dict[str, Person] = {}
        for batch in chunks(usernames):
            lowered = [name.lower() for name in batch]
            people = Person.objects.annotate(lowered=Lower("username")).filter(
                Q(username__in=batch) | Q(lowered__in=lowered)
            )
            for person in visible(people, by):
                self.people.setdefault(person.username.lower(), person)
        self.units: dict[str, OrgUnit] = {}
        for batch in chunks(codes):
            for unit in OrgUnit.objects.filter(code__in=[*batch, *(code.lower() for code in batch)]):
                self.units[unit.code.lower()] = unit


class Planner:
    """Reads the rows against the lookups, collecting errors and the writes to make."""

    def __init__(self, table: ParsedTable, by: Any, plan: ImportPlan) -> None:
        self.table = table
        self.by = by
        self.plan = plan
        self.lookups = Lookups(table, by)
        self.choices = import_format.choice_maps()
        self.yes, self.no = import_format.yes_no_words()
        self.seen: dict[str, int] = {}
        # New rows that are sites or rooms, which later rows may name as their site.
        self.new_sites = {
            row.cells.get("reference", "").strip()
            for row in table.rows
            if row.cells.get("reference", "").strip() not in self.lookups.existing
            and self.choices["asset_type"].get(_normalised(row.cells.get("asset_type", ""))) in SITE_TYPES
        }

    def error(self, row: RawRow, column: str, message: str) -> None:
        self.plan.preview.errors.append(RowError(row.number, column, message))

    def run(self) -> None:
        for row in self.table.rows:
            self.plan_row(row)

    def plan_row(self, row: RawRow) -> None:
        errors_before = len(self.plan.preview.errors)
        reference = row.cells.get("reference", "").strip()
        if not reference:
            self.error(row, "reference", _("a reference is required."))
            return
        if reference in self.seen:
            self.error(
                row,
                "reference",
                _("“%(reference)s” is already on row %(row)d.")
                % {"reference": reference, "row": self.seen[reference]},
            )
            return
        self.seen[reference] = row.number
        existing = self.lookups.existing.get(reference)
        if existing is not None and existing.pk not in self.lookups.changeable:
            self.error(
                row,
                "reference",
                _("“%(reference)s” is used by an asset you cannot change.") % {"reference": reference},
            )
            return
        values = self.read_values(row, existing)
        if len(self.plan.preview.errors) > errors_before:
            return
        if existing is None:
            self.plan_creation(row, reference, values)
        else:
            self.plan_update(row, existing, values)

    # Cells -------------------------------------------------------------------------------------

    def read_values(self, row: RawRow, existing: Asset | None) -> dict[str, Any]:
        """The row's cells as typed values, for the columns it sets; errors as they are found."""
        values: dict[str, Any] = {}
        is_new = existing is None
        for key in self.table.columns:
            if key == "reference":
                continue
            text = row.cells.get(key, "")
            if key == "name" and not text.strip():
                self.error(
                    row, key, _("required for a new asset.") if is_new else _("the name cannot be empty.")
                )
                continue
            if not text.strip() and key in BLANK_KEEPS:
                if is_new and key in REQUIRED_FOR_NEW:
                    self.error(row, key, _("required for a new asset."))
                continue
            reader = getattr(self, f"read_{key}", None)
            value = reader(row, text, existing) if reader else text.strip()
            if value is not _INVALID:
                values[key] = value
        if is_new:
            for key in REQUIRED_FOR_NEW:
                if key not in self.table.columns:
                    self.error(row, key, _("required for a new asset."))
        return values

    def read_choice(self, row: RawRow, key: str, text: str) -> Any:
        value = self.choices[key].get(_normalised(text))
        if value is None:
            messages = {
                "asset_type": _("“%(value)s” is not a type of asset."),
                "lifecycle_status": _(
                    "“%(value)s” is not a lifecycle status (planned, in service, retired)."
                ),
                "criticality": _("“%(value)s” is not a criticality from 1 (low) to 4 (critical)."),
            }
            message = messages.get(key, _("“%(value)s” is not a rating from 1 to 4."))
            self.error(row, key, message % {"value": text.strip()})
            return _INVALID
        return value

    def read_asset_type(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        return self.read_choice(row, "asset_type", text)

    def read_lifecycle_status(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        return self.read_choice(row, "lifecycle_status", text)

    def read_confidentiality(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        return self.read_choice(row, "confidentiality", text)

    def read_integrity(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        return self.read_choice(row, "integrity", text)

    def read_availability(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        return self.read_choice(row, "availability", text)

    def read_criticality(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        return self.read_choice(row, "criticality", text)

    def read_is_critical_system(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        value = parse_yes_no(text, self.yes, self.no)
        if value is None:
            self.error(
                row, "is_critical_system", _("“%(value)s” is neither yes nor no.") % {"value": text.strip()}
            )
            return _INVALID
        return value

    def read_owner(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        username = text.strip()
        person = self.lookups.people.get(username.lower())
        if person is None:
            self.error(row, "owner", _("no person with username “%(username)s”.") % {"username": username})
            return _INVALID
        return person.username

    def read_unit(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        code = text.strip()
        unit = self.lookups.units.get(code.lower())
        action = Action.ADD if existing is None else Action.CHANGE
        unchanged = existing is not None and unit is not None and unit.pk == existing.unit_id
        if unit is None or not (unchanged or self.reaches(unit, action)):
            self.error(
                row,
                "unit",
                _("no unit with code “%(code)s” among the units whose assets you manage.") % {"code": code},
            )
            return _INVALID
        return unit.code

    def reaches(self, unit: OrgUnit, action: Action) -> bool:
        return self.by is None or has_grant(self.by, Domain.ASSETS, action, unit.path)

    def read_site(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        reference = text.strip()
        if not reference:
            return ""
        if reference == row.cells.get("reference", "").strip():
            self.error(row, "site", _("an asset cannot be its own site."))
            return _INVALID
        if reference not in self.lookups.sites and reference not in self.new_sites:
            self.error(
                row,
                "site",
                _("no data-center site or room with reference “%(reference)s”.") % {"reference": reference},
            )
            return _INVALID
        return reference

    def read_description(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        return text.strip()

    def read_list(self, row: RawRow, key: str, text: str) -> Any:
        kept, refused = identifiers.normalise_all(identifiers.split_list(text), _NORMALISERS[key])
        for problem in refused:
            self.error(row, key, identifier_message(problem))
        if refused:
            return _INVALID
        if key == "tags":
            # One tag per name whatever its case, in the order both sides compare in.
            kept = sorted({name.casefold(): name for name in kept}.values(), key=str.casefold)
        return kept

    def read_ip_addresses(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        return self.read_list(row, "ip_addresses", text)

    def read_host_names(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        return self.read_list(row, "host_names", text)

    def read_tags(self, row: RawRow, text: str, existing: Asset | None) -> Any:
        return self.read_list(row, "tags", text)

    # Plans -------------------------------------------------------------------------------------

    def apply(self, asset: Asset, values: dict[str, Any]) -> None:
        """Set the row's values on `asset` (people, units and sites as objects)."""
        for key, value in values.items():
            if key == "owner":
                asset.owner = self.lookups.people[value.lower()]
            elif key == "unit":
                asset.unit = self.lookups.units[value.lower()]
            elif key == "site":
                asset.site = self.lookups.sites.get(value) if value else None
            elif key != "tags":
                setattr(asset, key, value)
        asset.classification = derive_classification(
            asset.confidentiality, asset.integrity, asset.availability
        )

    def validate_model(self, row: RawRow, asset: Asset) -> bool:
        # Every other field was read into a checked value (a choice, a rating, a person, a
        # unit, normalised lists); only the free texts still need the model's own limits.
        try:
            asset.clean_fields(exclude=UNCHECKED_BY_MODEL)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                for message in messages:
                    self.error(row, key if key in import_format.COLUMNS_BY_KEY else "", message)
            return False
        return True

    def plan_creation(self, row: RawRow, reference: str, values: dict[str, Any]) -> None:
        settled = {**DEFAULTS, **values}
        asset = Asset(reference=reference)
        self.apply(
            asset,
            {key: value for key, value in settled.items() if key != "site" or value in self.lookups.sites},
        )
        asset.effective_criticality = asset.criticality
        # Found by an import: its owner confirms it, unless the owner is the importer.
        asset.needs_review = self.by is None or asset.owner_id != self.by.pk
        if not self.validate_model(row, asset):
            return
        if settled["site"] and settled["site"] not in self.lookups.sites:
            self.plan.pending_sites[reference] = settled["site"]
        self.plan.creations.append((asset, settled["tags"]))
        self.plan.preview.to_create.append(PlannedRow(row.number, reference, asset.name))

    def plan_update(self, row: RawRow, asset: Asset, values: dict[str, Any]) -> None:
        current = import_format.comparable(asset)
        changes = {
            key: [current[key], value]
            for key, value in values.items()
            if (key == "tags" and [name.casefold() for name in value] != [n.casefold() for n in current[key]])
            or (key != "tags" and value != current[key])
        }
        if not changes:
            self.plan.preview.unchanged += 1
            return
        before = audit.snapshot(asset)
        self.apply(asset, {key: values[key] for key in changes})
        if not self.validate_model(row, asset):
            return
        site = changes.get("site", [None, ""])[1]
        if site and site not in self.lookups.sites:
            self.plan.pending_sites[asset.reference] = site
        self.plan.updates.append(AssetUpdate(asset=asset, before=before, changes=changes))
        self.plan.preview.to_update.append(PlannedRow(row.number, asset.reference, asset.name, changes))


_INVALID = object()
_NORMALISERS = {
    "ip_addresses": identifiers.normalise_ip_address,
    "host_names": identifiers.normalise_host_name,
    "tags": identifiers.normalise_tag_name,
}


def _normalised(text: str) -> str:
    return normalise_header(text)


def plan_import(data: bytes, filename: str, by: Any) -> ImportPlan:
    """Read `data` against the inventory as `by` would import it; writes nothing."""
    plan = ImportPlan(preview=ImportPreview(filename=filename))
    try:
        table = parse_table(data, import_format.header_keys(), required=("reference",))
    except TableError as error:
        plan.preview.file_errors.append(table_error_message(error))
        return plan
    plan.preview.total_rows = len(table.rows)
    plan.preview.ignored_columns = list(table.ignored_headers)
    if not table.rows:
        plan.preview.file_errors.append(_("The file holds no assets below its header row."))
        return plan
    Planner(table, by, plan).run()
    return plan
