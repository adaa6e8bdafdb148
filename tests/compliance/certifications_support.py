"""Fixtures of the certification register tests: a Compliance Manager over Beijing, a
certificate owner who holds no role, certificates made through the service, and a real
sample file from /work/shared/samples as the certificate file (read, never copied).

Import into a test module with
``from tests.compliance.certifications_support import *  # noqa: F403``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from garrison.compliance.models import Certification, Scheme
from garrison.compliance.services import certifications as services
from garrison.core.models import Person
from garrison.core.roles import Role
from garrison.core.scheduling import organisation_today

CERTIFICATE_SAMPLE = Path("/work/shared/samples/oscal/basic-catalog.json")
OTHER_SAMPLE = Path("/work/shared/samples/oscal/NIST_SP-800-53_rev5_HIGH-baseline_profile.json")


def certificate_upload(path: Path = CERTIFICATE_SAMPLE) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/json")


def days(number: int, today: dt.date | None = None) -> dt.date:
    return (today or organisation_today()) + dt.timedelta(days=number)


@pytest.fixture
def cert_manager(organisation: Any, make_person: Any) -> Person:
    """Compliance Manager over Beijing: keeps certifications there, nowhere else."""
    return make_person("cert-manager", organisation.beijing, (Role.COMPLIANCE_MANAGER, organisation.beijing))


@pytest.fixture
def cert_owner(organisation: Any, make_person: Any) -> Person:
    """An employee who owns a certificate: may see and change it, not add or delete."""
    return make_person("cert-owner", organisation.beijing, Role.EMPLOYEE)


@pytest.fixture
def make_certification(organisation: Any, cert_owner: Person) -> Any:
    def make(**fields: Any) -> Certification:
        values: dict[str, Any] = {
            "scheme": Scheme.ISO27001,
            "name": "ISO/IEC 27001 certification",
            "scope_description": "ISMS of the Beijing data center",
            "body": "China Quality Certification Centre",
            "number": "CQC-001",
            "issued_on": days(-365),
            "expires_on": days(365 * 2),
            "unit": organisation.beijing,
            "owner": cert_owner,
        }
        values.update(fields)
        return services.create_certification(by=None, **values)

    return make
