"""The pure incident metrics: counts and mean times by month, category and grade."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from garrison.incidents.metrics import MetricGroup, MetricRow, group_metrics, month_of, total_of

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def row(
    discovered: dt.datetime,
    *,
    occurred: dt.datetime | None = None,
    contained: dt.datetime | None = None,
    ended: dt.datetime | None = None,
    category: str = "MP",
    grade: str = "general",
) -> MetricRow:
    return MetricRow(
        occurred_at=occurred,
        discovered_at=discovered,
        contained_at=contained,
        handling_ended_at=ended,
        category=category,
        grade=grade,
    )


def test_it_averages_each_time_over_the_cases_that_have_both_ends() -> None:
    rows = [
        row(at(2, 10), occurred=at(2, 8), contained=at(2, 16), ended=at(3, 10)),
        row(at(5, 10), occurred=at(5, 9), contained=None, ended=at(5, 22)),
        row(at(9, 10), occurred=None, contained=at(9, 14), ended=None),
    ]

    (group,) = group_metrics(rows, "month")

    assert group == MetricGroup(
        key="2026-03",
        count=3,
        mean_hours_to_detect=1.5,  # (2 + 1) / 2
        mean_hours_to_contain=5.0,  # (6 + 4) / 2
        mean_hours_to_resolve=18.0,  # (24 + 12) / 2
    )


def test_a_time_no_case_has_is_none_not_zero() -> None:
    (group,) = group_metrics([row(at(2)), row(at(3))], "category")

    assert group.count == 2
    assert group.mean_hours_to_detect is None
    assert group.mean_hours_to_contain is None
    assert group.mean_hours_to_resolve is None


def test_months_are_counted_in_shanghai_not_utc() -> None:
    # 1 April 01:00 in Shanghai is still 31 March in UTC.
    early_april = dt.datetime(2026, 3, 31, 17, 0, tzinfo=dt.UTC)
    late_march = at(31, 23, 59)

    groups = group_metrics([row(early_april), row(late_march), row(at(1, 0, 0, month=4))], "month")

    assert [(group.key, group.count) for group in groups] == [("2026-03", 1), ("2026-04", 2)]
    assert month_of(early_april) == "2026-04"


def test_it_groups_by_category_and_by_grade_in_key_order() -> None:
    rows = [
        row(at(2), category="NA", grade="major", occurred=at(1, 22)),
        row(at(3), category="DS", grade="general", occurred=at(2, 23)),
        row(at(4), category="NA", grade="general", occurred=at(3, 20)),
    ]

    by_category = group_metrics(rows, "category")
    by_grade = group_metrics(rows, "grade")

    assert [(group.key, group.count, group.mean_hours_to_detect) for group in by_category] == [
        ("DS", 1, 1.0),
        ("NA", 2, 3.0),
    ]
    assert [(group.key, group.count) for group in by_grade] == [("general", 2), ("major", 1)]


def test_the_total_covers_every_row() -> None:
    rows = [row(at(2), occurred=at(1, 22)), row(at(2, month=4), occurred=at(1, 23, month=4))]

    total = total_of(rows)

    assert (total.key, total.count, total.mean_hours_to_detect) == ("", 2, 1.5)
    assert total_of([]).count == 0
    assert group_metrics([], "grade") == []
