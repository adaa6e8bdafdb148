"""The inventory's web pages: list, asset page, forms, dependencies, confirmation, deletion, import."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from garrison.assets import services
from garrison.assets.models import Asset, AssetDependency, AssetType
from garrison.core.models import Attachment, AuditEvent, Person

pytestmark = pytest.mark.django_db


def detail_url(asset: Asset) -> str:
    return reverse("assets:asset-detail", args=[asset.pk])


def asset_form(organisation: Any, **changes: Any) -> dict[str, Any]:
    form = {
        "reference": "",
        "name": "Core switch",
        "asset_type": AssetType.NETWORK_DEVICE,
        "owner": "owner",
        "unit": organisation.beijing_ops.pk,
        "site": "",
        "description": "",
        "lifecycle_status": "in_service",
        "confidentiality": 2,
        "integrity": 3,
        "availability": 4,
        "criticality": 4,
        "ip_addresses": "10.0.0.1\n10.0.0.2",
        "host_names": "core-sw1.example.com",
        "tags": "network, core",
    }
    form.update(changes)
    return form


# The list ------------------------------------------------------------------------------------


def test_the_list_shows_the_assets_within_reach_with_their_levels(
    client: Any, owner: Person, make_asset: Any, organisation: Any
) -> None:
    make_asset("BJ-1", criticality=4, name="Billing")
    make_asset("SH-1", unit=organisation.shanghai)
    client.force_login(owner)
    response = client.get(reverse("assets:asset-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Billing" in page
    assert "SH-1" not in page
    assert 'class="badge asset-level asset-level-4">Critical</span>' in page
    assert f'href="{reverse("assets:asset-import")}"' in page
    assert f'href="{reverse("assets:asset-create")}"' in page


def test_the_list_filters_and_searches_by_host_name_without_repeating_rows(
    client: Any, owner: Person, make_asset: Any
) -> None:
    make_asset(
        "WEB-1", host_names=["web1.example.com", "web1-admin.example.com"], asset_type=AssetType.APPLICATION
    )
    make_asset("DB-1", asset_type=AssetType.DATA_SET, tags=["pci"])
    client.force_login(owner)
    searched = client.get(reverse("assets:asset-list"), {"q": "web1"})
    assert [row.object.reference for row in searched.context["rows"]] == ["WEB-1"]
    filtered = client.get(reverse("assets:asset-list"), {"asset_type": "data_set", "tag": "pci"})
    assert [row.object.reference for row in filtered.context["rows"]] == ["DB-1"]


def test_the_list_answers_htmx_with_the_results_only(client: Any, owner: Person, make_asset: Any) -> None:
    make_asset("BJ-1")
    client.force_login(owner)
    response = client.get(
        reverse("assets:asset-list"),
        {"sort": "-effective_criticality"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="list-results",
    )
    assert response.status_code == 200
    assert response.content.decode().startswith('<div id="list-results"')


def test_a_person_without_the_assets_domain_does_not_get_the_import_or_add_buttons(
    client: Any, auditor: Person
) -> None:
    client.force_login(auditor)
    page = client.get(reverse("assets:asset-list")).content.decode()
    assert reverse("assets:asset-import") not in page
    assert client.get(reverse("assets:asset-import")).status_code == 404
    assert client.get(reverse("assets:asset-create")).status_code == 404


# The asset page ------------------------------------------------------------------------------


def test_the_asset_page_shows_the_graph_both_ways_and_who_raised_its_criticality(
    client: Any, owner: Person, make_asset: Any
) -> None:
    billing = make_asset("APP-1", criticality=4)
    database = make_asset("DB-1", ip_addresses=["10.2.0.1"], tags=["pci"])
    server = make_asset("SRV-1")
    services.add_dependency(billing, database, by=owner, description="orders")
    services.add_dependency(database, server, by=owner)
    client.force_login(owner)
    response = client.get(detail_url(database))
    assert response.status_code == 200
    page = response.content.decode()
    tree = response.context["tree"]
    assert [node.asset.reference for node in tree.depends_on] == ["SRV-1"]
    assert [node.asset.reference for node in tree.needed_by] == ["APP-1"]
    assert [asset.reference for asset in response.context["explanation"].chain] == ["APP-1", "DB-1"]
    assert f'<a href="{detail_url(billing)}">APP-1</a> (Critical) →' in page
    assert "<code>10.2.0.1</code>" in page
    assert "— orders" in page
    assert reverse("assets:asset-dependency-add", args=[database.pk]) in page


def test_the_asset_page_lists_the_risks_the_person_may_see(
    client: Any, owner: Person, outsider: Person, make_asset: Any, organisation: Any
) -> None:
    from garrison.risks.models import RiskMatrix, RiskScenario

    asset = make_asset("DB-1")
    matrix = RiskMatrix.objects.create(
        urn="urn:test:matrix", name="Test", likelihood=[], impact=[], levels=[], grid=[], appetite=1
    )
    for reference, unit, risk_owner in (
        ("RSK-1", organisation.beijing, owner),
        ("RSK-2", organisation.shanghai, outsider),
    ):
        scenario = RiskScenario.objects.create(
            reference=reference,
            title=f"Scenario {reference}",
            unit=unit,
            owner=risk_owner,
            matrix=matrix,
            inherent_likelihood=1,
            inherent_impact=1,
            inherent_level=1,
            current_likelihood=1,
            current_impact=1,
            current_level=1,
        )
        scenario.assets.add(asset)
    client.force_login(owner)
    response = client.get(detail_url(asset))
    assert [risk.reference for risk in response.context["risks"]] == ["RSK-1"]
    page = response.content.decode()
    assert reverse("risks:risk-detail", args=[RiskScenario.objects.get(reference="RSK-1").pk]) in page
    assert "RSK-2" not in page


def test_an_asset_out_of_reach_answers_404_on_every_page(
    client: Any, outsider: Person, make_asset: Any
) -> None:
    asset = make_asset("BJ-1")
    client.force_login(outsider)
    for name in ("asset-detail", "asset-edit", "asset-delete"):
        assert client.get(reverse(f"assets:{name}", args=[asset.pk])).status_code == 404
    assert client.post(reverse("assets:asset-confirm", args=[asset.pk])).status_code == 404


# Forms ---------------------------------------------------------------------------------------


def test_creating_an_asset_through_the_form_calls_the_service(
    client: Any, owner: Person, organisation: Any
) -> None:
    client.force_login(owner)
    response = client.post(reverse("assets:asset-create"), asset_form(organisation))
    asset = Asset.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(asset)
    assert asset.reference == f"AST-{asset.pk}"
    assert (asset.classification, asset.effective_criticality) == (4, 4)
    assert asset.ip_addresses == ["10.0.0.1", "10.0.0.2"]
    assert sorted(asset.tags.values_list("name", flat=True)) == ["core", "network"]
    assert AuditEvent.objects.get(object_type="assets.asset").actor_id == owner.pk


def test_the_form_shows_service_and_field_errors_and_writes_nothing(
    client: Any, owner: Person, organisation: Any, make_asset: Any
) -> None:
    server = make_asset("SRV-1")
    client.force_login(owner)
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("assets:asset-create"),
        asset_form(
            organisation,
            ip_addresses="10.0.0.300",
            host_names="bad_host",
            owner="nobody",
            unit=organisation.shanghai.pk,
            site=server.pk,
        ),
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"owner", "unit", "site"}
    assert Asset.objects.count() == 1
    second = client.post(
        reverse("assets:asset-create"),
        asset_form(organisation, ip_addresses="10.0.0.300", host_names="bad_host"),
    )
    assert second.status_code == 400
    assert second.context["form"].errors == {
        "ip_addresses": ["“10.0.0.300” is not an IP address."],
        "host_names": ["“bad_host” is not a valid host name."],
    }
    assert Asset.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_editing_an_asset_keeps_the_reason_and_shows_its_tags(
    client: Any, owner: Person, make_asset: Any, organisation: Any
) -> None:
    asset = make_asset("SRV-1", owner=owner, tags=["web"])
    client.force_login(owner)
    form = client.get(reverse("assets:asset-edit", args=[asset.pk]))
    assert form.context["form"]["tags"].value() == "web"
    assert form.context["form"]["owner"].value() == "owner"
    response = client.post(
        reverse("assets:asset-edit", args=[asset.pk]),
        asset_form(
            organisation, reference="SRV-1", name="Web server", tags="web, dmz", reason="Moved to the DMZ"
        ),
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.name == "Web server"
    event = AuditEvent.objects.get(object_id=str(asset.pk), action="update", reason="Moved to the DMZ")
    assert event.changes["tag_names"] == ["web", "dmz, web"]


# Dependencies, confirmation, deletion ----------------------------------------------------------


def test_a_dependency_added_on_the_page_is_recorded_and_a_cycle_is_shown_on_the_field(
    client: Any, owner: Person, make_asset: Any
) -> None:
    application = make_asset("APP-1")
    make_asset("DB-1")
    client.force_login(owner)
    url = reverse("assets:asset-dependency-add", args=[application.pk])
    response = client.post(url, {"direction": "depends_on", "other": "DB-1", "description": "orders"})
    assert response.status_code == 302
    assert AssetDependency.objects.get().description == "orders"
    cycle = client.post(
        reverse("assets:asset-dependency-add", args=[application.pk]),
        {"direction": "needed_by", "other": "DB-1"},
    )
    assert cycle.status_code == 400
    assert cycle.context["form"].errors == {
        "other": ["This dependency would close a cycle: DB-1 → APP-1 → DB-1. Remove one of its links first."]
    }
    unknown = client.post(url, {"direction": "depends_on", "other": "NOPE"})
    assert unknown.context["form"].errors == {"other": ["No asset with this reference."]}
    assert AssetDependency.objects.count() == 1


def test_removing_a_dependency_asks_then_returns_to_the_asset_it_came_from(
    client: Any, owner: Person, make_asset: Any
) -> None:
    application, database = make_asset("APP-1", criticality=4), make_asset("DB-1")
    edge = services.add_dependency(application, database, by=owner)
    client.force_login(owner)
    url = f"{reverse('assets:asset-dependency-remove', args=[edge.pk])}?from={database.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Migrated"})
    assert response["Location"] == detail_url(database)
    assert not AssetDependency.objects.exists()
    database.refresh_from_db()
    assert database.effective_criticality == 2


def test_the_owner_confirms_an_asset_from_its_page(client: Any, colleague: Person, make_asset: Any) -> None:
    asset = make_asset("MINE-1", owner=colleague, needs_review=True)
    client.force_login(colleague)
    assert client.get(detail_url(asset)).context["may_confirm"]
    response = client.post(reverse("assets:asset-confirm", args=[asset.pk]))
    assert response["Location"] == detail_url(asset)
    asset.refresh_from_db()
    assert not asset.needs_review


def test_deleting_an_asset_others_need_shows_why_and_keeps_it(
    client: Any, owner: Person, make_asset: Any
) -> None:
    database = make_asset("DB-1")
    services.add_dependency(make_asset("APP-1"), database, by=owner)
    client.force_login(owner)
    response = client.post(reverse("assets:asset-delete", args=[database.pk]), {"reason": ""}, follow=True)
    assert "DB-1 cannot be deleted: APP-1 depend on it" in response.content.decode()
    assert Asset.objects.filter(pk=database.pk).exists()
    spare = make_asset("SPARE-1")
    deleted = client.post(reverse("assets:asset-delete", args=[spare.pk]), {"reason": "Sold"})
    assert deleted["Location"] == reverse("assets:asset-list")
    assert not Asset.objects.filter(reference="SPARE-1").exists()


# Import --------------------------------------------------------------------------------------


def upload(text: str, name: str = "inventory.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_the_import_pages_upload_preview_and_commit(client: Any, owner: Person) -> None:
    client.force_login(owner)
    uploaded = client.post(
        reverse("assets:asset-import"),
        {"file": upload("reference,name,type,owner,custodian unit\nSRV-1,Web,Server,owner,bj\n")},
    )
    attachment = Attachment.objects.get()
    preview_url = reverse("assets:asset-import-preview", args=[attachment.pk])
    assert uploaded["Location"] == preview_url
    preview = client.get(preview_url)
    assert preview.status_code == 200
    assert [item.reference for item in preview.context["preview"].to_create] == ["SRV-1"]
    assert not Asset.objects.exists()
    committed = client.post(preview_url)
    assert committed["Location"] == reverse("assets:asset-list")
    assert Asset.objects.get().name == "Web"


def test_an_import_with_errors_lists_them_and_refuses_the_commit(client: Any, owner: Person) -> None:
    client.force_login(owner)
    client.post(
        reverse("assets:asset-import"),
        {"file": upload("reference,name,type,owner,custodian unit\nSRV-1,Web,Server,zhangw,bj\n")},
    )
    preview_url = reverse("assets:asset-import-preview", args=[Attachment.objects.get().pk])
    page = client.get(preview_url).content.decode()
    assert "Row 2, owner: no person with username “zhangw”." in page
    refused = client.post(preview_url)
    assert refused.status_code == 400
    assert not Asset.objects.exists()


def test_only_csv_and_xlsx_files_are_taken(client: Any, owner: Person) -> None:
    client.force_login(owner)
    response = client.post(reverse("assets:asset-import"), {"file": upload("x", name="inventory.pdf")})
    assert response.status_code == 400
    assert "file" in response.context["form"].errors
    assert not Attachment.objects.exists()


def test_nobody_else_may_open_someone_elses_upload(
    client: Any, owner: Person, make_person: Any, organisation: Any
) -> None:
    from garrison.core.roles import Role

    client.force_login(owner)
    client.post(reverse("assets:asset-import"), {"file": upload("reference\nX\n")})
    preview_url = reverse("assets:asset-import-preview", args=[Attachment.objects.get().pk])
    other_administrator = make_person("admin2", organisation.beijing, Role.ADMINISTRATOR)
    client.force_login(other_administrator)
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url).status_code == 404


def test_an_xlsx_upload_previews(client: Any, owner: Person) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Reference", "Name", "Type", "Owner (username)", "Custodian unit (code)"])
    sheet.append(["SRV-1", "Web", "server", "owner", "bj"])
    target = io.BytesIO()
    workbook.save(target)
    client.force_login(owner)
    client.post(
        reverse("assets:asset-import"),
        {"file": SimpleUploadedFile("inventory.xlsx", target.getvalue())},
    )
    preview = client.get(reverse("assets:asset-import-preview", args=[Attachment.objects.get().pk]))
    assert preview.context["preview"].is_valid
    assert len(preview.context["preview"].to_create) == 1
