"""The pure arithmetic of the certification register: years held and reminder thresholds."""

from __future__ import annotations

import datetime as dt

import pytest

from garrison.compliance.certs import (
    GRACE_DAYS,
    Period,
    consecutive_years,
    expired_notice_due,
    lineage_key,
    reminder_due,
    runs,
    whole_years,
)

D = dt.date


def three_year(start: D, *, status: str = "active") -> Period:
    return Period(start, D(start.year + 3, start.month, start.day) - dt.timedelta(days=1), status)


def test_a_single_current_certificate_counts_whole_years_since_issue() -> None:
    holding = consecutive_years([three_year(D(2021, 5, 1))], D(2023, 4, 30))
    assert (holding.years, holding.since, holding.is_held) == (1, D(2021, 5, 1), True)
    assert consecutive_years([three_year(D(2021, 5, 1))], D(2023, 5, 1)).years == 2


def test_renewals_issued_before_expiry_continue_the_run() -> None:
    periods = [
        three_year(D(2019, 3, 15)),
        Period(D(2022, 3, 8), D(2025, 3, 7)),
        Period(D(2025, 3, 1), D(2028, 2, 28)),
    ]
    holding = consecutive_years(periods, D(2026, 11, 29))
    assert holding == consecutive_years(list(reversed(periods)), D(2026, 11, 29))
    assert (holding.years, holding.since, holding.until) == (7, D(2019, 3, 15), D(2028, 2, 28))


def test_a_gap_within_the_grace_period_does_not_break_the_run() -> None:
    first = Period(D(2018, 1, 1), D(2020, 12, 31))
    renewal = Period(D(2020, 12, 31) + dt.timedelta(days=GRACE_DAYS), D(2023, 12, 31))
    holding = consecutive_years([first, renewal], D(2023, 6, 1))
    assert (holding.years, holding.since) == (5, D(2018, 1, 1))


def test_a_gap_longer_than_the_grace_period_starts_a_new_run() -> None:
    first = Period(D(2018, 1, 1), D(2020, 12, 31))
    late = Period(D(2020, 12, 31) + dt.timedelta(days=GRACE_DAYS + 1), D(2023, 12, 31))
    holding = consecutive_years([first, late], D(2023, 6, 1))
    assert (holding.years, holding.since) == (2, late.issued_on)
    assert len(runs([first, late])) == 2


def test_the_grace_period_is_configurable() -> None:
    first = Period(D(2018, 1, 1), D(2020, 12, 31))
    renewal = Period(D(2021, 1, 11), D(2023, 12, 31))
    # The gap is counted from the expiry date to the next issue date: 11 days here.
    assert consecutive_years([first, renewal], D(2023, 6, 1), grace_days=10).since == D(2021, 1, 11)
    assert consecutive_years([first, renewal], D(2023, 6, 1), grace_days=11).since == D(2018, 1, 1)


def test_overlapping_certificates_extend_the_run_to_the_latest_expiry() -> None:
    long = Period(D(2015, 1, 1), D(2025, 1, 1))
    short = Period(D(2016, 1, 1), D(2017, 1, 1))
    later = Period(D(2024, 6, 1), D(2027, 6, 1))
    holding = consecutive_years([short, later, long], D(2026, 1, 1))
    assert (holding.years, holding.since, holding.until) == (11, D(2015, 1, 1), D(2027, 6, 1))


@pytest.mark.parametrize("status", ["withdrawn", "suspended"])
def test_a_withdrawn_or_suspended_certificate_breaks_the_run(status: str) -> None:
    periods = [
        three_year(D(2016, 1, 1)),
        three_year(D(2019, 1, 1), status=status),
        three_year(D(2022, 1, 1)),
    ]
    holding = consecutive_years(periods, D(2024, 6, 1))
    assert (holding.years, holding.since) == (2, D(2022, 1, 1))


def test_an_expired_lineage_is_not_held_and_reports_its_last_run() -> None:
    periods = [three_year(D(2015, 1, 1)), three_year(D(2018, 1, 1))]
    holding = consecutive_years(periods, D(2021, 1, 1))
    assert (holding.years, holding.is_held) == (0, False)
    assert (holding.since, holding.until) == (D(2015, 1, 1), D(2020, 12, 31))
    # Its last day still counts.
    assert consecutive_years(periods, D(2020, 12, 31)).years == 5


def test_certificates_issued_in_the_future_do_not_count_yet() -> None:
    holding = consecutive_years([three_year(D(2030, 1, 1))], D(2026, 1, 1))
    assert holding.years == 0
    assert holding.since is None
    assert consecutive_years([], D(2026, 1, 1)).is_held is False


def test_years_are_counted_by_anniversaries_across_leap_years() -> None:
    assert whole_years(D(2020, 2, 29), D(2021, 2, 28)) == 0
    assert whole_years(D(2020, 2, 29), D(2021, 3, 1)) == 1
    assert whole_years(D(2021, 1, 1), D(2024, 1, 1)) == 3
    assert whole_years(D(2021, 1, 1), D(2023, 12, 31)) == 2
    assert whole_years(D(2019, 3, 15), D(2024, 3, 15)) == 5
    assert whole_years(D(2024, 1, 1), D(2023, 1, 1)) == 0


def test_a_lineage_ignores_case_and_spacing_of_the_scope_but_not_the_unit() -> None:
    assert lineage_key("iso27001", 3, "ISMS of  the\nBeijing DC") == lineage_key(
        "iso27001", 3, "isms of the beijing dc"
    )
    assert lineage_key("iso27001", 3, "ISMS") != lineage_key("iso27001", 4, "ISMS")
    assert lineage_key("iso27001", 3, "ISMS") != lineage_key("soc2", 3, "ISMS")


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(120, None), (91, None), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (1, 7), (0, 7), (-1, None)],
)
def test_the_reminder_due_is_the_smallest_threshold_within_reach(
    days_left: int, expected: int | None
) -> None:
    today = D(2026, 11, 29)
    assert reminder_due(today, today + dt.timedelta(days=days_left)) == expected


def test_expiry_is_news_from_the_expiry_date_for_a_month() -> None:
    expires = D(2026, 12, 24)
    assert not expired_notice_due(D(2026, 12, 23), expires)
    assert expired_notice_due(D(2026, 12, 24), expires)
    assert expired_notice_due(D(2027, 1, 23), expires)
    assert not expired_notice_due(D(2027, 1, 24), expires)
