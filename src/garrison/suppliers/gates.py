"""What each supplier status allows (pure module, no Django import).

Every action a gate names is refused by its service for a supplier whose status closes
the gate: inviting to sourcing (garrison.suppliers.services.sourcing), awarding, and
placing a new order. The table is data so that the user guide, the supplier page and the
services read the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Gates:
    may_be_invited: bool
    may_be_awarded: bool
    may_receive_orders: bool


STATUS_GATES: dict[str, Gates] = {
    "prospective": Gates(may_be_invited=True, may_be_awarded=False, may_receive_orders=False),
    "qualified": Gates(may_be_invited=True, may_be_awarded=True, may_receive_orders=True),
    # A rectifying supplier keeps delivering existing work and may compete, but wins
    # nothing new until the plan is done.
    "rectifying": Gates(may_be_invited=True, may_be_awarded=False, may_receive_orders=True),
    "unqualified": Gates(may_be_invited=False, may_be_awarded=False, may_receive_orders=False),
    "suspended": Gates(may_be_invited=False, may_be_awarded=False, may_receive_orders=False),
    "blacklisted": Gates(may_be_invited=False, may_be_awarded=False, may_receive_orders=False),
}

CLOSED = Gates(may_be_invited=False, may_be_awarded=False, may_receive_orders=False)


def gates_for(status: str) -> Gates:
    """The gates of `status`; an unknown status opens nothing."""
    return STATUS_GATES.get(status, CLOSED)
