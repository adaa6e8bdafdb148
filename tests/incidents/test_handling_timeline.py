"""The case timeline written by handlers: aware times, no events in the future, links to
the case's own indicators and to assets in sight, audited changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.core.audit import history_of
from garrison.core.models import Person
from garrison.incidents.models import Indicator, TimelineEvent, TimelineKind
from garrison.incidents.services import timeline as services
from tests.incidents.conftest import SHANGHAI, shanghai

pytestmark = pytest.mark.django_db

NOW = shanghai(2026, 3, 2, 18)


@pytest.fixture
def incident(make_incident: Any) -> Any:
    return make_incident(occurred_at=shanghai(2026, 3, 2, 8))


def test_an_event_keeps_its_aware_time(incident: Any, handler: Person) -> None:
    moment = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    event = services.add_event(
        incident,
        by=handler,
        occurred_at=moment,
        kind=TimelineKind.DETECTION,
        description="EDR alert on bj-web-01",
        now=NOW,
    )
    event.refresh_from_db()
    assert event.occurred_at == shanghai(2026, 3, 2, 9, 30)
    assert event.occurred_at.astimezone(SHANGHAI).hour == 9
    assert event.recorded_by == handler
    assert history_of(event).filter(action="create").count() == 1


def test_an_event_before_the_case_occurred_is_accepted(incident: Any, handler: Person) -> None:
    event = services.add_event(
        incident,
        by=handler,
        occurred_at=shanghai(2026, 2, 20, 10),
        description="Phishing mail received",
        now=NOW,
    )
    assert event.occurred_at < incident.occurred_at


def test_an_event_in_the_future_is_refused(incident: Any, handler: Person) -> None:
    with pytest.raises(ValidationError) as error:
        services.add_event(
            incident, by=handler, occurred_at=NOW + dt.timedelta(minutes=1), description="Later", now=NOW
        )
    assert "occurred_at" in error.value.message_dict
    assert not TimelineEvent.objects.exists()


def test_a_naive_time_is_refused(incident: Any, handler: Person) -> None:
    with pytest.raises(ValidationError) as error:
        services.add_event(
            incident, by=handler, occurred_at=dt.datetime(2026, 3, 2, 9), description="Naive", now=NOW
        )
    assert "occurred_at" in error.value.message_dict


def test_indicators_of_another_case_are_refused(incident: Any, make_incident: Any, handler: Person) -> None:
    other = make_incident()
    foreign = Indicator.objects.create(incident=other, kind="ip", value="203.0.113.9")
    own = Indicator.objects.create(incident=incident, kind="ip", value="198.51.100.7")
    with pytest.raises(ValidationError) as error:
        services.add_event(
            incident,
            by=handler,
            occurred_at=shanghai(2026, 3, 2, 10),
            description="Beacon seen",
            indicators=[own, foreign],
            now=NOW,
        )
    assert "indicators" in error.value.message_dict
    assert not TimelineEvent.objects.exists()
    event = services.add_event(
        incident,
        by=handler,
        occurred_at=shanghai(2026, 3, 2, 10),
        description="Beacon seen",
        indicators=[own],
        now=NOW,
    )
    assert list(event.indicators.all()) == [own]
    assert history_of(event).filter(changes__has_key="indicator_values").exists()


def test_update_moves_the_event_and_records_the_change(incident: Any, handler: Person) -> None:
    event = services.add_event(
        incident, by=handler, occurred_at=shanghai(2026, 3, 2, 10), description="A", now=NOW
    )
    services.update_event(
        event, by=handler, occurred_at=shanghai(2026, 3, 2, 11), description="B", reason="clock skew", now=NOW
    )
    event.refresh_from_db()
    assert (event.occurred_at, event.description) == (shanghai(2026, 3, 2, 11), "B")
    update = history_of(event).filter(action="update").get()
    assert update.reason == "clock skew"
    with pytest.raises(ValidationError):
        services.update_event(event, by=handler, occurred_at=NOW + dt.timedelta(hours=1), now=NOW)


def test_only_those_who_may_change_the_case_write_its_timeline(
    incident: Any, handler: Person, outsider: Person, auditor: Person
) -> None:
    for person in (outsider, auditor):
        with pytest.raises(Http404):
            services.add_event(
                incident, by=person, occurred_at=shanghai(2026, 3, 2, 10), description="X", now=NOW
            )
    event = services.add_event(
        incident, by=handler, occurred_at=shanghai(2026, 3, 2, 10), description="A", now=NOW
    )
    with pytest.raises(Http404):
        services.delete_event(event, by=outsider)
    services.delete_event(event, by=handler, reason="duplicate")
    assert not TimelineEvent.objects.filter(pk=event.pk).exists()


def test_the_lead_note_helper_still_records_system_entries(incident: Any) -> None:
    event = services.note(incident, TimelineKind.STATUS, "Moved to triage", at=shanghai(2026, 3, 2, 9))
    assert event.recorded_by is None
    assert event.kind == TimelineKind.STATUS


def test_assets_out_of_sight_cannot_be_linked(
    incident: Any, handler: Person, organisation: Any, outsider: Person
) -> None:
    from garrison.assets.models import Asset

    own = Asset.objects.create(
        reference="BJ-WEB-01", name="Web", asset_type="server", owner=handler, unit=organisation.beijing
    )
    hidden = Asset.objects.create(
        reference="SH-DB-01", name="DB", asset_type="server", owner=outsider, unit=organisation.shanghai
    )
    with pytest.raises(ValidationError) as error:
        services.add_event(
            incident,
            by=handler,
            occurred_at=shanghai(2026, 3, 2, 10),
            description="Lateral movement",
            assets=[own, hidden],
            now=NOW,
        )
    assert "assets" in error.value.message_dict
    event = services.add_event(
        incident, by=handler, occurred_at=shanghai(2026, 3, 2, 10), description="X", assets=[own], now=NOW
    )
    assert list(event.assets.all()) == [own]
