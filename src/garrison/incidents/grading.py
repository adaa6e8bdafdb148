"""The grading assistant's rule: which grade a case's facts reach. Pure module: no Django.

The grading guide annexed to the CAC measures on reporting cybersecurity incidents
(国家网络安全事件报告管理办法, in force from 2025-11-01) sets thresholds on a few facts
of a case: a case whose fact reaches a threshold is at least that threshold's grade.
The thresholds are data (loaded from the shipped library, edited by an Administrator),
each in force from a date and, once retired, until a date; a case is graded with the
thresholds in force on the day it was discovered.

`propose_grade` applies them: the highest grade any threshold in force reaches wins,
and the basis lists every threshold met at that grade, so the handler sees why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# The grades lowest first, as garrison.incidents.models.library.Grade stores them (kept
# here as plain strings so that this module needs no Django).
GENERAL = "general"
RELATIVELY_MAJOR = "relatively_major"
MAJOR = "major"
ESPECIALLY_MAJOR = "especially_major"
GRADES = (GENERAL, RELATIVELY_MAJOR, MAJOR, ESPECIALLY_MAJOR)
GRADE_RANK: dict[str, int] = {grade: rank for rank, grade in enumerate(GRADES, start=1)}

# The facts the guide sets thresholds on; an Incident has a field of each name.
METRICS = (
    "personal_information_people",
    "direct_loss_cny",
    "cii_full_outage_minutes",
    "cii_main_function_outage_minutes",
    "essential_services_people",
    "province_population_percent",
)


@dataclass(frozen=True)
class Threshold:
    """A case whose `metric` is at least `threshold` is at least `grade`, for cases
    discovered from `effective_from` up to and including `effective_until` (open-ended
    when None)."""

    metric: str
    threshold: Decimal
    grade: str
    source: str = ""
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None

    def is_in_force(self, on: dt.date) -> bool:
        if self.effective_from is not None and on < self.effective_from:
            return False
        return self.effective_until is None or on <= self.effective_until


@dataclass(frozen=True)
class BasisLine:
    """One threshold a case meets: the fact's value, the threshold and where it comes from."""

    metric: str
    value: Decimal
    threshold: Decimal
    grade: str
    source: str

    def as_data(self) -> dict[str, Any]:
        """The JSON form kept in Incident.grading_basis."""
        return {
            "metric": self.metric,
            "value": json_number(self.value),
            "threshold": json_number(self.threshold),
            "grade": self.grade,
            "source": self.source,
        }


@dataclass(frozen=True)
class Proposal:
    """The grade the facts reach and the thresholds met at that grade."""

    grade: str
    basis: list[BasisLine]

    def basis_data(self) -> list[dict[str, Any]]:
        return [line.as_data() for line in self.basis]


def json_number(value: Decimal) -> int | float:
    """A whole number as an int (people, minutes, yuan), anything else as a float."""
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def propose_grade(
    facts: Mapping[str, Decimal | int | float | None], thresholds: Iterable[Threshold], on: dt.date
) -> Proposal:
    """The grade `facts` reach under the `thresholds` in force `on`; "general" when none is met.

    A fact missing from `facts` counts as zero. The basis lists the thresholds met at the
    winning grade, in the order the thresholds are given (several facts may reach it).
    """
    met: list[BasisLine] = []
    for threshold in thresholds:
        if threshold.grade not in GRADE_RANK or not threshold.is_in_force(on):
            continue
        value = _decimal(facts.get(threshold.metric))
        if value >= threshold.threshold:
            met.append(
                BasisLine(
                    metric=threshold.metric,
                    value=value,
                    threshold=threshold.threshold,
                    grade=threshold.grade,
                    source=threshold.source,
                )
            )
    if not met:
        return Proposal(grade=GENERAL, basis=[])
    grade = max((line.grade for line in met), key=GRADE_RANK.__getitem__)
    return Proposal(grade=grade, basis=[line for line in met if line.grade == grade])
