"""The reporting rules, pure: who must be told, by when, from the facts of a case."""

from __future__ import annotations

import datetime as dt

from garrison.incidents import obligations as rules
from garrison.incidents.models import Grade, IncidentStatus, ObligationKind, OperatorKind
from tests.incidents.conftest import shanghai

NAMES = {"provincial_cyberspace_administration": "Beijing Cyberspace Administration"}


def facts(**fields: object) -> rules.CaseFacts:
    values: dict[str, object] = {
        "operator_kind": OperatorKind.OTHER_OPERATOR,
        "grade": Grade.RELATIVELY_MAJOR,
        "status": IncidentStatus.TRIAGE,
        "discovered_at": shanghai(2026, 3, 2, 9, 0),
    }
    values.update(fields)
    return rules.CaseFacts(**values)  # type: ignore[arg-type]


def by_code(specs: list[rules.ObligationSpec]) -> dict[str, rules.ObligationSpec]:
    return {spec.code: spec for spec in specs}


def test_the_mirrored_values_agree_with_the_models() -> None:
    assert set(rules.ALL_OPERATORS) == set(OperatorKind.values)
    assert set(rules.GRADE_RANK) == set(Grade.values)
    kinds = {rule.kind for rule in rules.RULES} | {rules.CUSTOM, rules.SUPPLEMENTARY}
    assert kinds <= set(ObligationKind.values)
    assert rules.FALSE_POSITIVE == IncidentStatus.FALSE_POSITIVE


def test_an_other_operator_reports_a_relatively_major_incident_found_at_nine_by_one_pm() -> None:
    specs = rules.derive(facts(), NAMES)
    initial = by_code(specs)["initial:provincial_cyberspace_administration"]
    assert initial.due_at == shanghai(2026, 3, 2, 13, 0)
    assert initial.recipient == "Beijing Cyberspace Administration"
    assert initial.kind == rules.INITIAL
    assert not initial.without_delay
    assert "art. 4" in initial.basis
    assert set(by_code(specs)) == {"initial:provincial_cyberspace_administration", "final"}


def test_a_cii_operator_reports_a_major_incident_found_at_half_past_eleven_by_half_past_midnight() -> None:
    specs = by_code(
        rules.derive(
            facts(
                operator_kind=OperatorKind.CII_OPERATOR,
                grade=Grade.MAJOR,
                discovered_at=shanghai(2026, 3, 2, 23, 30),
            ),
            {},
        )
    )
    for code in ("initial:cii_protection_department", "initial:public_security"):
        assert specs[code].due_at == shanghai(2026, 3, 3, 0, 30)
    # A blank name in the profile falls back to the generic name of the body.
    assert specs["initial:public_security"].recipient == "Public security organ"
    assert "initial:provincial_cyberspace_administration" not in specs


def test_a_state_organ_reports_to_its_own_cyberspace_affairs_body_within_two_hours() -> None:
    specs = by_code(rules.derive(facts(operator_kind=OperatorKind.STATE_ORGAN), {}))
    assert specs["initial:cyberspace_affairs_body"].due_at == shanghai(2026, 3, 2, 11, 0)
    assert [code for code in specs if code.startswith("initial:")] == ["initial:cyberspace_affairs_body"]


def test_a_general_incident_has_no_mandatory_report() -> None:
    assert rules.derive(facts(grade=Grade.GENERAL, handling_ended_at=shanghai(2026, 3, 3)), NAMES) == []


def test_an_ungraded_case_owes_no_report_yet() -> None:
    assert rules.derive(facts(grade=""), NAMES) == []


def test_the_final_report_is_due_thirty_days_after_handling_ends() -> None:
    before = by_code(rules.derive(facts(), NAMES))["final"]
    assert before.due_at is None
    ended = by_code(rules.derive(facts(handling_ended_at=shanghai(2026, 3, 1, 10, 0)), NAMES))["final"]
    assert ended.due_at == shanghai(2026, 3, 31, 10, 0)
    assert ended.recipient == "Beijing Cyberspace Administration"


def test_a_leak_of_personal_information_creates_the_pipl_notifications_due_at_once() -> None:
    case = facts(grade=Grade.MAJOR, personal_information_breach=True, personal_information_people=1_200_000)
    specs = by_code(rules.derive(case, {"personal_information_authority": "CAC Beijing"}))
    authority, individuals = specs["pipl:authority"], specs["pipl:individuals"]
    assert authority.without_delay
    assert individuals.without_delay
    assert authority.due_at == individuals.due_at == case.discovered_at
    assert authority.recipient == "CAC Beijing"
    assert authority.basis == "Personal Information Protection Law, art. 57"
    assert individuals.recipient == "The affected individuals"


def test_the_pipl_notification_applies_whatever_the_grade_but_only_to_a_breach() -> None:
    breach = by_code(rules.derive(facts(grade=Grade.GENERAL, personal_information_breach=True), {}))
    assert set(breach) == {"pipl:authority", "pipl:individuals"}
    no_breach = rules.derive(facts(grade=Grade.GENERAL, personal_information_people=1_200_000), {})
    assert no_breach == []


def test_a_false_positive_derives_nothing() -> None:
    case = facts(
        status=IncidentStatus.FALSE_POSITIVE, grade=Grade.ESPECIALLY_MAJOR, personal_information_breach=True
    )
    assert rules.derive(case, NAMES) == []


def test_custom_rules_apply_from_their_grade_and_only_when_active() -> None:
    telecom = rules.CustomRule(
        id=7,
        name="MIIT",
        recipient="Beijing Communications Administration",
        minimum_grade=Grade.MAJOR,
        deadline_hours=2,
    )
    retired = rules.CustomRule(
        id=8, name="Old", recipient="Nobody", minimum_grade=Grade.GENERAL, deadline_hours=1, is_active=False
    )
    privacy = rules.CustomRule(
        id=9,
        name="DPO",
        recipient="Group DPO",
        minimum_grade=Grade.GENERAL,
        deadline_hours=24,
        only_with_personal_information_breach=True,
    )
    lower = by_code(rules.derive(facts(), NAMES, [telecom, retired, privacy]))
    assert "custom:7" not in lower
    assert "custom:8" not in lower
    assert "custom:9" not in lower
    higher = by_code(
        rules.derive(facts(grade=Grade.MAJOR, personal_information_breach=True), NAMES, [telecom, privacy])
    )
    assert higher["custom:7"].due_at == shanghai(2026, 3, 2, 11, 0)
    assert higher["custom:7"].recipient == "Beijing Communications Administration"
    assert higher["custom:7"].content == "MIIT"
    assert higher["custom:9"].due_at == shanghai(2026, 3, 3, 9, 0)


def test_obligations_come_soonest_first_with_unstarted_clocks_last() -> None:
    specs = rules.derive(facts(personal_information_breach=True), NAMES)
    assert [spec.code for spec in specs][-1] == "final"
    due = [spec.due_at for spec in specs if spec.due_at is not None]
    assert due == sorted(due)
    assert all(isinstance(moment, dt.datetime) for moment in due)
