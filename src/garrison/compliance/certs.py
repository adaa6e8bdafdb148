"""How long a certification has been held without a break, and which reminder is due.

Pure date arithmetic (no Django), so it is tested on its own and used alike by the
register, the detail page, the API and the daily reminder job.

A *lineage* is the chain of certificates that renew one another: the same scheme, held by
the same unit, over the same scope (compared without regard to case or spacing, so a
retyped scope with a different line break is still the same scope). A renewal is a new
certificate of the lineage; nothing else links them.

The run of coverage: only active certificates count (a suspended or withdrawn one covers
nothing, so it breaks the run unless other certificates overlap it). Certificates follow
one another without a break while each is issued no later than `GRACE_DAYS` after the
coverage so far has expired: certification bodies often issue the renewed certificate a
few days after the old one lapsed, and nobody calls that losing the certification.
Overlapping certificates simply extend the run. The years held are the whole years from
the start of the run to today, counted by anniversaries (so leap days never shift the
count by a day); a lineage whose run ended before today is not held now (zero years),
and the run it had is still reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Days allowed between one certificate's expiry and the next one's issue before the
# run of coverage counts as broken.
GRACE_DAYS = 30

# Days before an expiry (or a surveillance audit) on which the owner is reminded.
REMINDER_DAYS: tuple[int, ...] = (90, 30, 7)

# How long after its expiry date the "it expires today / has expired" notice is still sent
# (a job that did not run on the day catches up; a certificate that lapsed long ago is not
# announced again).
EXPIRED_NOTICE_DAYS = 30

ACTIVE = "active"


@dataclass(frozen=True)
class Period:
    """One certificate of a lineage, reduced to what the run of coverage depends on."""

    issued_on: dt.date
    expires_on: dt.date
    status: str = ACTIVE


@dataclass(frozen=True)
class Holding:
    """The run of coverage of a lineage as of a day.

    `years` are the whole years held without a break up to that day (0 when it is not held
    on that day); `since` and `until` bound the latest run (None when there never was one);
    `is_held` says whether that run covers the day.
    """

    years: int
    since: dt.date | None
    until: dt.date | None
    is_held: bool


NOT_HELD = Holding(years=0, since=None, until=None, is_held=False)


def normalised_scope(text: str) -> str:
    """The scope as lineages compare it: words split on any whitespace, case folded."""
    return " ".join((text or "").split()).casefold()


def lineage_key(scheme: str, unit_id: object, scope: str) -> tuple[str, str, str]:
    return (scheme, str(unit_id), normalised_scope(scope))


def whole_years(start: dt.date, end: dt.date) -> int:
    """Anniversaries of `start` reached by `end` (29 February counts from 1 March)."""
    if end < start:
        return 0
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def runs(periods: Iterable[Period], *, grace_days: int = GRACE_DAYS) -> list[tuple[dt.date, dt.date]]:
    """The unbroken runs of coverage, earliest first, as (first day, last day) pairs."""
    covered = sorted(
        (period for period in periods if period.status == ACTIVE and period.expires_on >= period.issued_on),
        key=lambda period: (period.issued_on, period.expires_on),
    )
    merged: list[tuple[dt.date, dt.date]] = []
    for period in covered:
        if merged and period.issued_on <= merged[-1][1] + dt.timedelta(days=grace_days):
            start, end = merged[-1]
            merged[-1] = (start, max(end, period.expires_on))
        else:
            merged.append((period.issued_on, period.expires_on))
    return merged


def consecutive_years(periods: Iterable[Period], today: dt.date, *, grace_days: int = GRACE_DAYS) -> Holding:
    """The run of coverage of one lineage as of `today` (see the module docstring).

    Certificates issued after `today` are not counted yet.
    """
    started = [period for period in periods if period.issued_on <= today]
    merged = runs(started, grace_days=grace_days)
    if not merged:
        return NOT_HELD
    since, until = merged[-1]
    if until < today:
        return Holding(years=0, since=since, until=until, is_held=False)
    return Holding(years=whole_years(since, today), since=since, until=until, is_held=True)


def reminder_due(today: dt.date, due_on: dt.date, thresholds: Sequence[int] = REMINDER_DAYS) -> int | None:
    """The reminder threshold (90, 30 or 7 days) that applies on `today` to something due
    on `due_on`: the smallest threshold the days left are within, or None when it is
    further away than every threshold or already past.

    Sent once per threshold (the caller's dedupe key holds it), this gives one reminder
    per threshold crossed, and a job that missed days sends the nearest threshold once,
    never the ones already overtaken.
    """
    days_left = (due_on - today).days
    if days_left < 0:
        return None
    within = [threshold for threshold in thresholds if days_left <= threshold]
    return min(within) if within else None


def expired_notice_due(today: dt.date, expires_on: dt.date, *, window: int = EXPIRED_NOTICE_DAYS) -> bool:
    """Whether "this certificate expires today / has expired" is still news on `today`:
    from its expiry date on, for `window` more days. From that day on it replaces the
    threshold reminders."""
    days_since = (today - expires_on).days
    return 0 <= days_since <= window


def days_left(today: dt.date, expires_on: dt.date) -> int:
    """Days until the last day of validity (0 on that day, negative once expired)."""
    return (expires_on - today).days
