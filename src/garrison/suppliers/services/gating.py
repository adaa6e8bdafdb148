"""The one check every gated action makes (inviting to sourcing, awarding, ordering)."""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from garrison.suppliers.gates import gates_for
from garrison.suppliers.models import Supplier

Gate = Literal["may_be_invited", "may_be_awarded", "may_receive_orders"]


def _refusal(supplier: Supplier, gate: Gate) -> str:
    status = supplier.get_status_display()
    messages = {
        "may_be_invited": _("%(supplier)s is %(status)s and may not be invited to sourcing."),
        "may_be_awarded": _("%(supplier)s is %(status)s and may not be awarded."),
        "may_receive_orders": _("%(supplier)s is %(status)s and may not receive new orders."),
    }
    return messages[gate] % {"supplier": supplier.display_name, "status": str(status).lower()}


def ensure_allowed(supplier: Supplier, gate: Gate, *, field: str = "supplier") -> None:
    """Refuse, naming the supplier and its status, when `supplier`'s status closes `gate`."""
    if not getattr(gates_for(supplier.status), gate):
        raise ValidationError({field: [_refusal(supplier, gate)]}, code="gate_closed")
