"""Importing inventory files: preview, per-row errors, all-or-nothing commit, lossless round trips."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from garrison.assets import services
from garrison.assets.models import Asset, AssetIdentifier, AssetType, LifecycleStatus, Tag
from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role

pytestmark = pytest.mark.django_db

HEADER = [
    "Reference",
    "Name",
    "Type",
    "Owner (username)",
    "Custodian unit (code)",
    "Site (reference)",
    "Description",
    "Lifecycle status",
    "Confidentiality",
    "Integrity",
    "Availability",
    "Business criticality",
    "Critical information system",
    "IP addresses",
    "Host names",
    "Tags",
]


def csv_file(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    target = io.StringIO()
    writer = csv.writer(target)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + target.getvalue()).encode("utf-8")


def xlsx_file(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def row(reference: str, **cells: str) -> list[str]:
    values = {
        "name": f"Asset {reference}",
        "type": "Server or host",
        "owner": "owner",
        "unit": "bj",
        "site": "",
        "description": "",
        "status": "In service",
        "c": "2",
        "i": "2",
        "a": "2",
        "criticality": "2",
        "critical": "No",
        "ips": "",
        "hosts": "",
        "tags": "",
        **cells,
    }
    return [reference, *values.values()]


def snapshot() -> dict[str, Any]:
    return {
        asset.reference: (
            asset.name,
            asset.asset_type,
            asset.owner_id,
            asset.unit_id,
            asset.site.reference if asset.site else None,
            asset.description,
            asset.lifecycle_status,
            asset.confidentiality,
            asset.integrity,
            asset.availability,
            asset.criticality,
            asset.is_critical_system,
            asset.ip_addresses,
            asset.host_names,
            sorted(tag.name for tag in asset.tags.all()),
            asset.needs_review,
        )
        for asset in Asset.objects.select_related("site").prefetch_related("tags")
    }


def test_a_preview_lists_what_the_file_creates_and_updates_and_writes_nothing(
    owner: Person, make_asset: Any
) -> None:
    make_asset("SRV-1", owner=owner, name="Old name")
    make_asset("SRV-2", owner=owner, name="Asset SRV-2")
    events = AuditEvent.objects.count()
    data = csv_file([row("SRV-1", name="New name", criticality="3"), row("SRV-2"), row("SRV-3")])
    preview = services.preview_import(data, "inventory.csv", by=owner)
    assert preview.is_valid
    assert preview.total_rows == 3
    assert [(item.row, item.reference) for item in preview.to_create] == [(4, "SRV-3")]
    assert [(item.row, item.reference, item.changes) for item in preview.to_update] == [
        (2, "SRV-1", {"name": ["Old name", "New name"], "criticality": [2, 3]})
    ]
    assert preview.unchanged == 1
    assert Asset.objects.count() == 2
    assert AuditEvent.objects.count() == events


def test_each_bad_cell_is_named_by_row_and_column_and_nothing_is_imported(
    owner: Person, make_asset: Any, organisation: Any
) -> None:
    make_asset("SH-1", unit=organisation.shanghai)
    data = csv_file(
        [
            row("NEW-1"),
            row("NEW-2", owner="zhangw", unit="sh"),
            row("NEW-3", type="Toaster", c="5", ips="10.0.0.300", critical="maybe"),
            row("SH-1"),
            row("NEW-1"),
            row("NEW-4", site="NOWHERE", status="Broken"),
        ]
    )
    before = (Asset.objects.count(), AuditEvent.objects.count())
    with pytest.raises(services.ImportRejected) as rejected:
        services.commit_import(data, "inventory.csv", by=owner)
    assert [str(error) for error in rejected.value.preview.errors] == [
        "Row 3, owner: no person with username “zhangw”.",
        "Row 3, custodian unit: no unit with code “sh” among the units whose assets you manage.",
        "Row 4, type: “Toaster” is not a type of asset.",
        "Row 4, confidentiality: “5” is not a rating from 1 to 4.",
        "Row 4, critical information system: “maybe” is neither yes nor no.",
        "Row 4, IP addresses: “10.0.0.300” is not an IP address.",
        "Row 5, reference: “SH-1” is used by an asset you cannot change.",
        "Row 6, reference: “NEW-1” is already on row 2.",
        "Row 7, site: no data-center site or room with reference “NOWHERE”.",
        "Row 7, lifecycle status: “Broken” is not a lifecycle status (planned, in service, retired).",
    ]
    assert (Asset.objects.count(), AuditEvent.objects.count()) == before


def test_a_new_asset_needs_its_name_type_owner_and_unit(owner: Person) -> None:
    data = csv_file([["NEW-1", "", ""]], header=["reference", "name", "type"])
    preview = services.preview_import(data, "new.csv", by=owner)
    assert [str(error) for error in preview.errors] == [
        "Row 2, name: required for a new asset.",
        "Row 2, type: required for a new asset.",
        "Row 2, owner: required for a new asset.",
        "Row 2, custodian unit: required for a new asset.",
    ]


def test_a_file_without_a_reference_column_or_rows_is_refused_as_a_whole(owner: Person) -> None:
    assert services.preview_import(b"name\nx\n", "a.csv", by=owner).file_errors == [
        "The file has no column for: reference."
    ]
    assert services.preview_import(csv_file([]), "b.csv", by=owner).file_errors == [
        "The file holds no assets below its header row."
    ]
    assert services.preview_import(b"\xff\xfe\x00bad", "c.csv", by=owner).file_errors == [
        "The file is not UTF-8 text: save the CSV as “CSV UTF-8”, or upload XLSX."
    ]


def test_committing_creates_assets_with_identifiers_tags_sites_and_one_audit_event_each(
    owner: Person, colleague: Person
) -> None:
    data = xlsx_file(
        [
            row("DC-1", type="Data-center site", unit="bj-ops"),
            row("ROOM-1", type="room", site="DC-1"),
            row(
                "SRV-1",
                owner="colleague",
                site="ROOM-1",
                c=3,
                a=4,
                criticality="High",
                critical="yes",
                ips="10.0.0.1; 10.0.0.2",
                hosts="SRV1.example.com",
                tags="pci, Core",
            ),
        ]
    )
    result = services.commit_import(data, "inventory.xlsx", by=owner)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    server = Asset.objects.get(reference="SRV-1")
    assert server.site == Asset.objects.get(reference="ROOM-1")
    assert Asset.objects.get(reference="ROOM-1").site == Asset.objects.get(reference="DC-1")
    assert (server.classification, server.criticality, server.effective_criticality) == (4, 3, 3)
    assert server.is_critical_system
    assert server.owner == colleague
    assert sorted(server.tags.values_list("name", flat=True)) == ["Core", "pci"]
    assert set(AssetIdentifier.objects.filter(asset=server).values_list("value", flat=True)) == {
        "10.0.0.1",
        "10.0.0.2",
        "srv1.example.com",
    }
    # Found by an import: the owner confirms it, unless the owner imported it.
    assert server.needs_review
    assert not Asset.objects.get(reference="DC-1").needs_review
    events = AuditEvent.objects.filter(object_type="assets.asset", action="create")
    assert events.count() == 3
    assert {event.reason for event in events} == {"Imported from inventory.xlsx"}
    assert events.get(object_id=str(server.pk)).changes["tag_names"] == [None, "Core, pci"]


def test_an_import_updates_only_the_columns_the_file_has_and_blank_ratings_keep_their_value(
    owner: Person, make_asset: Any
) -> None:
    asset = make_asset("SRV-1", owner=owner, confidentiality=3, tags=["keep"], description="Rack 4")
    data = csv_file([["SRV-1", "Renamed", ""]], header=["reference", "name", "confidentiality"])
    result = services.commit_import(data, "partial.csv", by=owner)
    assert (result.created, result.updated) == (0, 1)
    asset.refresh_from_db()
    assert (asset.name, asset.confidentiality, asset.description) == ("Renamed", 3, "Rack 4")
    assert list(asset.tags.values_list("name", flat=True)) == ["keep"]
    event = AuditEvent.objects.get(object_type="assets.asset", action="update")
    assert event.changes == {"name": ["Asset SRV-1", "Renamed"]}


def test_a_criticality_raised_by_import_reaches_what_the_asset_depends_on(
    owner: Person, make_asset: Any
) -> None:
    application, database = make_asset("APP-1", owner=owner), make_asset("DB-1", owner=owner)
    services.add_dependency(application, database, by=owner)
    services.commit_import(csv_file([row("APP-1", criticality="4")]), "up.csv", by=owner)
    database.refresh_from_db()
    assert database.effective_criticality == 4


def test_chinese_headers_and_labels_import(owner: Person) -> None:
    header = [
        "资产编号",
        "名称",
        "类型",
        "所有者",
        "保管部门",
        "生命周期状态",
        "机密性",
        "业务重要性",
        "关键信息系统",
        "标签",
    ]
    data = csv_file(
        [["DB-9", "计费数据库", "数据库", "owner", "bj", "在用", "高", "关键", "是", "财务"]], header=header
    )
    result = services.commit_import(data, "资产.csv", by=owner)
    assert result.created == 1
    asset = Asset.objects.get(reference="DB-9")
    assert (asset.name, asset.asset_type, asset.lifecycle_status) == (
        "计费数据库",
        AssetType.DATA_SET,
        LifecycleStatus.IN_SERVICE,
    )
    assert (asset.confidentiality, asset.criticality, asset.is_critical_system) == (3, 4, True)
    assert list(asset.tags.values_list("name", flat=True)) == ["财务"]


def test_stored_values_are_accepted_for_choices(owner: Person) -> None:
    data = csv_file([row("NET-1", type="network_segment", status="planned", criticality="critical")])
    services.commit_import(data, "values.csv", by=owner)
    asset = Asset.objects.get(reference="NET-1")
    assert (asset.asset_type, asset.lifecycle_status, asset.criticality) == ("network_segment", "planned", 4)


def round_trip_assets(owner: Person, colleague: Person, organisation: Any) -> None:
    site = services.create_asset(
        by=owner,
        reference="DC-BJ",
        name="Beijing DC",
        asset_type=AssetType.SITE,
        owner=owner,
        unit=organisation.beijing,
    )
    room = services.create_asset(
        by=owner,
        reference="ROOM-3",
        name='Room 3, "cold" aisle',
        asset_type=AssetType.ROOM,
        owner=colleague,
        unit=organisation.beijing_ops,
        site=site,
        lifecycle_status=LifecycleStatus.PLANNED,
    )
    services.create_asset(
        by=owner,
        reference="=CMD|calc",
        name="-2 quirky",
        asset_type=AssetType.APPLICATION,
        owner=owner,
        unit=organisation.beijing,
        site=room,
        description="Line one\nLine two, with “quotes”; and 中文",
        confidentiality=4,
        integrity=1,
        availability=3,
        criticality=4,
        is_critical_system=True,
        ip_addresses=["10.0.0.1", "2001:db8::1"],
        host_names=["app.example.com", "app"],
        tags=["pci", "核心系统", "'quoted"],
        needs_review=True,
    )


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_export_imports_back_without_any_change(
    owner: Person, colleague: Person, organisation: Any, file_format: str, language: str
) -> None:
    round_trip_assets(owner, colleague, organisation)
    before = snapshot()
    client = Client(headers={"accept-language": language})
    client.force_login(owner)
    response = client.get(f"/assets/?export={file_format}&sort=-reference")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    events = AuditEvent.objects.count()
    preview = services.preview_import(data, f"export.{file_format}", by=owner)
    assert preview.messages() == []
    assert (len(preview.to_create), len(preview.to_update), preview.unchanged) == (0, 0, 3)
    result = services.commit_import(data, f"export.{file_format}", by=owner)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert snapshot() == before
    assert AuditEvent.objects.count() == events


def test_an_export_imported_into_an_empty_inventory_recreates_it(
    owner: Person, colleague: Person, organisation: Any
) -> None:
    round_trip_assets(owner, colleague, organisation)
    before = snapshot()
    client = Client()
    client.force_login(owner)
    data = b"".join(client.get("/assets/?export=xlsx").streaming_content)  # type: ignore[attr-defined]
    # A site cannot go while something is located at it: clear the inventory from the inside out.
    for reference in ("=CMD|calc", "ROOM-3", "DC-BJ"):
        Asset.objects.filter(reference=reference).delete()
    Tag.objects.all().delete()
    result = services.commit_import(data, "export.xlsx", by=owner)
    assert result.created == 3
    after = snapshot()
    # Owners confirm what an import created, except what they imported themselves.
    assert {reference: values[:-1] for reference, values in after.items()} == {
        reference: values[:-1] for reference, values in before.items()
    }


def test_an_importer_who_manages_only_part_of_the_organisation_is_held_to_it(
    make_person: Any, organisation: Any, make_asset: Any
) -> None:
    officer = make_person(
        "officer", organisation.beijing_ops, (Role.SECURITY_OFFICER, organisation.beijing_ops)
    )
    make_asset("BJ-1")
    data = csv_file(
        [row("OPS-1", owner="officer", unit="bj-ops"), row("BJ-1", owner="officer", unit="bj-ops")]
    )
    preview = services.preview_import(data, "ops.csv", by=officer)
    assert [str(error) for error in preview.errors] == [
        "Row 3, reference: “BJ-1” is used by an asset you cannot change."
    ]
    assert [item.reference for item in preview.to_create] == ["OPS-1"]


def test_an_import_updates_every_kind_of_field_of_existing_assets(
    owner: Person, colleague: Person, make_asset: Any, organisation: Any
) -> None:
    make_asset("ROOM-1", owner=owner, asset_type=AssetType.ROOM)
    asset = make_asset("SRV-1", owner=owner, ip_addresses=["10.0.0.1"], tags=["old"])
    other = make_asset("SRV-2", owner=owner)
    data = csv_file(
        [
            row(
                "SRV-1",
                owner="colleague",
                unit="bj-ops",
                site="ROOM-1",
                description="Moved",
                status="Retired",
                c="4",
                critical="Yes",
                ips="10.0.0.2; 10.0.0.3",
                hosts="srv1.example.com",
                tags="new",
            ),
            row("SRV-2", name="Renamed", site="ROOM-2"),
            row("ROOM-2", type="room"),
        ]
    )
    result = services.commit_import(data, "changes.csv", by=owner)
    assert (result.created, result.updated) == (1, 2)
    asset.refresh_from_db()
    assert (asset.owner, asset.unit, asset.site.reference if asset.site else None) == (
        colleague,
        organisation.beijing_ops,
        "ROOM-1",
    )
    assert (asset.description, asset.lifecycle_status, asset.confidentiality, asset.classification) == (
        "Moved",
        "retired",
        4,
        4,
    )
    assert asset.is_critical_system
    assert asset.ip_addresses == ["10.0.0.2", "10.0.0.3"]
    assert sorted(asset.identifiers.values_list("value", flat=True)) == [
        "10.0.0.2",
        "10.0.0.3",
        "srv1.example.com",
    ]
    assert list(asset.tags.values_list("name", flat=True)) == ["new"]
    other.refresh_from_db()
    assert (other.name, other.site.reference if other.site else None) == ("Renamed", "ROOM-2")
    event = AuditEvent.objects.get(object_id=str(asset.pk), action="update")
    assert event.changes["owner"] == [owner.pk, colleague.pk]
    assert event.changes["tag_names"] == ["old", "new"]
