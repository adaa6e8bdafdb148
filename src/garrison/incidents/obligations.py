"""Which reports a case calls for, to whom, by when: the reporting rules as data.

Pure module (no Django): `derive` reads the facts of a case, the organisation's operator
profile and the rules the organisation added itself, and returns one `ObligationSpec`
per obligation. `garrison.incidents.services.obligations` keeps the case's
ReportingObligation rows in step with what this module derives.

Texts are English source strings marked for translation (`gettext_noop`): they are
stored as written here and translated when shown, so a recomputation by a person who
reads another language does not count as a change. The rules are documented, as a
table, in the user guide ("Reporting rules").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Mirrors of the model choices (garrison.incidents.models), kept here so the rules read
# without Django; tests check that the values agree.
CII_OPERATOR = "cii_operator"
STATE_ORGAN = "state_organ"
OTHER_OPERATOR = "other_operator"
ALL_OPERATORS = frozenset({CII_OPERATOR, STATE_ORGAN, OTHER_OPERATOR})

GENERAL = "general"
RELATIVELY_MAJOR = "relatively_major"
MAJOR = "major"
ESPECIALLY_MAJOR = "especially_major"
GRADE_RANK = {GENERAL: 1, RELATIVELY_MAJOR: 2, MAJOR: 3, ESPECIALLY_MAJOR: 4}

FALSE_POSITIVE = "false_positive"

DISCOVERY = "discovery"
HANDLING_ENDED = "handling_ended"

# Obligation kinds (ObligationKind values).
INITIAL = "initial"
FINAL = "final"
SUPPLEMENTARY = "supplementary"
PIPL_AUTHORITY = "pipl_authority"
PIPL_INDIVIDUALS = "pipl_individuals"
CUSTOM = "custom"

# Codes added by hand rather than derived: recomputation never supersedes them.
MANUAL_CODE_PREFIX = "supplementary:"
CUSTOM_CODE_PREFIX = "custom:"


def gettext_noop(text: str) -> str:
    """Marks a string for translation without translating it (makemessages finds it)."""
    return text


# The bodies a profile names; the generic name stands in while the profile leaves it blank.
RECIPIENT_NAMES: dict[str, str] = {
    "cii_protection_department": gettext_noop(
        "Protection department of the critical information infrastructure"
    ),
    "public_security_body": gettext_noop("Public security organ"),
    "cyberspace_affairs_body": gettext_noop("The organ's own cyberspace-affairs body"),
    "provincial_cyberspace_administration": gettext_noop("Provincial cyberspace administration"),
    "personal_information_authority": gettext_noop("Personal-information protection authority"),
    "affected_individuals": gettext_noop("The affected individuals"),
}

MEASURES = "National Cybersecurity Incident Reporting Measures (CAC, 2025)"
INITIAL_CONTENT = gettext_noop(
    "Initial report: reporting unit and affected facility or system; time, place, type, impact and harm "
    "so far, measures taken and their effect; expected trend; preliminary cause; attribution leads; next "
    "steps and support requested; how the scene is preserved; other matters. What is not yet known may "
    "follow in a supplementary report."
)
FINAL_CONTENT = gettext_noop(
    "Final report once handling has ended: cause, measures taken and their effect, losses and harm, "
    "accountability, and the improvements made."
)


@dataclass(frozen=True)
class Rule:
    """One row of the rules: a case meeting it owes the report `code` to `recipient_key`."""

    code: str
    kind: str
    operator_kinds: frozenset[str]
    minimum_grade: str | None  # None: whatever the grade
    recipient_key: str
    anchor: str  # the clock starts at discovery or when handling ends
    hours: int = 0
    days: int = 0
    without_delay: bool = False
    only_with_personal_information_breach: bool = False
    content: str = ""
    basis: str = ""

    @property
    def period(self) -> dt.timedelta:
        return dt.timedelta(hours=self.hours, days=self.days)


RULES: tuple[Rule, ...] = (
    Rule(
        code="initial:cii_protection_department",
        kind=INITIAL,
        operator_kinds=frozenset({CII_OPERATOR}),
        minimum_grade=RELATIVELY_MAJOR,
        recipient_key="cii_protection_department",
        anchor=DISCOVERY,
        hours=1,
        content=INITIAL_CONTENT,
        basis=f"{MEASURES}, art. 4",
    ),
    Rule(
        code="initial:public_security",
        kind=INITIAL,
        operator_kinds=frozenset({CII_OPERATOR}),
        minimum_grade=RELATIVELY_MAJOR,
        recipient_key="public_security_body",
        anchor=DISCOVERY,
        hours=1,
        content=INITIAL_CONTENT,
        basis=f"{MEASURES}, art. 4",
    ),
    Rule(
        code="initial:cyberspace_affairs_body",
        kind=INITIAL,
        operator_kinds=frozenset({STATE_ORGAN}),
        minimum_grade=RELATIVELY_MAJOR,
        recipient_key="cyberspace_affairs_body",
        anchor=DISCOVERY,
        hours=2,
        content=INITIAL_CONTENT,
        basis=f"{MEASURES}, art. 4",
    ),
    Rule(
        code="initial:provincial_cyberspace_administration",
        kind=INITIAL,
        operator_kinds=frozenset({OTHER_OPERATOR}),
        minimum_grade=RELATIVELY_MAJOR,
        recipient_key="provincial_cyberspace_administration",
        anchor=DISCOVERY,
        hours=4,
        content=INITIAL_CONTENT,
        basis=f"{MEASURES}, art. 4",
    ),
    # One final report per case, to the body the initial report went to.
    Rule(
        code="final",
        kind=FINAL,
        operator_kinds=frozenset({CII_OPERATOR}),
        minimum_grade=RELATIVELY_MAJOR,
        recipient_key="cii_protection_department",
        anchor=HANDLING_ENDED,
        days=30,
        content=FINAL_CONTENT,
        basis=f"{MEASURES}, final report",
    ),
    Rule(
        code="final",
        kind=FINAL,
        operator_kinds=frozenset({STATE_ORGAN}),
        minimum_grade=RELATIVELY_MAJOR,
        recipient_key="cyberspace_affairs_body",
        anchor=HANDLING_ENDED,
        days=30,
        content=FINAL_CONTENT,
        basis=f"{MEASURES}, final report",
    ),
    Rule(
        code="final",
        kind=FINAL,
        operator_kinds=frozenset({OTHER_OPERATOR}),
        minimum_grade=RELATIVELY_MAJOR,
        recipient_key="provincial_cyberspace_administration",
        anchor=HANDLING_ENDED,
        days=30,
        content=FINAL_CONTENT,
        basis=f"{MEASURES}, final report",
    ),
    Rule(
        code="pipl:authority",
        kind=PIPL_AUTHORITY,
        operator_kinds=ALL_OPERATORS,
        minimum_grade=None,
        recipient_key="personal_information_authority",
        anchor=DISCOVERY,
        without_delay=True,
        only_with_personal_information_breach=True,
        content=gettext_noop(
            "Notify the authority at once: the kinds of personal information involved, the cause and the "
            "possible harm; the remedies taken; what individuals can do to reduce harm; how to contact "
            "the handler."
        ),
        basis="Personal Information Protection Law, art. 57",
    ),
    Rule(
        code="pipl:individuals",
        kind=PIPL_INDIVIDUALS,
        operator_kinds=ALL_OPERATORS,
        minimum_grade=None,
        recipient_key="affected_individuals",
        anchor=DISCOVERY,
        without_delay=True,
        only_with_personal_information_breach=True,
        content=gettext_noop(
            "Notify the individuals at once with the same facts, unless the measures taken effectively "
            "avoid harm (the authority may still require the notice)."
        ),
        basis="Personal Information Protection Law, art. 57",
    ),
)


@dataclass(frozen=True)
class CaseFacts:
    """What the rules read from a case and from the organisation's profile."""

    operator_kind: str
    grade: str  # the effective grade; "" while none is proposed or confirmed
    status: str
    discovered_at: dt.datetime
    handling_ended_at: dt.datetime | None = None
    personal_information_breach: bool = False
    personal_information_people: int = 0


