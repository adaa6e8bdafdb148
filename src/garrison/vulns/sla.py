"""SLA clocks of findings. Pure module: no Django import.

A finding is due a number of days after its clock started (first found, or found again
after being fixed), the number set per severity in the vulnerability policy;
informational findings have no due date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping


def due_on(opened: dt.date, severity: int, days_by_severity: Mapping[int, int]) -> dt.date | None:
    """When a finding of `severity` opened on `opened` must be fixed, or None for none."""
    days = days_by_severity.get(severity)
    if days is None:
        return None
    return opened + dt.timedelta(days=days)


def is_overdue(due: dt.date | None, today: dt.date) -> bool:
    return due is not None and due < today


def days_left(due: dt.date | None, today: dt.date) -> int | None:
    """Days until due (negative once overdue), or None without a due date."""
    return None if due is None else (due - today).days
