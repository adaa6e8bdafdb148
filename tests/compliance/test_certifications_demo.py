"""The certification demo step: what the operator holds, certificates near expiry, and
reminders the daily job then sends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from garrison.compliance.models import Certification, Scheme, SurveillanceAudit
from garrison.compliance.services import certifications as services
from garrison.compliance.tasks_certifications import send_certification_reminders
from garrison.core.demo.runner import seed_demo_data
from garrison.core.models import Notification
from garrison.core.scheduling import organisation_today
from garrison.core.services.files import open_file
from garrison.library.shipped import load_shipped_libraries

STEPS = {"organisation", "compliance-certifications"}


@pytest.fixture
def demo(db: Any) -> None:
    for _path, result in load_shipped_libraries(by="test"):
        assert not result.is_refused
    seed_demo_data(scale=1, seed=1, only=STEPS)


def test_iso_27001_is_held_since_2019_and_expires_in_25_days(demo: None) -> None:
    today = organisation_today()
    lineage = list(Certification.objects.filter(scheme=Scheme.ISO27001).order_by("issued_on"))
    assert len(lineage) == 3
    current = lineage[-1]
    assert current.expires_on == today + dt.timedelta(days=25)
    assert current.framework is not None
    assert current.framework.urn == "urn:garrison:framework:iso27001-2022"
    holding = services.holding_of(current)
    assert holding.since == dt.date(2019, 3, 15)
    assert holding.years == today.year - 2019 - ((today.month, today.day) < (3, 15))
    with open_file(current.certificate_file) as content:
        assert content.read().startswith(b"%PDF-1.4")
    assert SurveillanceAudit.objects.filter(certification=current, completed_on__isnull=True).count() == 1


def test_the_register_holds_every_scheme_named_in_the_issue(demo: None) -> None:
    schemes = set(Certification.objects.values_list("scheme", flat=True))
    assert schemes == {
        Scheme.ISO27001,
        Scheme.ISO20000,
        Scheme.ISO27018,
        Scheme.SOC2,
        Scheme.TRUCS,
        Scheme.MLPS_FILING,
        Scheme.MLPS_ASSESSMENT,
        Scheme.CCRC,
    }
    soc2 = list(Certification.objects.filter(scheme=Scheme.SOC2))
    assert len(soc2) == 5
    assert services.holding_of(soc2[0]).years == 4
    assessment = Certification.objects.get(scheme=Scheme.MLPS_ASSESSMENT)
    assert assessment.expires_on == organisation_today() + dt.timedelta(days=60)


def test_the_demo_is_deterministic_and_puts_owners_in_the_reminder_window(demo: None) -> None:
    rows = sorted(Certification.objects.values_list("name", "number", "issued_on", "expires_on"))
    Certification.objects.all().delete()
    seed_demo_data(scale=1, seed=1, only={"compliance-certifications"})
    assert sorted(Certification.objects.values_list("name", "number", "issued_on", "expires_on")) == rows
    now = dt.datetime.combine(organisation_today(), dt.time(1, 15), tzinfo=dt.UTC)
    send_certification_reminders(now)
    titles = set(
        Notification.objects.filter(kind__startswith="compliance.certification").values_list(
            "title", flat=True
        )
    )
    assert "Certification expires in 25 days: ISO/IEC 27001 certification" in titles
    audits = Notification.objects.filter(kind="compliance.surveillance-audit-due").count()
    assert audits >= 2
