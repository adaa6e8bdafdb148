"""The `supplier_questionnaires` kind of the library format, read into dataclasses. Pure
module: no Django.

A questionnaire carries its questions nested under `questions`, each with a dimension, an
answer type and how that type is scored (see garrison.suppliers.scoring): `good_answer`
for yes/no questions, `choices` with a score each for choice questions, `bands` for number
questions; free-text answers are scored by the reviewer. Specified in
docs/library-format.md. The parser adds every problem it finds to `problems`, naming the
field and the question it is in, and returns a dataclass only when there was none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from garrison.library.format import (
    TEXT_FIELDS,
    URN_MAX_LENGTH,
    URN_PATTERN,
    Problems,
    check_fields,
    is_whole_number,
    optional_text,
    read_texts,
    required_urn,
)

# The values of QuestionnaireKind, Dimension and AnswerType (garrison.suppliers.models),
# repeated here because this module does not import Django; a test keeps them equal.
KINDS = ("esg", "security")
DIMENSIONS = ("environment", "information_security", "labour", "health_and_safety", "integrity")
YES_NO, CHOICE, NUMBER, TEXT = "yes_no", "choice", "number", "text"
ANSWER_TYPES = (YES_NO, CHOICE, NUMBER, TEXT)
YES_NO_VALUES = ("yes", "no")

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
CODE_MAX_LENGTH = 50
CHOICE_VALUE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
CHOICE_VALUE_MAX_LENGTH = 50
VERSION_MAX_LENGTH = 50
HINT_MAX_LENGTH = 300
# The model keeps weights of 6 digits, 2 of them after the point.
WEIGHT_MAX = Decimal("9999.99")
NUMBER_MAX = Decimal("999999999999")

QUESTIONNAIRE_FIELDS = ("urn", "kind", "version", *TEXT_FIELDS, "questions")
QUESTION_FIELDS = (
    "urn",
    "code",
    "dimension",
    "text",
    "text_zh",
    "answer_type",
    "good_answer",
    "choices",
    "bands",
    "weight",
    "evidence_requested",
    "evidence_hint",
)
CHOICE_FIELDS = ("value", "label", "label_zh", "score")
BAND_FIELDS = ("min", "score")


@dataclass(frozen=True)
class QuestionDefinition:
    """One question. `choices` holds {"value", "label", "label_zh", "score"} of a choice
    question or {"min", "score"} bands of a number question (lowest first), as the model
    stores them; numbers are kept as text of a decimal so the JSON is exact."""

    urn: str
    code: str
    dimension: str
    text: str
    text_zh: str
    answer_type: str
    weight: Decimal
    good_answer: str = ""
    choices: tuple[dict[str, Any], ...] = ()
    evidence_requested: bool = False
    evidence_hint: str = ""


@dataclass(frozen=True)
class QuestionnaireDefinition:
    urn: str
    kind: str
    version: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    questions: tuple[QuestionDefinition, ...]


def parse_supplier_questionnaire(
    raw: Mapping[str, Any], problems: Problems
) -> QuestionnaireDefinition | None:
    """A questionnaire: kind, bilingual names and descriptions, and at least one question."""
    check_fields(raw, QUESTIONNAIRE_FIELDS, problems)
    urn = required_urn(raw, problems)
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.add("kind", f"{kind!r} must be one of {', '.join(KINDS)}")
    version = raw.get("version", "")
    if is_whole_number(version) or isinstance(version, float):
        version = str(version)
    if not isinstance(version, str) or len(version) > VERSION_MAX_LENGTH:
        problems.add("version", f"must be text of at most {VERSION_MAX_LENGTH} characters")
        version = ""
    texts = read_texts(raw, problems)
    questions = _questions(raw.get("questions"), urn, problems)
    if problems:
        return None
    return QuestionnaireDefinition(
        urn=urn, kind=str(kind), version=version.strip(), questions=questions, **texts
    )


def _questions(value: Any, questionnaire_urn: str, problems: Problems) -> tuple[QuestionDefinition, ...]:
    if not isinstance(value, list) or not value:
        problems.add("questions", "required: a list of at least one question")
        return ()
    seen_urns = {questionnaire_urn}
    seen_codes: set[str] = set()
    items = []
    for position, raw in enumerate(value, start=1):
        if not isinstance(raw, Mapping):
            problems.add("questions", "must be a mapping of fields", f"{position}")
            continue
        raw_code = raw.get("code")
        part = raw_code if isinstance(raw_code, str) and raw_code.strip() else f"{position}"

        def add(message: str, part: str = part) -> None:
            problems.add("questions", message, part)

        errors_before = len(problems.errors)
        question = _question(raw, add)
        if question.urn and question.urn in seen_urns:
            add("urn is used by the questionnaire or another of its questions")
        if question.code and question.code in seen_codes:
            add(f"code {question.code} is used by another question of the questionnaire")
        seen_urns.add(question.urn)
        seen_codes.add(question.code)
        if len(problems.errors) == errors_before:
            items.append(question)
    return tuple(items)


Add = Callable[[str], None]


def _question(raw: Mapping[str, Any], add: Add) -> QuestionDefinition:
    for key in raw:
        if key not in QUESTION_FIELDS:
            add(f"unknown field {key!r}")
    urn = _urn(raw.get("urn"), add)
    code = _code(raw.get("code"), add)
    dimension = raw.get("dimension")
    if dimension not in DIMENSIONS:
        add(f"dimension {dimension!r} must be one of {', '.join(DIMENSIONS)}")
    text = _text(raw, "text", add, required=True)
    text_zh = _text(raw, "text_zh", add)
    answer_type = raw.get("answer_type")
    if answer_type not in ANSWER_TYPES:
        add(f"answer_type {answer_type!r} must be one of {', '.join(ANSWER_TYPES)}")
    good_answer, choices = _scoring(raw, str(answer_type), add)
    weight = _weight(raw.get("weight", 1), add)
    evidence_requested = raw.get("evidence_requested", False)
    if not isinstance(evidence_requested, bool):
        add("evidence_requested must be true or false")
        evidence_requested = False
    hint = _text(raw, "evidence_hint", add, max_length=HINT_MAX_LENGTH)
    if hint and not evidence_requested:
        add("evidence_hint is given but evidence_requested is not true")
    return QuestionDefinition(
        urn=urn,
        code=code,
        dimension=str(dimension),
        text=text,
        text_zh=text_zh,
        answer_type=str(answer_type),
        weight=weight,
        good_answer=good_answer,
        choices=choices,
        evidence_requested=evidence_requested,
        evidence_hint=hint,
    )


def _scoring(raw: Mapping[str, Any], answer_type: str, add: Add) -> tuple[str, tuple[dict[str, Any], ...]]:
    """`good_answer` and `choices` (or `bands`), each allowed only with its answer type."""
    if "good_answer" in raw and answer_type != YES_NO:
        add("good_answer is only for yes_no questions")
    if "choices" in raw and answer_type != CHOICE:
        add("choices are only for choice questions")
    if "bands" in raw and answer_type != NUMBER:
        add("bands are only for number questions")
    if answer_type == YES_NO:
        good_answer = raw.get("good_answer", "yes")
        if good_answer not in YES_NO_VALUES:
            add(f"good_answer {good_answer!r} must be yes or no")
            return "", ()
        return str(good_answer), ()
    if answer_type == CHOICE:
        return "", _choices(raw.get("choices"), add)
    if answer_type == NUMBER:
        return "", _bands(raw.get("bands"), add)
    return "", ()


def _choices(value: Any, add: Add) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list) or len(value) < 2:
        add("choices: required, a list of at least two choices")
        return ()
    items = []
    seen: set[str] = set()
    for position, raw in enumerate(value, start=1):
        if not isinstance(raw, Mapping):
            add(f"choice {position} must be a mapping of value, label, label_zh and score")
            continue
        for key in raw:
            if key not in CHOICE_FIELDS:
                add(f"choice {position}: unknown field {key!r}")
        choice_value = raw.get("value")
        if (
            not isinstance(choice_value, str)
            or len(choice_value) > CHOICE_VALUE_MAX_LENGTH
            or not CHOICE_VALUE_PATTERN.match(choice_value)
        ):
            add(f"choice {position}: value must be lower-case letters, digits, _ or -")
            continue
        if choice_value in seen:
            add(f"choice {position}: value {choice_value} is used twice")
        seen.add(choice_value)
        label = raw.get("label")
        if not isinstance(label, str) or not label.strip():
            add(f"choice {position}: label required")
            label = ""
        label_zh = raw.get("label_zh", "")
        if not isinstance(label_zh, str):
            add(f"choice {position}: label_zh must be text")
            label_zh = ""
        score = _score(raw.get("score"), _prefixed(add, f"choice {position}"))
        items.append(
            {"value": choice_value, "label": label.strip(), "label_zh": label_zh.strip(), "score": str(score)}
        )
    return tuple(items)


def _bands(value: Any, add: Add) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list) or not value:
        add("bands: required, a list of {min, score} bands, lowest min first")
        return ()
    items = []
    previous: Decimal | None = None
    for position, raw in enumerate(value, start=1):
        if not isinstance(raw, Mapping):
            add(f"band {position} must be a mapping of min and score")
            continue
        for key in raw:
            if key not in BAND_FIELDS:
                add(f"band {position}: unknown field {key!r}")
        minimum = _decimal(raw.get("min"))
        if minimum is None or abs(minimum) > NUMBER_MAX:
            add(f"band {position}: min must be a number")
            continue
        if previous is not None and minimum <= previous:
            add(f"band {position}: min must be greater than the min of the band before it")
        previous = minimum
        score = _score(raw.get("score"), _prefixed(add, f"band {position}"))
        items.append({"min": str(minimum), "score": str(score)})
    return tuple(items)


def _prefixed(add: Add, prefix: str) -> Add:
    def add_prefixed(message: str) -> None:
        add(f"{prefix}: {message}")

    return add_prefixed


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _score(value: Any, add: Add) -> Decimal:
    number = _decimal(value)
    if number is None or not 0 <= number <= 100:
        add("score must be a number from 0 to 100")
        return Decimal(0)
    return number


def _weight(value: Any, add: Add) -> Decimal:
    number = _decimal(value)
    if number is None or number <= 0:
        add("weight must be a number greater than zero")
        return Decimal(1)
    if number > WEIGHT_MAX or number != number.quantize(Decimal("0.01")):
        add("weight must be at most 9999.99, with at most 2 decimals")
    return number


def _urn(value: Any, add: Add) -> str:
    if not isinstance(value, str) or not value:
        add("urn required")
        return ""
    if len(value) > URN_MAX_LENGTH or not URN_PATTERN.match(value):
        add(f"urn {value!r} is not a URN (urn:publisher:kind:name, in lower case)")
        return ""
    return value


def _code(value: Any, add: Add) -> str:
    if not isinstance(value, str) or not value.strip():
        add("code required")
        return ""
    value = value.strip()
    if len(value) > CODE_MAX_LENGTH or not CODE_PATTERN.match(value):
        add(f"code {value!r} must be capital letters and digits, parts joined by '-' (ENV-01)")
    return value


def _text(
    raw: Mapping[str, Any], name: str, add: Add, *, required: bool = False, max_length: int | None = None
) -> str:
    problems = Problems("")
    value = optional_text(raw, name, problems, max_length)
    for error in problems.errors:
        add(f"{name} {error.message}")
    if required and not value:
        add(f"{name} required")
    return value
