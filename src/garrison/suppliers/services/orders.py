"""Purchase orders (PO-000001 …): placing one with a supplier whose status allows new
orders, recording its delivery, cancelling it.

A refused order (an unqualified, suspended or blacklisted supplier; a sourcing event
awarded to someone else) is recorded in the audit trail against the supplier, after the
rollback, so the supplier's history shows who tried. An order placed for a sourcing
event also appears on the event's timeline.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models import OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant, is_system, require
from garrison.core.services.references import save_numbered
from garrison.suppliers.models import (
    OrderStatus,
    PurchaseOrder,
    SourcingEvent,
    SourcingStatus,
    StepKind,
    Supplier,
)
from garrison.suppliers.services.gating import ensure_allowed
from garrison.suppliers.services.sourcing_common import step

REFERENCE_PREFIX = "PO-"


def place_order(
    supplier: Supplier,
    *,
    by: Any,
    title: str,
    amount_cny: Any,
    unit: OrgUnit | None = None,
    event: SourcingEvent | None = None,
    reason: str = "",
) -> PurchaseOrder:
    """Place an order with `supplier` for `unit` (the event's, else the supplier's unit,
    by default); an order for a sourcing event goes to the supplier it was awarded to."""
    with audit.refusals_recorded(supplier, by=by, attempted="place order"):
        return _place(
            supplier, by=by, title=title, amount_cny=amount_cny, unit=unit, event=event, reason=reason
        )


@transaction.atomic
def _place(
    supplier: Supplier,
    *,
    by: Any,
    title: str,
    amount_cny: Any,
    unit: OrgUnit | None,
    event: SourcingEvent | None,
    reason: str,
) -> PurchaseOrder:
    errors: dict[str, list[str]] = {}
    system = is_system(by)
    if not system and not can(by, Action.VIEW, supplier):
        errors["supplier"] = [_("Supplier not found.")]
    unit = unit or (event.unit if event is not None else supplier.unit)
    if not system and not has_grant(by, Domain.SUPPLIERS, Action.ADD, unit.path):
        errors.setdefault("unit", []).append(_("You do not place orders for this unit."))
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Say what is ordered.")]
    try:
        amount = Decimal(str(amount_cny))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        errors["amount_cny"] = [_("Enter the amount as a number.")]
    elif amount <= 0:
        errors["amount_cny"] = [_("Enter an amount above zero.")]
    if event is not None:
        if not system and not can(by, Action.VIEW, event):
            errors["event"] = [_("Sourcing event not found.")]
        elif event.status != SourcingStatus.AWARDED or event.awarded_supplier_id != supplier.pk:
            errors["event"] = [
                _("Orders from %(event)s go to the supplier it was awarded to, not to %(supplier)s.")
                % {"event": event.reference, "supplier": supplier.display_name}
            ]
    if "supplier" not in errors:
        try:
            ensure_allowed(supplier, "may_receive_orders")
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    assert amount is not None
    order = PurchaseOrder(
        supplier=supplier,
        event=event,
        unit=unit,
        title=title,
        amount_cny=amount,
        placed_by=by if isinstance(by, Person) else None,
        placed_at=timezone.now(),
    )
    save_numbered(order, REFERENCE_PREFIX)
    audit.record(
        order, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(order)), reason=reason
    )
    if event is not None:
        step(
            event,
            StepKind.NOTE,
            _("Order %(order)s placed with %(supplier)s.")
            % {"order": order.reference, "supplier": supplier.display_name},
            by=by,
        )
    return order


def _finish(order: PurchaseOrder, status: str, *, by: Any, reason: str) -> PurchaseOrder:
    require(by, Action.CHANGE, order)
    order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
    if order.status != OrderStatus.PLACED:
        raise ValidationError(
            {
                "status": [
                    _("%(order)s is already %(status)s.")
                    % {"order": order.reference, "status": order.get_status_display().lower()}
                ]
            }
        )
    before = audit.snapshot(order)
    order.status = status
    order.save(update_fields=["status"])
    audit.record(
        order, AuditAction.UPDATE, by=by, changes=audit.diff(before, audit.snapshot(order)), reason=reason
    )
    return order


@transaction.atomic
def mark_delivered(order: PurchaseOrder, *, by: Any, reason: str = "") -> PurchaseOrder:
    """Record that a placed order was delivered."""
    return _finish(order, OrderStatus.DELIVERED, by=by, reason=reason)


@transaction.atomic
def cancel_order(order: PurchaseOrder, *, by: Any, reason: str) -> PurchaseOrder:
    """Cancel a placed order, with a reason."""
    if not (reason or "").strip():
        require(by, Action.CHANGE, order)
        raise ValidationError({"reason": [_("Give the reason for cancelling the order.")]})
    return _finish(order, OrderStatus.CANCELLED, by=by, reason=reason.strip())
