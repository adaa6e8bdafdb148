"""Fixtures of the evidence tests: a compliance manager over Beijing, a control there, and
real sample files from /work/shared/samples (read, never copied into the repository).

Import the fixtures into a test module with
``from tests.compliance.evidence_support import *  # noqa: F403``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from garrison.compliance.models import AppliedControl, Evidence
from garrison.compliance.services import evidence as services
from garrison.core.models import Person
from garrison.core.roles import Role
from garrison.core.services.references import create_numbered_record

SAMPLES = Path("/work/shared/samples")
NMAP_REPORT = SAMPLES / "vulns" / "nmap" / "nmap_multiple_port.xml"
TRIVY_REPORT = SAMPLES / "vulns" / "trivy" / "scheme_2_no_vuln.json"


def upload(path: Path = NMAP_REPORT, content_type: str = "application/xml") -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type=content_type)


def days(number: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=number)


@pytest.fixture
def evidence_manager(organisation: Any, make_person: Any) -> Person:
    """Compliance Manager over Beijing: writes evidence there, nowhere else."""
    return make_person(
        "evidence-manager", organisation.beijing, (Role.COMPLIANCE_MANAGER, organisation.beijing)
    )


@pytest.fixture
def shanghai_manager(organisation: Any, make_person: Any) -> Person:
    return make_person("sh-manager", organisation.shanghai, (Role.COMPLIANCE_MANAGER, organisation.shanghai))


@pytest.fixture
def beijing_control(organisation: Any, evidence_manager: Person) -> AppliedControl:
    return create_numbered_record(
        AppliedControl,
        "CTL-",
        by=None,
        name="Backup restore test",
        unit=organisation.beijing,
        owner=evidence_manager,
    )


@pytest.fixture
def file_evidence(
    organisation: Any, evidence_manager: Person, colleague: Person, beijing_control: Any
) -> Evidence:
    """Evidence in Beijing owned by the colleague, version 1 the nmap report."""
    return services.create_evidence(
        by=evidence_manager,
        name="Port scan of the Beijing edge",
        unit=organisation.beijing,
        owner=colleague,
        file=upload(),
        valid_from=days(-10),
        valid_until=days(200),
        controls=[beijing_control],
    )
