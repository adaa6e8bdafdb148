"""The UI shell: dashboard, navigation, language switch, time zone, and pages that the
Content-Security-Policy lets run (no inline script, style or event handler)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from garrison.core.services import org

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("persona", ["owner", "colleague", "outsider", "auditor"])
def test_the_dashboard_renders_for_each_persona(client: Any, persona: str, request: Any) -> None:
    person = request.getfixturevalue(persona)
    client.force_login(person)
    response = client.get(reverse("web:dashboard"))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"Welcome, {person.full_name}" in body
    assert "People" in body


def test_the_dashboard_counts_only_what_the_person_may_see(
    client: Any, outsider: Any, owner: Any, colleague: Any
) -> None:
    client.force_login(outsider)
    counts = {
        str(label): count for label, count, _url in client.get(reverse("web:dashboard")).context["counts"]
    }
    assert counts["People"] == 1
    assert counts["Organisation units"] == 1


def test_the_dashboard_shows_the_audit_chain_only_to_those_with_the_audit_grant(
    client: Any, auditor: Any, colleague: Any, owner: Any, outsider: Any
) -> None:
    client.force_login(auditor)
    auditor_page = client.get(reverse("web:dashboard"))
    assert reverse("core:audit-verify") in auditor_page.content.decode()
    assert [event.sequence for event in auditor_page.context["recent_events"]] == list(range(12, 2, -1))
    client.force_login(colleague)
    employee_page = client.get(reverse("web:dashboard")).content.decode()
    assert reverse("core:audit-verify") not in employee_page
    assert "Recent activity" not in employee_page


def test_the_dashboard_lists_the_persons_own_responsibilities(
    client: Any, colleague: Any, organisation: Any
) -> None:
    org.assign_responsibility(organisation.beijing, "R", by=None, person=colleague)
    client.force_login(colleague)
    body = client.get(reverse("web:dashboard")).content.decode()
    assert reverse("core:unit-detail", args=[organisation.beijing.pk]) in body
    assert "Beijing site" in body


def test_the_navigation_offers_the_audit_trail_only_to_auditors(
    client: Any, auditor: Any, colleague: Any
) -> None:
    client.force_login(auditor)
    assert reverse("core:audit-event-list") in client.get(reverse("web:dashboard")).content.decode()
    client.force_login(colleague)
    assert reverse("core:audit-event-list") not in client.get(reverse("web:dashboard")).content.decode()


def test_an_anonymous_visitor_is_sent_to_the_login(client: Any) -> None:
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_language_switch_renders_pages_in_simplified_chinese(client: Any, owner: Any) -> None:
    client.force_login(owner)
    english = client.get(reverse("core:person-list")).content.decode()
    assert '<html lang="en">' in english
    assert 'action="/i18n/setlang/"' in english
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": reverse("core:person-list")})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:person-list")
    assert '<html lang="zh-hans">' in client.get(reverse("core:person-list")).content.decode()


def test_the_footer_names_the_persons_time_zone(client: Any, owner: Any) -> None:
    org.update_person(owner, by=None, time_zone="Europe/Berlin")
    client.force_login(owner)
    assert "Times are shown in Europe/Berlin." in client.get(reverse("web:dashboard")).content.decode()


def test_the_shell_links_the_persons_name_to_their_profile_when_that_page_exists(
    client: Any, owner: Any
) -> None:
    client.force_login(owner)
    body = client.get(reverse("web:dashboard")).content.decode()
    assert "Owner" in body
    assert f'action="{reverse("logout")}"' in body


def test_no_page_carries_inline_scripts_styles_or_event_handlers(
    client: Any, owner: Any, auditor: Any, colleague: Any, organisation: Any
) -> None:
    client.force_login(owner)
    pages = [
        reverse("web:dashboard"),
        reverse("core:person-list"),
        reverse("core:person-detail", args=[colleague.pk]),
        reverse("core:person-edit", args=[colleague.pk]),
        reverse("core:person-create"),
        reverse("core:unit-list"),
        reverse("core:unit-detail", args=[organisation.beijing.pk]),
        reverse("core:unit-create"),
        reverse("core:role-assignment-list"),
        reverse("core:role-assignment-create"),
        reverse("core:audit-event-list"),
    ]
    for page in pages:
        response = client.get(page)
        body = response.content.decode()
        assert response.status_code == 200, page
        assert not INLINE_SCRIPT.search(body), page
        assert not INLINE_STYLE.search(body), page
        assert not EVENT_HANDLER.search(body), page
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_a_risk_page_shows_the_tabs_of_the_risk_area_with_its_own_marked(client: Any, owner: Any) -> None:
    client.force_login(owner)

    page = client.get("/risks/heat-map/").content.decode()

    assert '<a class="nav-link active" href="/risks/heat-map/" aria-current="page">' in page
    assert '<a class="nav-link" href="/risks/">' in page
    assert 'href="/risks/campaigns/"' in page
    assert 'href="/library/"' in page


def test_the_import_tab_is_offered_only_to_those_who_may_add_assets(
    client: Any, organisation: Any, make_person: Any
) -> None:
    from garrison.core.roles import Role

    reader = make_person("reader", organisation.beijing, Role.AUDITOR)
    client.force_login(reader)

    page = client.get("/assets/").content.decode()

    assert 'href="/assets/"' in page
    assert 'href="/assets/import/"' not in page


def test_the_dashboard_counts_what_waits_for_the_person_in_the_risk_register(
    client: Any, organisation: Any, owner: Any, make_person: Any
) -> None:
    import datetime as dt

    from garrison.core.roles import Role
    from garrison.library.shipped import load_shipped_libraries
    from garrison.risks.services import acceptance, scenarios

    load_shipped_libraries(by=None)
    risk_owner = make_person("riskowner", organisation.beijing, Role.RISK_OWNER)
    scenario = scenarios.create_scenario(
        by=risk_owner,
        title="UPS battery failure in hall 2",
        unit=organisation.beijing,
        owner=risk_owner,
        matrix=scenarios.default_matrix(),
        inherent_likelihood=4,
        inherent_impact=5,
        current_likelihood=4,
        current_impact=4,
    )
    acceptance.request_acceptance(
        scenario,
        by=risk_owner,
        justification="Replacement batteries arrive next quarter.",
        expires_on=dt.date.today() + dt.timedelta(days=60),
    )
    client.force_login(owner)

    page = client.get("/").content.decode()

    assert re.search(
        r'<span class="display-6">1</span><span class="text-body-secondary">Risk acceptances to decide', page
    )
    assert re.search(
        r'>1</span><span class="text-body-secondary">Risks above appetite without treatment', page
    )
