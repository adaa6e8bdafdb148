"""Fixtures of the supplier tests: two Procurement Officers (a buyer who proposes and an
approver who decides), a Security Officer who only reads suppliers, and suppliers made
directly in the database (for tests whose subject is not the supplier master; the supplier
service has its own tests)."""

from __future__ import annotations

import importlib
import itertools
from typing import Any

import pytest
from django.apps import apps

from garrison.core.models import Person
from garrison.core.roles import Role
from garrison.suppliers.models import Region, Supplier, SupplierCategory, SupplierStatus

SAMPLES = "/work/shared/samples"
_numbers = itertools.count(1)


def restore_default_configuration() -> None:
    """Put back what migration 0002 seeds (categories, access paths, policy, scorecard
    criteria, the blacklist) where a transactional test's flush removed it; idempotent."""
    migration = importlib.import_module("garrison.suppliers.migrations.0002_default_configuration")
    migration.seed(apps, None)


@pytest.fixture(autouse=True)
def default_configuration(db: Any) -> None:
    restore_default_configuration()


@pytest.fixture
def buyer(organisation: Any, make_person: Any) -> Person:
    """A Procurement Officer of the Beijing site: runs sourcing, proposes status changes."""
    return make_person("buyer", organisation.beijing, (Role.PROCUREMENT_OFFICER, organisation.beijing))


@pytest.fixture
def approver(organisation: Any, make_person: Any) -> Person:
    """A Procurement Officer over the whole Group: approves what the buyer proposes."""
    return make_person("approver", organisation.root, (Role.PROCUREMENT_OFFICER, organisation.root))


@pytest.fixture
def security_reader(organisation: Any, make_person: Any) -> Person:
    """A Security Officer over the Group: reads suppliers, changes nothing of them."""
    return make_person("secreader", organisation.root, (Role.SECURITY_OFFICER, organisation.root))


@pytest.fixture
def hardware(db: Any) -> SupplierCategory:
    """The shipped "hardware" category (seeded by migration)."""
    return SupplierCategory.objects.get(code="hardware")


@pytest.fixture
def make_supplier(organisation: Any, buyer: Person) -> Any:
    """Make a supplier straight in the database: `make_supplier(name=..., **fields)`."""

    def make(**fields: Any) -> Supplier:
        number = next(_numbers)
        fields.setdefault("reference", f"SUP-T{number:05d}")
        fields.setdefault("name", f"测试供应商{number}有限公司")
        fields.setdefault("name_en", f"Test Supplier {number} Co., Ltd.")
        fields.setdefault("normalised_name", f"test supplier {number}")
        fields.setdefault("country", "CN")
        fields.setdefault("region", Region.MAINLAND)
        fields.setdefault("status", SupplierStatus.QUALIFIED)
        fields.setdefault("unit", organisation.beijing)
        fields.setdefault("manager", buyer)
        return Supplier.objects.create(**fields)

    return make
