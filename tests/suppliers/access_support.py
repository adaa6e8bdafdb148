"""Helpers of the access tests: a stand-in for the classification part's
`set_status_by_system` (monkeypatched at the module boundary, so these tests do not
depend on that part), suppliers holding their documents, and walking an application
through its stages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from garrison.core.models import Person
from garrison.suppliers.models import (
    AccessApplication,
    AccessStage,
    DocumentKind,
    QualificationDocument,
    StatusChange,
    StatusChangeState,
    Supplier,
    SupplierStatus,
)
from garrison.suppliers.services import access as services
from garrison.suppliers.services import classification


def fake_set_status_by_system(
    supplier: Supplier, to_status: str, *, reason: str, source: str, by: Any = None
) -> StatusChange:
    """Record an approved status change and apply it, as the classification part does."""
    now = timezone.now()
    change = StatusChange.objects.create(
        supplier=supplier,
        from_status=supplier.status,
        to_status=to_status,
        reason=reason,
        source=source,
        state=StatusChangeState.APPROVED,
        proposed_by=by if isinstance(by, Person) else None,
        proposed_at=now,
        decided_at=now,
    )
    supplier.status = to_status
    supplier.status_since = now
    supplier.save(update_fields=["status", "status_since", "updated_at"])
    return change


def patch_classification(monkeypatch: Any) -> None:
    monkeypatch.setattr(classification, "set_status_by_system", fake_set_status_by_system)


def with_licence(supplier: Supplier, *, expires_on: dt.date | None = None) -> Supplier:
    QualificationDocument.objects.create(
        supplier=supplier, kind=DocumentKind.BUSINESS_LICENCE, number="BL-1", expires_on=expires_on
    )
    return supplier


def end_publicity(application: AccessApplication) -> None:
    """Let the publicity period have ended an hour ago."""
    past = timezone.now() - dt.timedelta(hours=1)
    AccessApplication.objects.filter(pk=application.pk).update(
        publicity_starts_at=past - dt.timedelta(days=5), publicity_ends_at=past
    )
    application.refresh_from_db()


def walk_to(application: AccessApplication, stage: str, *, by: Person) -> AccessApplication:
    """Pass every stage before `stage` and move on to it."""
    while application.status != stage:
        services.record_stage(application, by=by, outcome="passed", notes="Fine.")
        if application.status == AccessStage.SHORTLIST_ANNOUNCEMENT:
            end_publicity(application)
        services.advance(application, by=by)
        application.refresh_from_db()
    return application


def prospective(make_supplier: Any, **fields: Any) -> Supplier:
    fields.setdefault("status", SupplierStatus.PROSPECTIVE)
    return with_licence(make_supplier(**fields))
