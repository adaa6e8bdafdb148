"""The state-machine helper, exercised on a real model: a person's employment status."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.core.models import AuditEvent, EmploymentStatus, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.workflow import AppliedTransition, StateMachine, Transition

hook_calls: list[tuple[Person, AppliedTransition]] = []


def needs_a_manager(person: Person, by: Any) -> str | None:
    return None if person.manager_id else "Give the person a manager before they come back."


def remember(person: Person, applied: AppliedTransition) -> None:
    hook_calls.append((person, applied))


class EmploymentWorkflow(StateMachine):
    states = EmploymentStatus
    field = "employment_status"
    transitions = [
        Transition(
            "go_on_leave",
            source=[EmploymentStatus.ACTIVE],
            target=EmploymentStatus.ON_LEAVE,
            label="Go on leave",
            permission=Action.CHANGE,
        ),
        Transition(
            "come_back",
            source=[EmploymentStatus.ON_LEAVE],
            target=EmploymentStatus.ACTIVE,
            label="Come back",
            guard=needs_a_manager,
            permission=Action.CHANGE,
        ),
        Transition(
            "leave",
            source=[EmploymentStatus.ACTIVE, EmploymentStatus.ON_LEAVE],
            target=EmploymentStatus.LEFT,
            label="Leave",
            requires_reason=True,
            permission=Action.CHANGE,
            on_commit=[remember],
        ),
    ]


def transition_events(person: Person) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.TRANSITION, object_type="core.person", object_id=str(person.pk)
        ).order_by("sequence")
    )


def status_in_database(person: Person) -> str:
    return Person.objects.values_list("employment_status", flat=True).get(pk=person.pk)


def test_it_looks_up_transitions_from_a_state_without_the_database() -> None:
    names = [transition.name for transition in EmploymentWorkflow.transitions_from("active")]
    assert names == ["go_on_leave", "leave"]
    assert EmploymentWorkflow.check_source("on_leave", "come_back").target == "active"


def test_it_names_the_current_state_and_the_allowed_steps_when_refusing_without_the_database() -> None:
    with pytest.raises(ValidationError) as refusal:
        EmploymentWorkflow.check_source("active", "come_back")
    message = refusal.value.message_dict["employment_status"][0]
    assert "Come back" in message
    assert "Active" in message
    assert "Go on leave, Leave" in message


def test_it_says_no_step_is_allowed_from_a_final_state() -> None:
    with pytest.raises(ValidationError) as refusal:
        EmploymentWorkflow.check_source("left", "leave")
    assert "no step is allowed" in refusal.value.message_dict["employment_status"][0]


def test_it_rejects_an_unknown_transition_name() -> None:
    with pytest.raises(ValidationError) as refusal:
        EmploymentWorkflow.check_source("active", "promote")
    assert "promote" in refusal.value.messages[0]


def test_it_refuses_to_declare_a_transition_to_a_state_that_does_not_exist() -> None:
    with pytest.raises(TypeError, match="unknown states"):

        class Broken(StateMachine):
            states = EmploymentStatus
            field = "employment_status"
            transitions = [Transition("retire", source=["active"], target="retired")]


def test_it_refuses_a_workflow_whose_states_are_not_text_choices() -> None:
    with pytest.raises(TypeError, match="TextChoices"):

        class FreeText(StateMachine):
            states = str  # type: ignore[assignment]
            transitions = []


def test_its_model_field_offers_only_the_declared_states() -> None:
    field = EmploymentWorkflow.model_field()
    assert field.choices == EmploymentStatus.choices
    assert field.default == "active"
    assert field.max_length == len("on_leave")
    assert field.editable is False


def test_it_moves_the_object_and_audits_the_transition(owner: Person, colleague: Person) -> None:
    EmploymentWorkflow.apply(colleague, "go_on_leave", by=owner, reason="Parental leave")

    assert colleague.employment_status == EmploymentStatus.ON_LEAVE
    assert status_in_database(colleague) == EmploymentStatus.ON_LEAVE
    [event] = transition_events(colleague)
    assert event.actor_id == owner.pk
    assert event.changes == {"employment_status": ["active", "on_leave"], "transition": "go_on_leave"}
    assert event.reason == "Parental leave"


def test_it_refuses_a_transition_from_the_wrong_state_and_changes_nothing(
    owner: Person, colleague: Person
) -> None:
    with pytest.raises(ValidationError) as refusal:
        EmploymentWorkflow.apply(colleague, "come_back", by=owner)

    assert "Active" in refusal.value.message_dict["employment_status"][0]
    assert status_in_database(colleague) == EmploymentStatus.ACTIVE
    assert transition_events(colleague) == []


def test_it_requires_a_reason_that_is_not_blank(owner: Person, colleague: Person) -> None:
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as refusal:
            EmploymentWorkflow.apply(colleague, "leave", by=owner, reason=reason)
        assert "reason" in refusal.value.message_dict

    assert status_in_database(colleague) == EmploymentStatus.ACTIVE
    assert transition_events(colleague) == []


def test_it_refuses_when_the_guard_gives_a_reason(owner: Person, colleague: Person) -> None:
    EmploymentWorkflow.apply(colleague, "go_on_leave", by=owner)

    with pytest.raises(ValidationError) as refusal:
        EmploymentWorkflow.apply(colleague, "come_back", by=owner)
    assert refusal.value.messages == ["Give the person a manager before they come back."]
    assert status_in_database(colleague) == EmploymentStatus.ON_LEAVE

    Person.objects.filter(pk=colleague.pk).update(manager=owner)
    colleague.refresh_from_db()
    EmploymentWorkflow.apply(colleague, "come_back", by=owner)
    assert status_in_database(colleague) == EmploymentStatus.ACTIVE


def test_it_answers_an_actor_without_permission_as_if_the_object_were_missing(
    colleague: Person, outsider: Person
) -> None:
    # The outsider administers another site; the colleague may only view themselves.
    for actor in (outsider, colleague):
        with pytest.raises(Http404):
            EmploymentWorkflow.apply(colleague, "go_on_leave", by=actor)

    assert status_in_database(colleague) == EmploymentStatus.ACTIVE
    assert transition_events(colleague) == []


def test_it_takes_the_state_from_the_database_row_not_a_stale_copy(owner: Person, colleague: Person) -> None:
    stale_copy = Person.objects.get(pk=colleague.pk)
    EmploymentWorkflow.apply(colleague, "go_on_leave", by=owner)

    with pytest.raises(ValidationError) as refusal:
        EmploymentWorkflow.apply(stale_copy, "go_on_leave", by=owner)
    assert "On leave" in refusal.value.message_dict["employment_status"][0]
    assert len(transition_events(colleague)) == 1


def test_it_runs_the_hooks_only_once_the_change_is_committed(
    owner: Person, colleague: Person, django_capture_on_commit_callbacks: Any
) -> None:
    hook_calls.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        EmploymentWorkflow.apply(colleague, "leave", by=owner, reason="Moved abroad")
    assert hook_calls == []

    for callback in callbacks:
        callback()
    [(person, applied)] = hook_calls
    assert person.pk == colleague.pk
    assert (applied.source, applied.target, applied.reason) == ("active", "left", "Moved abroad")
    assert applied.by == owner
    assert applied.event.action == AuditAction.TRANSITION


def test_it_lists_the_transitions_the_actor_may_take_now(
    owner: Person, colleague: Person, outsider: Person
) -> None:
    assert [transition.name for transition in EmploymentWorkflow.allowed_transitions(colleague, owner)] == [
        "go_on_leave",
        "leave",
    ]
    assert EmploymentWorkflow.allowed_transitions(colleague, outsider) == []

    EmploymentWorkflow.apply(colleague, "go_on_leave", by=owner)
    # Coming back is guarded (no manager yet), so only leaving remains.
    assert [transition.name for transition in EmploymentWorkflow.allowed_transitions(colleague, owner)] == [
        "leave"
    ]


class DefaultPermissionWorkflow(StateMachine):
    """Transitions that name no permission, and one that opts out of it explicitly."""

    states = EmploymentStatus
    field = "employment_status"
    transitions = [
        Transition("go_on_leave", source=[EmploymentStatus.ACTIVE], target=EmploymentStatus.ON_LEAVE),
        Transition(
            "come_back", source=[EmploymentStatus.ON_LEAVE], target=EmploymentStatus.ACTIVE, permission=None
        ),
    ]


def test_a_transition_without_an_explicit_permission_refuses_an_actor_who_cannot_change_the_object(
    owner: Person, colleague: Person
) -> None:
    # The colleague may view themselves but not change themselves.
    with pytest.raises(Http404):
        DefaultPermissionWorkflow.apply(colleague, "go_on_leave", by=colleague)
    assert DefaultPermissionWorkflow.allowed_transitions(colleague, colleague) == []
    assert status_in_database(colleague) == EmploymentStatus.ACTIVE

    DefaultPermissionWorkflow.apply(colleague, "go_on_leave", by=owner)
    assert status_in_database(colleague) == EmploymentStatus.ON_LEAVE


def test_a_transition_may_opt_out_of_the_permission_check_explicitly(
    owner: Person, colleague: Person
) -> None:
    DefaultPermissionWorkflow.apply(colleague, "go_on_leave", by=owner)

    DefaultPermissionWorkflow.apply(colleague, "come_back", by=colleague)

    assert status_in_database(colleague) == EmploymentStatus.ACTIVE
    assert DefaultPermissionWorkflow.transition_named("go_on_leave").permission == Action.CHANGE
