from __future__ import annotations

from django.test import Client

from garrison.core.models import Person


def test_an_auditor_of_the_whole_organisation_can_verify_the_chain_from_the_dashboard(
    client: Client, auditor: Person
) -> None:
    client.force_login(auditor)

    dashboard = client.get("/").content.decode()
    verified = client.post("/audit-trail/verify/", follow=True)

    assert "Verify now" in dashboard
    assert verified.status_code == 200
    assert "The audit trail is intact" in verified.content.decode()


def test_an_administrator_of_one_site_cannot_walk_the_whole_chain(client: Client, owner: Person) -> None:
    client.force_login(owner)

    dashboard = client.get("/").content.decode()
    refused = client.post("/audit-trail/verify/")

    assert "Verify now" not in dashboard
    assert "The chain holds" not in dashboard
    assert refused.status_code == 404
