"""The inventory API: assets, dependencies, tags and imports, for every persona.

The owner administers Beijing, the colleague is an employee there (no grant on assets),
the outsider administers Shanghai, the auditor reads the whole group. A refusal must
leak nothing and change nothing; an asset out of reach answers like a missing one.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from garrison.assets import services
from garrison.assets.models import Asset, AssetDependency, AssetType, Tag
from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role

pytestmark = pytest.mark.django_db

ASSETS = "/api/assets/assets/"
DEPENDENCIES = "/api/assets/dependencies/"
TAGS = "/api/assets/tags/"
IMPORTS = "/api/assets/imports/"
MISSING_ID = 987654


def state() -> tuple[Any, ...]:
    return (
        list(Asset.objects.order_by("pk").values()),
        list(AssetDependency.objects.order_by("pk").values()),
        Tag.objects.count(),
        AuditEvent.objects.count(),
    )


def new_asset(organisation: Any, person: Person, **fields: Any) -> dict[str, Any]:
    return {
        "reference": "WEB-1",
        "name": "Web front end",
        "asset_type": "application",
        "owner": person.pk,
        "unit": organisation.beijing_ops.pk,
        "confidentiality": 3,
        "criticality": 3,
        "ip_addresses": ["10.0.0.1", "2001:DB8::1"],
        "host_names": ["WEB.example.com"],
        "tags": ["pci", "web"],
        **fields,
    }


@pytest.fixture
def beijing_asset(make_asset: Any, owner: Person) -> Asset:
    return make_asset("BJ-1", owner=owner, tags=["core"], ip_addresses=["10.1.1.1"])


@pytest.fixture
def shanghai_asset(make_asset: Any, outsider: Person, organisation: Any) -> Asset:
    return make_asset("SH-1", owner=outsider, unit=organisation.shanghai)


# Reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "visible"),
    [("owner", ["BJ-1"]), ("outsider", ["SH-1"]), ("auditor", ["BJ-1", "SH-1"]), ("colleague", [])],
)
def test_each_persona_lists_only_the_assets_within_reach(
    api: Any, request: Any, beijing_asset: Asset, shanghai_asset: Asset, persona: str, visible: list[str]
) -> None:
    response = api.as_(request.getfixturevalue(persona)).get(ASSETS)
    assert response.status_code == 200
    assert [item["reference"] for item in response.json()["results"]] == visible


def test_the_owner_of_an_asset_sees_it_without_any_grant(
    api: Any, colleague: Person, make_asset: Any
) -> None:
    make_asset("MINE-1", owner=colleague)
    response = api.as_(colleague).get(ASSETS)
    assert [item["reference"] for item in response.json()["results"]] == ["MINE-1"]


def test_an_asset_out_of_reach_answers_exactly_like_a_missing_one(
    api: Any, outsider: Person, beijing_asset: Asset
) -> None:
    client = api.as_(outsider)
    hidden = client.get(f"{ASSETS}{beijing_asset.pk}/")
    missing = client.get(f"{ASSETS}{MISSING_ID}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert client.get(f"{ASSETS}{beijing_asset.pk}/graph/").status_code == 404


def test_an_asset_reads_with_its_derived_fields_and_names(
    api: Any, owner: Person, beijing_asset: Asset
) -> None:
    data = api.as_(owner).get(f"{ASSETS}{beijing_asset.pk}/").json()
    assert {
        key: data[key] for key in ("reference", "owner_username", "unit_code", "tags", "ip_addresses")
    } == {
        "reference": "BJ-1",
        "owner_username": "owner",
        "unit_code": "bj",
        "tags": ["core"],
        "ip_addresses": ["10.1.1.1"],
    }
    assert (data["classification"], data["effective_criticality"], data["needs_review"]) == (2, 2, False)


def test_the_list_filters_searches_and_sorts(
    api: Any, owner: Person, make_asset: Any, organisation: Any
) -> None:
    make_asset("DB-1", owner=owner, asset_type=AssetType.DATA_SET, criticality=4, tags=["pci"])
    make_asset("SRV-1", owner=owner, unit=organisation.beijing_ops, host_names=["srv1.example.com"])
    make_asset("SRV-2", owner=owner, needs_review=True, is_critical_system=True)
    client = api.as_(owner)

    def references(query: str) -> list[str]:
        response = client.get(f"{ASSETS}?{query}")
        assert response.status_code == 200, response.content
        return [item["reference"] for item in response.json()["results"]]

    assert references("asset_type=data_set") == ["DB-1"]
    assert references(f"within={organisation.beijing_ops.pk}") == ["SRV-1"]
    assert references(f"unit={organisation.beijing.pk}") == ["DB-1", "SRV-2"]
    assert references("tag=PCI") == ["DB-1"]
    assert references("needs_review=true") == ["SRV-2"]
    assert references("is_critical_system=true") == ["SRV-2"]
    assert references("effective_criticality=4") == ["DB-1"]
    assert references("search=srv1.example") == ["SRV-1"]
    assert references("ordering=-effective_criticality,reference") == ["DB-1", "SRV-1", "SRV-2"]
    assert references(f"owner={owner.pk}&lifecycle_status=in_service") == ["DB-1", "SRV-1", "SRV-2"]


def test_a_filter_on_a_unit_out_of_reach_is_refused_like_a_missing_one(
    api: Any, owner: Person, organisation: Any
) -> None:
    client = api.as_(owner)
    hidden = client.get(f"{ASSETS}?within={organisation.shanghai.pk}")
    missing = client.get(f"{ASSETS}?within={MISSING_ID}")
    assert hidden.status_code == missing.status_code == 400
    assert list(hidden.json()) == list(missing.json()) == ["within"]


def test_the_export_writes_the_import_format(api: Any, owner: Person, beijing_asset: Asset) -> None:
    response = api.as_(owner).get(f"{ASSETS}export/?file_format=csv")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines == [
        "Reference,Name,Type,Owner (username),Custodian unit (code),Site (reference),Description,"
        "Lifecycle status,Confidentiality,Integrity,Availability,Business criticality,"
        "Critical information system,IP addresses,Host names,Tags",
        "BJ-1,Asset BJ-1,Server or host,owner,bj,,,In service,2,2,2,2,No,10.1.1.1,,core",
    ]


# Writing -------------------------------------------------------------------------------------


def test_creating_an_asset_goes_through_the_service(api: Any, owner: Person, organisation: Any) -> None:
    response = api.as_(owner).post(ASSETS, new_asset(organisation, owner), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["classification"], data["effective_criticality"]) == (3, 3)
    assert data["ip_addresses"] == ["10.0.0.1", "2001:db8::1"]
    assert data["host_names"] == ["web.example.com"]
    assert data["tags"] == ["pci", "web"]
    event = AuditEvent.objects.get(object_type="assets.asset", object_id=str(data["id"]))
    assert event.actor_id == owner.pk


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"ip_addresses": ["10.0.0.300"]}, {"ip_addresses": ["“10.0.0.300” is not an IP address."]}),
        ({"confidentiality": 5}, {"confidentiality": ["Ensure this value is less than or equal to 4."]}),
        ({"asset_type": "toaster"}, {"asset_type": ['"toaster" is not a valid choice.']}),
        ({"unit": "shanghai"}, {"unit": ['Invalid pk "{shanghai}" - object does not exist.']}),
        ({"unit": MISSING_ID}, {"unit": [f'Invalid pk "{MISSING_ID}" - object does not exist.']}),
        ({"owner": "outsider"}, {"owner": ['Invalid pk "{outsider}" - object does not exist.']}),
        ({"site": "server"}, {"site": ["Choose an asset of type data-center site or room as the site."]}),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(
    api: Any,
    owner: Person,
    outsider: Person,
    organisation: Any,
    make_asset: Any,
    changes: dict[str, Any],
    errors: dict[str, list[str]],
) -> None:
    server = make_asset("SRV-1")
    substitutes = {"shanghai": organisation.shanghai.pk, "outsider": outsider.pk, "server": server.pk}
    payload = new_asset(organisation, owner)
    for key, value in changes.items():
        payload[key] = substitutes.get(value, value) if isinstance(value, str) else value
    before = state()
    response = api.as_(owner).post(ASSETS, payload, format="json")
    assert response.status_code == 400
    expected = {
        key: [
            message.replace("{outsider}", str(outsider.pk)).replace(
                "{shanghai}", str(organisation.shanghai.pk)
            )
            for message in messages
        ]
        for key, messages in errors.items()
    }
    assert response.json() == expected
    assert state() == before


def test_a_unit_seen_but_not_managed_is_refused_as_not_found(
    api: Any, make_person: Any, organisation: Any
) -> None:
    officer = make_person(
        "officer", organisation.beijing, Role.EMPLOYEE, (Role.SECURITY_OFFICER, organisation.beijing_ops)
    )
    before = state()
    response = api.as_(officer).post(
        ASSETS, new_asset(organisation, officer, unit=organisation.beijing.pk), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"unit": ["Unit not found."]}
    assert state() == before
    allowed = api.as_(officer).post(ASSETS, new_asset(organisation, officer), format="json")
    assert allowed.status_code == 201


@pytest.mark.parametrize(("persona", "status"), [("colleague", 403), ("auditor", 403)])
def test_someone_without_the_add_grant_cannot_create(
    api: Any, request: Any, owner: Person, organisation: Any, persona: str, status: int
) -> None:
    person = request.getfixturevalue(persona)
    before = state()
    response = api.as_(person).post(ASSETS, new_asset(organisation, owner), format="json")
    assert response.status_code == status
    assert state() == before


def test_updating_records_the_reason_and_recomputes_what_the_asset_needs(
    api: Any, owner: Person, beijing_asset: Asset, make_asset: Any
) -> None:
    database = make_asset("DB-1")
    services.add_dependency(beijing_asset, database, by=owner)
    response = api.as_(owner).patch(
        f"{ASSETS}{beijing_asset.pk}/",
        {"criticality": 4, "tags": ["core", "dr"], "reason": "BIA 2025"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["effective_criticality"] == 4
    assert response.json()["tags"] == ["core", "dr"]
    database.refresh_from_db()
    assert database.effective_criticality == 4
    event = AuditEvent.objects.get(object_id=str(beijing_asset.pk), action="update", reason="BIA 2025")
    assert event.changes == {"criticality": [2, 4], "tag_names": ["core", "core, dr"]}


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("colleague", 404), ("auditor", 404)])
def test_someone_without_the_change_grant_over_the_asset_cannot_update_or_delete_it(
    api: Any, request: Any, beijing_asset: Asset, persona: str, status: int
) -> None:
    client = api.as_(request.getfixturevalue(persona))
    before = state()
    assert (
        client.patch(f"{ASSETS}{beijing_asset.pk}/", {"name": "Taken"}, format="json").status_code == status
    )
    assert client.delete(f"{ASSETS}{beijing_asset.pk}/").status_code == status
    assert state() == before


def test_deleting_an_asset_others_need_is_a_400_naming_them(
    api: Any, owner: Person, beijing_asset: Asset, make_asset: Any
) -> None:
    services.add_dependency(make_asset("APP-1"), beijing_asset, by=owner)
    before = state()
    response = api.as_(owner).delete(f"{ASSETS}{beijing_asset.pk}/")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["BJ-1 cannot be deleted: APP-1 depend on it; remove those dependencies first."]
    }
    assert state() == before
    assert api.as_(owner).delete(f"{ASSETS}{Asset.objects.get(reference='APP-1').pk}/").status_code == 204


def test_the_owner_confirms_an_asset_that_needs_review(api: Any, colleague: Person, make_asset: Any) -> None:
    asset = make_asset("MINE-1", owner=colleague, needs_review=True)
    response = api.as_(colleague).post(f"{ASSETS}{asset.pk}/confirm/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["needs_review"] is False


def test_an_auditor_cannot_confirm_what_they_do_not_own(api: Any, auditor: Person, make_asset: Any) -> None:
    asset = make_asset("SRV-1", needs_review=True)
    before = state()
    response = api.as_(auditor).post(f"{ASSETS}{asset.pk}/confirm/", {}, format="json")
    assert response.status_code == 400
    assert state() == before


# The graph and dependencies ------------------------------------------------------------------


def test_the_graph_gives_both_directions_several_levels_and_why_the_criticality_is_raised(
    api: Any, owner: Person, make_asset: Any
) -> None:
    billing, database, server = make_asset("APP-1", criticality=4), make_asset("DB-1"), make_asset("SRV-1")
    services.add_dependency(billing, database, by=owner, description="orders")
    services.add_dependency(database, server, by=owner)
    response = api.as_(owner).get(f"{ASSETS}{database.pk}/graph/")
    assert response.status_code == 200
    data = response.json()
    assert data["asset"]["reference"] == "DB-1"
    assert data["criticality_raised_by"] == ["APP-1", "DB-1"]
    assert [(node["asset"]["reference"], node["description"]) for node in data["needed_by"]] == [
        ("APP-1", "orders")
    ]
    assert [node["asset"]["reference"] for node in data["depends_on"]] == ["SRV-1"]
    from_top = api.as_(owner).get(f"{ASSETS}{billing.pk}/graph/?depth=2").json()
    assert [child["asset"]["reference"] for child in from_top["depends_on"][0]["children"]] == ["SRV-1"]
    assert api.as_(owner).get(f"{ASSETS}{billing.pk}/graph/?depth=many").status_code == 400


def test_a_dependency_closing_a_cycle_is_a_400_naming_it(api: Any, owner: Person, make_asset: Any) -> None:
    first, second = make_asset("AST-1"), make_asset("AST-2")
    client = api.as_(owner)
    created = client.post(DEPENDENCIES, {"dependent": first.pk, "dependency": second.pk}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["dependency_reference"] == "AST-2"
    before = state()
    refused = client.post(DEPENDENCIES, {"dependent": second.pk, "dependency": first.pk}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {
        "dependency": [
            "This dependency would close a cycle: AST-2 → AST-1 → AST-2. Remove one of its links first."
        ]
    }
    assert state() == before
    assert client.delete(f"{DEPENDENCIES}{created.json()['id']}/").status_code == 204
    assert not AssetDependency.objects.exists()


def test_someone_cannot_make_an_asset_out_of_reach_depend_on_anything(
    api: Any, outsider: Person, beijing_asset: Asset, shanghai_asset: Asset
) -> None:
    before = state()
    response = api.as_(outsider).post(
        DEPENDENCIES, {"dependent": beijing_asset.pk, "dependency": shanghai_asset.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["dependent"]
    assert state() == before


def test_the_auditor_sees_dependencies_but_cannot_remove_them(
    api: Any, owner: Person, auditor: Person, beijing_asset: Asset, make_asset: Any
) -> None:
    edge = services.add_dependency(beijing_asset, make_asset("DB-1"), by=owner)
    client = api.as_(auditor)
    assert [item["id"] for item in client.get(DEPENDENCIES).json()["results"]] == [edge.pk]
    assert client.delete(f"{DEPENDENCIES}{edge.pk}/").status_code == 404
    assert AssetDependency.objects.filter(pk=edge.pk).exists()


# Tags and imports ----------------------------------------------------------------------------


def test_tags_are_listed_and_created_once_whatever_their_case(
    api: Any, owner: Person, auditor: Person
) -> None:
    client = api.as_(owner)
    assert client.post(TAGS, {"name": "PCI"}, format="json").status_code == 201
    again = client.post(TAGS, {"name": "pci"}, format="json")
    assert again.status_code == 200
    assert again.json()["name"] == "PCI"
    assert [item["name"] for item in api.as_(auditor).get(TAGS).json()["results"]] == ["PCI"]
    assert api.as_(auditor).post(TAGS, {"name": "mine"}, format="json").status_code == 403


def inventory_csv(*rows: str) -> io.BytesIO:
    header = "reference,name,type,owner,custodian unit,criticality\n"
    upload = io.BytesIO((header + "".join(f"{row}\n" for row in rows)).encode("utf-8"))
    upload.name = "inventory.csv"
    return upload


def test_an_import_previews_then_commits(api: Any, owner: Person) -> None:
    client = api.as_(owner)
    preview = client.post(IMPORTS, {"file": inventory_csv("SRV-1,Web,server,owner,bj,3")}, format="multipart")
    assert preview.status_code == 200, preview.content
    assert {key: preview.json()[key] for key in ("committed", "is_valid", "create_count", "errors")} == {
        "committed": False,
        "is_valid": True,
        "create_count": 1,
        "errors": [],
    }
    assert not Asset.objects.exists()
    committed = client.post(
        IMPORTS,
        {"file": inventory_csv("SRV-1,Web,server,owner,bj,3"), "dry_run": "false"},
        format="multipart",
    )
    assert committed.status_code == 201
    assert committed.json()["committed"] is True
    assert Asset.objects.get().criticality == 3


def test_an_import_with_an_unknown_owner_is_a_400_naming_the_row_and_writes_nothing(
    api: Any, owner: Person
) -> None:
    before = state()
    response = api.as_(owner).post(
        IMPORTS,
        {
            "file": inventory_csv("SRV-1,Web,server,owner,bj,3", "SRV-2,Db,server,zhangw,bj,2"),
            "dry_run": "false",
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 3,
            "column": "owner",
            "message": "no person with username “zhangw”.",
            "text": "Row 3, owner: no person with username “zhangw”.",
        }
    ]
    assert state() == before


@pytest.mark.parametrize("persona", ["colleague", "auditor"])
def test_someone_without_the_add_grant_cannot_import(api: Any, request: Any, persona: str) -> None:
    response = api.as_(request.getfixturevalue(persona)).post(
        IMPORTS,
        {"file": inventory_csv("SRV-1,Web,server,owner,bj,3"), "dry_run": "false"},
        format="multipart",
    )
    assert response.status_code == 403
    assert not Asset.objects.exists()
