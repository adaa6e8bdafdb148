"""The compliance controls demo step: controls of both sites meeting ISO 27001 and, through
the shipped mapping, MLPS requirements, with tests done, failed, overdue and scheduled."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from garrison.compliance.models import AppliedControl, ControlTest, Finding
from garrison.core.demo.runner import seed_demo_data

STEPS = {"organisation", "assets", "risks", "compliance-controls"}


@pytest.fixture
def demo(db: Any) -> None:
    seed_demo_data(scale=1, seed=1, only=STEPS)


def test_the_demo_step_builds_controls_meeting_iso_and_mlps(demo: None) -> None:
    controls = AppliedControl.objects.all()

    assert controls.count() == 25
    assert set(controls.values_list("unit__path", flat=True))
    assert all(
        unit_code.startswith(("bj", "sh")) for unit_code in controls.values_list("unit__code", flat=True)
    )
    frameworks = set(controls.values_list("requirements__framework__urn", flat=True))
    assert {"urn:garrison:framework:iso27001-2022", "urn:garrison:framework:mlps2-class3"} <= frameworks
    assert controls.filter(assets__isnull=False).distinct().count() > 10
    assert controls.filter(risks__isnull=False).exists()


def test_the_demo_step_leaves_tests_passed_failed_overdue_and_scheduled(demo: None) -> None:
    today = timezone.localdate()
    tests = ControlTest.objects.all()

    assert tests.filter(result="passed").count() > 5
    failed = tests.get(result="failed")
    assert Finding.objects.filter(control_test=failed).exists()
    assert tests.filter(result="scheduled", due_on__lt=today).exists()
    assert tests.filter(result="scheduled", due_on__gte=today).count() > 10
