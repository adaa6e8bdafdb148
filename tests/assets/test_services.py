"""The inventory's services: assets, identifiers, tags, dependencies and effective criticality."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from garrison.assets import services
from garrison.assets.models import (
    Asset,
    AssetDependency,
    AssetIdentifier,
    AssetType,
    ClassificationLevel,
    Tag,
)
from garrison.assets.queries import dependency_tree, explain_criticality
from garrison.core.models import AuditEvent, Person

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int, int]:
    return (
        Asset.objects.count(),
        AssetDependency.objects.count(),
        AssetIdentifier.objects.count(),
        Tag.objects.count(),
        AuditEvent.objects.count(),
    )


def effective(*assets: Asset) -> list[int]:
    return [Asset.objects.get(pk=asset.pk).effective_criticality for asset in assets]


# Creating and changing assets --------------------------------------------------------------------


def test_creating_an_asset_derives_its_classification_identifiers_and_tags(
    owner: Person, organisation: Any
) -> None:
    Tag.objects.create(name="PCI")
    asset = services.create_asset(
        by=owner,
        reference=" DB-7 ",
        name="Billing database",
        asset_type=AssetType.DATA_SET,
        owner=owner,
        unit=organisation.beijing_ops,
        confidentiality=4,
        integrity=3,
        availability=2,
        criticality=3,
        ip_addresses=["10.1.0.7", "2001:DB8::7", "10.1.0.7"],
        host_names=["DB7.Example.com."],
        tags=["pci", "finance", "Finance"],
    )
    assert asset.reference == "DB-7"
    assert asset.classification == ClassificationLevel.SECRET
    assert asset.effective_criticality == 3
    assert asset.ip_addresses == ["10.1.0.7", "2001:db8::7"]
    assert asset.host_names == ["db7.example.com"]
    assert sorted(asset.tags.values_list("name", flat=True)) == ["PCI", "finance"]
    assert set(asset.identifiers.values_list("kind", "value")) == {
        ("ip", "10.1.0.7"),
        ("ip", "2001:db8::7"),
        ("host", "db7.example.com"),
    }
    event = AuditEvent.objects.get(object_type="assets.asset", object_id=str(asset.pk))
    assert event.action == "create"
    assert event.actor_id == owner.pk
    assert event.changes["tag_names"] == [None, "finance, PCI"]
    assert event.scope_path == organisation.beijing_ops.path


def test_an_asset_without_a_reference_is_numbered_from_its_id(make_asset: Any) -> None:
    asset = make_asset()
    assert asset.reference == f"AST-{asset.pk}"


def test_bad_identifiers_are_refused_together_naming_each_value_and_nothing_is_written(
    owner: Person, organisation: Any
) -> None:
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.create_asset(
            by=owner,
            name="Web",
            asset_type=AssetType.SERVER,
            owner=owner,
            unit=organisation.beijing,
            confidentiality=5,
            ip_addresses=["10.0.0.1", "10.0.0.300", "10.0.0.0/8"],
            host_names=["under_score.example.com"],
            tags=["a;b"],
        )
    assert refused.value.message_dict == {
        "ip_addresses": ["“10.0.0.300” is not an IP address.", "“10.0.0.0/8” is not an IP address."],
        "host_names": ["“under_score.example.com” is not a valid host name."],
        "tags": ["The tag “a;b” contains a comma or semicolon, which separate tags."],
        "confidentiality": ["Value 5 is not a valid choice."],
    }
    assert counts() == before


def test_a_custodian_unit_out_of_reach_is_refused_and_nothing_is_written(
    owner: Person, organisation: Any
) -> None:
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.create_asset(
            by=owner,
            name="Shanghai web",
            asset_type=AssetType.SERVER,
            owner=owner,
            unit=organisation.shanghai,
        )
    assert refused.value.message_dict == {"unit": ["Choose a unit whose assets you manage."]}
    assert counts() == before


def test_an_owner_the_person_cannot_see_is_refused(
    owner: Person, outsider: Person, organisation: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_asset(
            by=owner, name="Web", asset_type=AssetType.SERVER, owner=outsider, unit=organisation.beijing
        )
    assert refused.value.message_dict == {"owner": ["Choose a person you can see in the organisation."]}
    assert not Asset.objects.exists()


def test_a_site_must_be_a_data_center_site_or_room(make_asset: Any, owner: Person, organisation: Any) -> None:
    server = make_asset("SRV-1")
    room = make_asset("ROOM-1", asset_type=AssetType.ROOM)
    with pytest.raises(ValidationError) as refused:
        services.create_asset(
            by=owner,
            name="Web",
            asset_type=AssetType.SERVER,
            owner=owner,
            unit=organisation.beijing,
            site=server,
        )
    assert refused.value.message_dict == {
        "site": ["Choose an asset of type data-center site or room as the site."]
    }
    placed = services.create_asset(
        by=owner, name="Web", asset_type=AssetType.SERVER, owner=owner, unit=organisation.beijing, site=room
    )
    assert placed.site == room
    with pytest.raises(ValidationError) as itself:
        services.update_asset(room, by=owner, site=room)
    assert itself.value.message_dict == {"site": ["An asset cannot be its own site."]}


def test_updating_an_asset_records_every_changed_field_with_its_tags_in_one_event(
    make_asset: Any, owner: Person
) -> None:
    asset = make_asset("SRV-1", ip_addresses=["10.0.0.1"], tags=["old"])
    services.update_asset(
        asset,
        by=owner,
        reason="Re-addressed",
        name="Web front",
        ip_addresses="10.0.0.2\n10.0.0.3",
        tags=["new"],
        integrity=4,
    )
    asset.refresh_from_db()
    assert asset.classification == ClassificationLevel.SECRET
    assert list(asset.identifiers.order_by("value").values_list("value", flat=True)) == [
        "10.0.0.2",
        "10.0.0.3",
    ]
    event = AuditEvent.objects.filter(object_type="assets.asset", action="update").get()
    assert event.reason == "Re-addressed"
    assert event.changes == {
        "name": ["Asset SRV-1", "Web front"],
        "integrity": [2, 4],
        "classification": [2, 4],
        "ip_addresses": [["10.0.0.1"], ["10.0.0.2", "10.0.0.3"]],
        "tag_names": ["old", "new"],
    }


def test_an_update_changing_nothing_records_nothing(make_asset: Any, owner: Person) -> None:
    asset = make_asset("SRV-1", tags=["web"])
    events = AuditEvent.objects.count()
    services.update_asset(asset, by=owner, name="Asset SRV-1", tags=["WEB"])
    assert AuditEvent.objects.count() == events


def test_someone_outside_the_assets_unit_cannot_update_it_and_nothing_changes(
    make_asset: Any, outsider: Person, organisation: Any
) -> None:
    asset = make_asset("SRV-1")
    before = counts()
    with pytest.raises(PermissionDenied):
        services.update_asset(asset, by=outsider, name="Taken over", unit=organisation.shanghai)
    assert Asset.objects.get(pk=asset.pk).name == "Asset SRV-1"
    assert counts() == before


def test_moving_an_asset_needs_reach_over_the_new_unit(
    make_asset: Any, owner: Person, organisation: Any
) -> None:
    asset = make_asset("SRV-1")
    with pytest.raises(ValidationError) as refused:
        services.update_asset(asset, by=owner, unit=organisation.shanghai)
    assert refused.value.message_dict == {"unit": ["Choose a unit whose assets you manage."]}
    assert Asset.objects.get(pk=asset.pk).unit == organisation.beijing


def test_tags_are_created_once_whatever_their_case(owner: Person) -> None:
    first = services.create_tag(" Core  network ", by=owner)
    again = services.create_tag("core network", by=owner)
    assert first == again
    assert first.name == "Core network"
    assert AuditEvent.objects.filter(object_type="assets.tag").count() == 1


# Dependencies and effective criticality ---------------------------------------------------------


def test_a_dependency_closing_a_cycle_is_refused_naming_the_cycle_and_nothing_is_written(
    make_asset: Any, owner: Person
) -> None:
    first, seventh, third = make_asset("AST-1"), make_asset("AST-7"), make_asset("AST-3")
    services.add_dependency(seventh, third, by=owner)
    services.add_dependency(third, first, by=owner)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.add_dependency(first, seventh, by=owner)
    assert refused.value.message_dict == {
        "dependency": [
            "This dependency would close a cycle: AST-1 → AST-7 → AST-3 → AST-1. "
            "Remove one of its links first."
        ]
    }
    assert counts() == before


def test_an_asset_cannot_depend_on_itself_or_on_the_same_asset_twice(make_asset: Any, owner: Person) -> None:
    web, database = make_asset("WEB-1"), make_asset("DB-1")
    with pytest.raises(ValidationError) as itself:
        services.add_dependency(web, web, by=owner)
    assert itself.value.message_dict == {"dependency": ["An asset cannot depend on itself."]}
    services.add_dependency(web, database, by=owner)
    with pytest.raises(ValidationError) as twice:
        services.add_dependency(web, database, by=owner)
    assert twice.value.message_dict == {"dependency": ["WEB-1 already depends on DB-1."]}


def test_effective_criticality_propagates_down_the_graph_and_recomputes_after_a_removal(
    make_asset: Any, owner: Person
) -> None:
    billing = make_asset("APP-1", criticality=4)
    database = make_asset("DB-1", criticality=2)
    server = make_asset("SRV-1", criticality=1)
    room_ups = make_asset("UPS-1", criticality=1, asset_type=AssetType.FACILITY_EQUIPMENT)
    services.add_dependency(database, server, by=owner)
    services.add_dependency(server, room_ups, by=owner)
    assert effective(database, server, room_ups) == [2, 2, 2]
    edge = services.add_dependency(billing, database, by=owner)
    assert effective(billing, database, server, room_ups) == [4, 4, 4, 4]
    recomputed = AuditEvent.objects.filter(reason="APP-1 now depends on DB-1.").order_by("object_repr")
    assert [(event.object_repr, event.changes) for event in recomputed] == [
        ("DB-1 Asset DB-1", {"effective_criticality": [2, 4]}),
        ("SRV-1 Asset SRV-1", {"effective_criticality": [2, 4]}),
        ("UPS-1 Asset UPS-1", {"effective_criticality": [2, 4]}),
    ]
    services.remove_dependency(edge, by=owner, reason="Migrated away")
    assert effective(billing, database, server, room_ups) == [4, 2, 2, 2]
    assert not AssetDependency.objects.filter(pk=edge.pk).exists()


def test_a_change_of_own_criticality_recomputes_everything_the_asset_depends_on(
    make_asset: Any, owner: Person
) -> None:
    application, database, other_user = (
        make_asset("APP-1"),
        make_asset("DB-1"),
        make_asset("APP-2", criticality=3),
    )
    services.add_dependency(application, database, by=owner)
    services.add_dependency(other_user, database, by=owner)
    assert effective(database) == [3]
    services.update_asset(application, by=owner, criticality=4)
    assert effective(application, database) == [4, 4]
    services.update_asset(application, by=owner, criticality=1)
    # Still needed by APP-2, which is high.
    assert effective(application, database) == [1, 3]


def test_deleting_an_asset_others_need_is_refused_naming_them(make_asset: Any, owner: Person) -> None:
    database = make_asset("DB-1")
    for reference in ("APP-2", "APP-1"):
        services.add_dependency(make_asset(reference), database, by=owner)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.delete_asset(database, by=owner)
    assert refused.value.messages == [
        "DB-1 cannot be deleted: APP-1, APP-2 depend on it; remove those dependencies first."
    ]
    assert counts() == before


def test_deleting_an_asset_lowers_what_it_raised_and_is_audited(make_asset: Any, owner: Person) -> None:
    application, database = make_asset("APP-1", criticality=4), make_asset("DB-1", criticality=1)
    services.add_dependency(application, database, by=owner)
    application_id = application.pk
    services.delete_asset(application, by=owner, reason="Decommissioned")
    assert effective(database) == [1]
    event = AuditEvent.objects.get(object_type="assets.asset", object_id=str(application_id), action="delete")
    assert event.reason == "Decommissioned"
    assert not AssetDependency.objects.exists()


def test_deleting_an_asset_a_risk_scenario_assesses_is_refused(make_asset: Any, owner: Person) -> None:
    from garrison.risks.models import RiskMatrix, RiskScenario

    asset = make_asset("DB-1")
    matrix = RiskMatrix.objects.create(
        urn="urn:test:matrix", name="Test", likelihood=[], impact=[], levels=[], grid=[], appetite=1
    )
    scenario = RiskScenario.objects.create(
        reference="RSK-1",
        title="Leak",
        unit=asset.unit,
        owner=owner,
        matrix=matrix,
        inherent_likelihood=1,
        inherent_impact=1,
        inherent_level=1,
        current_likelihood=1,
        current_impact=1,
        current_level=1,
    )
    scenario.assets.add(asset)
    with pytest.raises(ValidationError) as refused:
        services.delete_asset(asset, by=owner)
    assert refused.value.messages == [
        "DB-1 cannot be deleted: 1 risk scenarios assess it; retire it instead to keep their history."
    ]
    assert Asset.objects.filter(pk=asset.pk).exists()


def test_the_owner_confirms_an_asset_that_needs_review_and_an_outsider_cannot(
    make_asset: Any, owner: Person, outsider: Person
) -> None:
    asset = make_asset("SRV-1", owner=owner, needs_review=True)
    with pytest.raises(PermissionDenied):
        services.confirm_asset(asset, by=outsider)
    assert Asset.objects.get(pk=asset.pk).needs_review
    services.confirm_asset(asset, by=owner)
    assert not Asset.objects.get(pk=asset.pk).needs_review
    assert (
        AuditEvent.objects.filter(object_id=str(asset.pk), changes={"needs_review": [True, False]}).count()
        == 1
    )


# Reads ------------------------------------------------------------------------------------------


def test_a_scanned_host_matches_assets_by_normalised_address_or_host_name(make_asset: Any) -> None:
    web = make_asset("WEB-1", ip_addresses=["10.0.0.5", "2001:db8::5"], host_names=["web01.example.com"])
    make_asset("DB-1", ip_addresses=["10.0.0.6"])
    assert list(services.assets_matching_host(ip="2001:DB8:0::5")) == [web]
    assert list(services.assets_matching_host(host_name="WEB01.example.com.")) == [web]
    assert list(services.assets_matching_host(ip="10.0.0.99", host_name="web01.example.com")) == [web]
    assert not services.assets_matching_host(ip="not an address", host_name="bad_name").exists()
    assert not services.assets_matching_host().exists()


def test_the_criticality_explanation_names_the_chain_from_the_dependent_that_raised_it(
    make_asset: Any, owner: Person, outsider: Person, organisation: Any
) -> None:
    billing = make_asset("APP-1", criticality=4)
    database, server = make_asset("DB-1"), make_asset("SRV-1")
    services.add_dependency(billing, database, by=owner)
    services.add_dependency(database, server, by=owner)
    server.refresh_from_db()
    explained = explain_criticality(server, owner)
    assert [asset.reference for asset in explained.chain] == ["APP-1", "DB-1", "SRV-1"]
    assert not explained.is_own
    assert not explained.is_hidden
    assert explain_criticality(billing, owner).is_own
    shanghai_server = make_asset("SRV-9", unit=organisation.shanghai)
    services.add_dependency(billing, shanghai_server, by=None)
    shanghai_server.refresh_from_db()
    assert explain_criticality(shanghai_server, outsider).is_hidden


def test_the_dependency_tree_follows_both_ways_and_leaves_out_assets_out_of_reach(
    make_asset: Any, owner: Person, organisation: Any
) -> None:
    application, database, server = make_asset("APP-1"), make_asset("DB-1"), make_asset("SRV-1")
    hidden = make_asset("SH-1", unit=organisation.shanghai)
    services.add_dependency(application, database, by=owner, description="orders")
    services.add_dependency(database, server, by=owner)
    services.add_dependency(hidden, database, by=None)
    tree = dependency_tree(database, owner)
    assert [(node.asset.reference, node.description) for node in tree.depends_on] == [("SRV-1", "")]
    assert [(node.asset.reference, node.description) for node in tree.needed_by] == [("APP-1", "orders")]
    whole = dependency_tree(database, None)
    assert [node.asset.reference for node in whole.needed_by] == ["APP-1", "SH-1"]
    shallow = dependency_tree(application, owner, depth=1)
    assert [(node.asset.reference, node.is_truncated) for node in shallow.depends_on] == [("DB-1", True)]
    deep = dependency_tree(application, owner, depth=2)
    assert [node.asset.reference for node in deep.depends_on[0].children] == ["SRV-1"]


def test_updating_an_asset_loaded_before_a_dependency_change_keeps_its_recomputed_criticality(
    make_asset: Any, owner: Person
) -> None:
    billing, database = make_asset("APP-1", criticality=4), make_asset("DB-1")
    services.add_dependency(billing, database, by=owner)
    # `database` was loaded before the dependency raised its effective criticality.
    services.update_asset(database, by=owner, name="Billing database", tags=["pci"])
    assert effective(database) == [4]
    assert database.effective_criticality == 4
