"""The incident kinds of the library format, read into dataclasses. Pure module: no Django.

`incident_categories`: the GB/T 20986-2023 categories, each with its sub-categories
nested under `subcategories`. `grading_thresholds`: the thresholds of the grading guide,
each with its source and the date it takes effect. Both are specified in
docs/library-format.md. Each parser reads one raw object, adds every problem it finds to
`problems` (naming the field, and the sub-category it is in), and returns a dataclass
only when there was none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from garrison.incidents.grading import GENERAL, GRADES, METRICS
from garrison.library.format import (
    NAME_MAX_LENGTH,
    TEXT_FIELDS,
    URN_MAX_LENGTH,
    URN_PATTERN,
    Problems,
    check_fields,
    is_whole_number,
    optional_text,
    read_texts,
    required_text,
    required_urn,
)

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
CODE_MAX_LENGTH = 20
SOURCE_MAX_LENGTH = 300
# The model keeps 20 digits, 2 of them after the point.
THRESHOLD_MAX = Decimal("999999999999999999.99")

CATEGORY_FIELDS = ("urn", "code", *TEXT_FIELDS, "subcategories")
SUBCATEGORY_FIELDS = ("urn", "code", *TEXT_FIELDS)
THRESHOLD_FIELDS = (
    "urn",
    "metric",
    "threshold",
    "grade",
    "source",
    "effective_from",
    "effective_until",
    "notes",
)


@dataclass(frozen=True)
class SubcategoryDefinition:
    urn: str
    code: str
    name: str
    name_zh: str = ""
    description: str = ""
    description_zh: str = ""


@dataclass(frozen=True)
class CategoryDefinition:
    """A category of GB/T 20986-2023 and its sub-categories, in reading order."""

    urn: str
    code: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    subcategories: tuple[SubcategoryDefinition, ...] = ()


@dataclass(frozen=True)
class ThresholdDefinition:
    """A case whose `metric` reaches `threshold` is at least `grade`."""

    urn: str
    metric: str
    threshold: Decimal
    grade: str
    source: str
    effective_from: dt.date
    effective_until: dt.date | None = None
    notes: str = ""


# Categories -----------------------------------------------------------------------------------


def _code(value: Any, add: Any) -> str:
    if value is None or value == "":
        add("code required")
        return ""
    if not isinstance(value, str):
        add("code must be text")
        return ""
    value = value.strip()
    if len(value) > CODE_MAX_LENGTH:
        add(f"code is longer than {CODE_MAX_LENGTH} characters")
    elif not CODE_PATTERN.match(value):
        add(f"code {value!r} must be capital letters and digits, parts joined by '-' (MP, MP-RW)")
    return value


def parse_incident_category(raw: Mapping[str, Any], problems: Problems) -> CategoryDefinition | None:
    """A category: its code, bilingual names and descriptions, and its sub-categories."""
    check_fields(raw, CATEGORY_FIELDS, problems)
    urn = required_urn(raw, problems)
    code = _code(raw.get("code"), lambda message: problems.add("code", message))
    texts = read_texts(raw, problems)
    subcategories = _subcategories(raw.get("subcategories"), urn, code, problems)
    if problems:
        return None
    return CategoryDefinition(urn=urn, code=code, subcategories=subcategories, **texts)


def _subcategories(
    value: Any, category_urn: str, category_code: str, problems: Problems
) -> tuple[SubcategoryDefinition, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.add("subcategories", "must be a list of sub-categories")
        return ()
    seen_urns = {category_urn}
    seen_codes = {category_code}
    items = []
    for position, raw in enumerate(value, start=1):
        if not isinstance(raw, Mapping):
            problems.add("subcategories", "must be a mapping of fields", f"{position}")
            continue
        raw_urn = raw.get("urn")
        part = raw_urn if isinstance(raw_urn, str) and raw_urn.strip() else f"{position}"

        def add(message: str, part: str = part) -> None:
            problems.add("subcategories", message, part)

        errors_before = len(problems.errors)
        for key in raw:
            if key not in SUBCATEGORY_FIELDS:
                add(f"unknown field {key!r}")
        urn = _urn(raw_urn, add)
        if urn and urn in seen_urns:
            add("urn is used by the category or another of its sub-categories")
        seen_urns.add(urn)
        code = _code(raw.get("code"), add)
        if code and code in seen_codes:
            add(f"code {code} is used by the category or another of its sub-categories")
        seen_codes.add(code)
        texts = _texts(raw, add)
        if len(problems.errors) == errors_before:
            items.append(SubcategoryDefinition(urn=urn, code=code, **texts))
    return tuple(items)


def _urn(value: Any, add: Any) -> str:
    if value is None or value == "":
        add("urn required")
        return ""
    if not isinstance(value, str):
        add("urn must be text")
        return ""
    if len(value) > URN_MAX_LENGTH:
        add(f"urn is longer than {URN_MAX_LENGTH} characters")
        return ""
    if not URN_PATTERN.match(value):
        add(f"urn {value!r} is not a URN (urn:publisher:kind:name, in lower case)")
        return ""
    return value


def _texts(raw: Mapping[str, Any], add: Any) -> dict[str, str]:
    texts = {}
    for name in TEXT_FIELDS:
        value = raw.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            add(f"{name} must be text")
            value = ""
        value = value.strip()
        if name.startswith("name") and len(value) > NAME_MAX_LENGTH:
            add(f"{name} is longer than {NAME_MAX_LENGTH} characters")
        texts[name] = value
    if not texts["name"]:
        add("name required")
    return texts


# Grading thresholds ---------------------------------------------------------------------------


def parse_grading_threshold(raw: Mapping[str, Any], problems: Problems) -> ThresholdDefinition | None:
    """A threshold of the grading guide: metric, threshold, grade, source and dates."""
    check_fields(raw, THRESHOLD_FIELDS, problems)
    urn = required_urn(raw, problems)
    metric = raw.get("metric")
    if metric not in METRICS:
        problems.add("metric", f"{metric!r} must be one of {', '.join(METRICS)}")
    grade = raw.get("grade")
    if grade not in GRADES or grade == GENERAL:
        problems.add("grade", f"{grade!r} must be one of {', '.join(g for g in GRADES if g != GENERAL)}")
    threshold = _threshold(raw.get("threshold"), problems)
    source = required_text(raw, "source", problems, SOURCE_MAX_LENGTH)
    effective_from = _date(raw, "effective_from", problems, required=True)
    effective_until = _date(raw, "effective_until", problems, required=False)
    if effective_from is not None and effective_until is not None and effective_until < effective_from:
        problems.add("effective_until", "must not be before effective_from")
    notes = optional_text(raw, "notes", problems)
    if problems or effective_from is None:
        return None
    return ThresholdDefinition(
        urn=urn,
        metric=str(metric),
        threshold=threshold,
        grade=str(grade),
        source=source,
        effective_from=effective_from,
        effective_until=effective_until,
        notes=notes,
    )


def _threshold(value: Any, problems: Problems) -> Decimal:
    if isinstance(value, bool) or not (is_whole_number(value) or isinstance(value, float | str)):
        problems.add("threshold", "required: a number greater than zero")
        return Decimal(0)
    try:
        number = Decimal(str(value).replace("_", ""))
    except InvalidOperation:
        problems.add("threshold", f"{value!r} is not a number")
        return Decimal(0)
    if not number.is_finite() or number <= 0:
        problems.add("threshold", "must be a number greater than zero")
    elif number > THRESHOLD_MAX or number != number.quantize(Decimal("0.01")):
        problems.add("threshold", "must have at most 18 digits before the point and 2 after it")
    return number


def _date(raw: Mapping[str, Any], name: str, problems: Problems, *, required: bool) -> dt.date | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            problems.add(name, "required: a date like 2025-11-01")
        return None
    if isinstance(value, dt.datetime):
        problems.add(name, "must be a date without a time, like 2025-11-01")
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.add(name, f"{value!r} is not a date like 2025-11-01")
    return None