@dataclass(frozen=True)
class CustomRule:
    """An obligation the organisation added itself (CustomReportingRule)."""

    id: int
    name: str
    recipient: str
    minimum_grade: str
    deadline_hours: int
    only_with_personal_information_breach: bool = False
    content: str = ""
    basis: str = ""
    is_active: bool = True


@dataclass(frozen=True)
class ObligationSpec:
    """One obligation derived for a case. `due_at` is None while its clock has not
    started; a "without delay" obligation is due at discovery (at once)."""

    code: str
    kind: str
    recipient: str
    due_at: dt.datetime | None
    without_delay: bool
    content: str
    basis: str
    recipient_key: str = ""


def reaches(grade: str, minimum: str | None) -> bool:
    """Whether `grade` is at least `minimum` (no minimum: always; no grade: never)."""
    if minimum is None:
        return True
    return GRADE_RANK.get(grade, 0) >= GRADE_RANK[minimum]


def _applies(rule: Rule, case: CaseFacts) -> bool:
    if case.operator_kind not in rule.operator_kinds:
        return False
    if rule.only_with_personal_information_breach and not case.personal_information_breach:
        return False
    return reaches(case.grade, rule.minimum_grade)


def _due(rule: Rule, case: CaseFacts) -> dt.datetime | None:
    if rule.without_delay:
        return case.discovered_at
    anchor = case.discovered_at if rule.anchor == DISCOVERY else case.handling_ended_at
    return None if anchor is None else anchor + rule.period


def derive(
    case: CaseFacts, recipients: Mapping[str, str], custom_rules: Sequence[CustomRule] = ()
) -> list[ObligationSpec]:
    """Every obligation the case gives rise to, ordered by due time (unstarted clocks last).

    `recipients` maps recipient keys to the names the profile gives them (a key missing
    or blank falls back to the generic name). A false positive owes nothing.
    """
    if case.status == FALSE_POSITIVE:
        return []
    specs: list[ObligationSpec] = []
    for rule in RULES:
        if not _applies(rule, case):
            continue
        specs.append(
            ObligationSpec(
                code=rule.code,
                kind=rule.kind,
                recipient=recipients.get(rule.recipient_key) or RECIPIENT_NAMES[rule.recipient_key],
                due_at=_due(rule, case),
                without_delay=rule.without_delay,
                content=rule.content,
                basis=rule.basis,
                recipient_key=rule.recipient_key,
            )
        )
    for custom in custom_rules:
        if not custom.is_active or not reaches(case.grade, custom.minimum_grade):
            continue
        if custom.only_with_personal_information_breach and not case.personal_information_breach:
            continue
        specs.append(
            ObligationSpec(
                code=f"{CUSTOM_CODE_PREFIX}{custom.id}",
                kind=CUSTOM,
                recipient=custom.recipient,
                due_at=case.discovered_at + dt.timedelta(hours=custom.deadline_hours),
                without_delay=False,
                content=custom.content or custom.name,
                basis=custom.basis,
            )
        )
    far_future = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(specs, key=lambda spec: (spec.due_at or far_future, spec.code))
