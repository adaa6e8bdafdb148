"""The log-audit policy: changed by whoever may change log-audit records over the whole
organisation, within bounds, never keeping logs under six months, audited with a reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.core.audit import history_of
from garrison.core.models import Person
from garrison.logaudit.services.policy import change_policy, current_policy

pytestmark = pytest.mark.django_db


def test_the_defaults_are_monday_72_hours_180_days_and_20_samples() -> None:
    policy = current_policy()

    assert (
        policy.audit_weekday,
        policy.escalation_hours,
        policy.retention_days,
        policy.samples_per_finding,
    ) == (
        0,
        72,
        180,
        20,
    )


def test_a_change_is_saved_and_audited_with_its_reason(ciso: Person) -> None:
    policy = current_policy()

    change_policy(policy, by=ciso, reason="Audit on Fridays", audit_weekday=4, retention_days=365)

    saved = current_policy()
    assert (saved.audit_weekday, saved.retention_days, policy.audit_weekday) == (4, 365, 4)
    event = history_of(saved).get()
    assert (event.reason, event.changes) == (
        "Audit on Fridays",
        {"audit_weekday": [0, 4], "retention_days": [180, 365]},
    )


def test_nothing_changed_records_nothing(ciso: Person) -> None:
    change_policy(current_policy(), by=ciso, escalation_hours=72)

    assert not history_of(current_policy()).exists()


def test_retention_under_six_months_is_refused_citing_the_law(ciso: Person) -> None:
    with pytest.raises(ValidationError) as refused:
        change_policy(current_policy(), by=ciso, retention_days=179)

    assert refused.value.message_dict == {
        "retention_days": [
            "Logs are kept at least 180 days: the Cybersecurity Law asks that network logs are kept "
            "for no less than six months."
        ]
    }
    assert current_policy().retention_days == 180


def test_values_out_of_bounds_are_refused_field_by_field(ciso: Person) -> None:
    with pytest.raises(ValidationError) as refused:
        change_policy(
            current_policy(),
            by=ciso,
            audit_weekday=7,
            escalation_hours=0,
            samples_per_finding=501,
            retention_days=True,
        )

    assert refused.value.message_dict == {
        "audit_weekday": ["Choose a day of the week (0 is Monday, 6 is Sunday)."],
        "escalation_hours": ["Enter a whole number of hours from 1 to 720."],
        "retention_days": ["Enter a whole number of days."],
        "samples_per_finding": ["Enter a whole number of sample events from 1 to 500."],
    }


def test_only_who_may_change_log_audits_everywhere_changes_it(
    security_officer: Person, owner: Person, auditor: Person, colleague: Person
) -> None:
    for person in (security_officer, owner, auditor, colleague):
        with pytest.raises(Http404):
            change_policy(current_policy(), by=person, escalation_hours=24)
    assert current_policy().escalation_hours == 72


def test_unknown_fields_are_a_programming_error(ciso: Person) -> None:
    with pytest.raises(TypeError):
        change_policy(current_policy(), by=ciso, retention=365)
