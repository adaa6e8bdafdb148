from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from garrison.core.models import Person
from garrison.core.services import org


def test_a_password_change_shows_in_history_as_redacted_in_the_readers_language(
    client: Client, owner: Person, colleague: Person
) -> None:
    org.set_password(colleague, "Another-passw0rd-long", by=None)
    client.force_login(owner)
    client.cookies["django_language"] = "zh-hans"

    page = client.get(f"/people/{colleague.pk}/").content.decode()

    with translation.override("zh-hans"):
        redacted, system = gettext("[redacted]"), gettext("system")
    assert redacted != "[redacted]"
    assert redacted in page
    assert system in page  # the change had no acting person
    assert "[redacted]" not in page


def test_history_names_the_person_who_acted(client: Client, owner: Person, colleague: Any) -> None:
    org.update_person(colleague, by=owner, job_title="Shift lead")
    client.force_login(owner)

    page = client.get(f"/people/{colleague.pk}/").content.decode()

    assert "by Owner" in page
    assert "Shift lead" in page


def test_a_change_of_a_many_to_many_field_shows_the_names_of_both_lists(
    owner: Person, colleague: Person
) -> None:
    from garrison.assets.models import Asset, Tag
    from garrison.core import audit
    from garrison.core.models.audit import AuditAction
    from garrison.web.history import history_for

    asset = Asset.objects.create(
        reference="AST-1", name="Core switch", asset_type="network_device", owner=owner, unit=owner.unit
    )
    first, second = Tag.objects.create(name="pci"), Tag.objects.create(name="core-network")
    audit.record(asset, AuditAction.UPDATE, by=owner, changes={"tags": [[first.pk], [first.pk, second.pk]]})

    [entry] = [entry for entry in history_for(asset, owner).entries if entry.changes]
    [change] = entry.changes

    assert (change.before, change.after) == ("pci", "pci, core-network")
