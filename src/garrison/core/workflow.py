"""Declarative state machines for every workflow of the platform.

A workflow names its states (a TextChoices, never free text), the model field that
holds them, and a table of transitions::

    class RiskStatus(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")

    class RiskWorkflow(StateMachine):
        states = RiskStatus
        field = "status"
        transitions = [
            Transition("submit", source=[RiskStatus.DRAFT], target=RiskStatus.SUBMITTED, label=_("Submit")),
            Transition("accept", source=[RiskStatus.SUBMITTED], target=RiskStatus.ACCEPTED,
                       label=_("Accept"), guard=has_treatment, requires_reason=True,
                       on_commit=[notify_owner]),
        ]

    status = RiskWorkflow.model_field()          # on the model
    RiskWorkflow.apply(risk, "accept", by=person, reason="...")   # in a service

`apply` is the only writer of the state field. In one transaction it locks the row,
checks the actor's permission (CHANGE on the object unless the transition names
another action, or None to need none; a refused actor gets Http404, exactly as for a
missing object), that the transition leaves the current state, the reason and the
guard; then saves the new state and appends a "transition" audit event. Hooks in
`on_commit` run once the change is committed. The table lookups (`transition_named`,
`transitions_from`, `check_source`) touch no database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scoping import can

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

# A guard allows the transition by returning None or True; otherwise it returns the
# reason it refuses (False gives a generic message).
Guard = Callable[[Any, Any], bool | str | Promise | None]
Hook = Callable[[Any, "AppliedTransition"], None]


@dataclass(frozen=True)
class Transition:
    """One row of a transition table: from which states, to which, under which conditions."""

    name: str
    source: Sequence[str]
    target: str
    label: str | Promise = ""
    guard: Guard | None = None
    requires_reason: bool = False
    # Secure by default: taking a step changes the object. None opts out explicitly
    # (a step anyone who can see the object may take, e.g. acknowledging it).
    permission: Action | str | None = Action.CHANGE
    on_commit: Sequence[Hook] = ()

    @property
    def display(self) -> str:
        return str(self.label or self.name)


@dataclass(frozen=True)
class AppliedTransition:
    """What a hook is told: which transition ran, between which states, by whom, why."""

    transition: Transition
    source: str
    target: str
    by: Any
    reason: str
    event: Any


class StateMachine:
    """Base class of a workflow; subclasses declare `states`, `field` and `transitions`."""

    states: ClassVar[type[models.TextChoices]]
    field: ClassVar[str] = "status"
    transitions: ClassVar[Sequence[Transition]] = ()
    initial: ClassVar[str | None] = None
    _by_name: ClassVar[dict[str, Transition]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        states = getattr(cls, "states", None)
        if not (isinstance(states, type) and issubclass(states, models.TextChoices)):
            raise TypeError(f"{cls.__name__}.states must be a TextChoices class")
        known = set(states.values)
        by_name: dict[str, Transition] = {}
        for transition in cls.transitions:
            if transition.name in by_name:
                raise TypeError(f"{cls.__name__} declares transition {transition.name!r} twice")
            unknown = {*transition.source, transition.target} - known
            if unknown:
                raise TypeError(f"{cls.__name__}.{transition.name} uses unknown states {sorted(unknown)}")
            if not transition.source:
                raise TypeError(f"{cls.__name__}.{transition.name} has no source state")
            by_name[transition.name] = transition
        if cls.initial is not None and cls.initial not in known:
            raise TypeError(f"{cls.__name__}.initial is not one of its states")
        cls._by_name = by_name

    # Pure table lookups.

    @classmethod
    def state_label(cls, state: str) -> str:
        try:
            return str(cls.states(state).label)
        except ValueError:
            return state

    @classmethod
    def transition_named(cls, name: str) -> Transition:
        try:
            return cls._by_name[name]
        except KeyError:
            raise ValidationError(
                {NON_FIELD_ERRORS: [_("There is no step called “%(transition)s”.") % {"transition": name}]},
                code="unknown_transition",
            ) from None

    @classmethod
    def transitions_from(cls, state: str) -> list[Transition]:
        return [transition for transition in cls.transitions if state in transition.source]

    @classmethod
    def check_source(cls, state: str, name: str) -> Transition:
        """The transition `name` if it may leave `state`; a ValidationError naming the
        current state and the steps allowed from it otherwise."""
        transition = cls.transition_named(name)
        if state in transition.source:
            return transition
        allowed = [candidate.display for candidate in cls.transitions_from(state)]
        if allowed:
            message = _(
                "“%(transition)s” is not possible while the state is %(state)s; allowed: %(allowed)s."
            )
        else:
            message = _("“%(transition)s” is not possible while the state is %(state)s; no step is allowed.")
        raise ValidationError(
            {
                cls.field: [
                    message
                    % {
                        "transition": transition.display,
                        "state": cls.state_label(state),
                        "allowed": ", ".join(allowed),
                    }
                ]
            },
            code="invalid_transition",
        )

    # Model declaration.

    @classmethod
    def model_field(
        cls, verbose_name: StrOrPromise | None = None, **options: Any
    ) -> models.CharField[Any, Any]:
        """The CharField holding the state: choices from `states`, default `initial`
        (or the first state), not editable by forms since only `apply` writes it."""
        options.setdefault("max_length", max(len(value) for value in cls.states.values))
        options.setdefault("choices", cls.states.choices)
        options.setdefault("default", cls.initial or cls.states.values[0])
        options.setdefault("editable", False)
        options.setdefault("db_index", True)
        return models.CharField(verbose_name or gettext_lazy("status"), **options)

    # Against the database.

    @classmethod
    def _permits(cls, transition: Transition, obj: models.Model, by: Any) -> bool:
        return transition.permission is None or can(by, transition.permission, obj)

    @classmethod
    def _guard_message(cls, transition: Transition, obj: models.Model, by: Any) -> str | None:
        if transition.guard is None:
            return None
        verdict = transition.guard(obj, by)
        if verdict is None or verdict is True:
            return None
        if verdict is False:
            return _("“%(transition)s” is not possible now.") % {"transition": transition.display}
        return str(verdict)

    @classmethod
    def allowed_transitions(cls, obj: models.Model, by: Any) -> list[Transition]:
        """Transitions `by` may take on `obj` now (for the buttons of a detail page).
        Those needing a reason are included: the page asks for it."""
        state = getattr(obj, cls.field)
        return [
            transition
            for transition in cls.transitions_from(state)
            if cls._permits(transition, obj, by) and cls._guard_message(transition, obj, by) is None
        ]

    @classmethod
    def apply(cls, obj: models.Model, name: str, *, by: Any, reason: str = "") -> models.Model:
        """Take transition `name` on `obj` as `by`; returns `obj` in its new state.

        Raises Http404 when the transition needs a permission `by` lacks on `obj`
        (the same answer as for a missing object, so nothing about it leaks), and
        ValidationError for a wrong state, a missing reason or a refusing guard.
        """
        transition = cls.transition_named(name)
        reason = (reason or "").strip()
        model = type(obj)
        with transaction.atomic():
            # Lock the row and read its state there: two concurrent transitions serialise,
            # and the second sees the first one's result.
            locked = model._default_manager.select_for_update().filter(pk=obj.pk).first()
            if locked is None or not cls._permits(transition, locked, by):
                raise Http404
            source = getattr(locked, cls.field)
            cls.check_source(source, name)
            if transition.requires_reason and not reason:
                raise ValidationError(
                    {
                        "reason": [
                            _("Give a reason for “%(transition)s”.") % {"transition": transition.display}
                        ]
                    },
                    code="reason_required",
                )
            refusal = cls._guard_message(transition, locked, by)
            if refusal is not None:
                raise ValidationError({NON_FIELD_ERRORS: [refusal]}, code="guard")
            setattr(locked, cls.field, transition.target)
            update_fields = [cls.field] + [
                model_field.name
                for model_field in model._meta.concrete_fields
                if getattr(model_field, "auto_now", False)
            ]
            locked.save(update_fields=update_fields)
            event = audit.record(
                locked,
                AuditAction.TRANSITION,
                by=by,
                changes={cls.field: [source, transition.target], "transition": transition.name},
                reason=reason,
            )
            for name_of_field in update_fields:
                setattr(obj, name_of_field, getattr(locked, name_of_field))
            applied = AppliedTransition(
                transition=transition,
                source=source,
                target=transition.target,
                by=by,
                reason=reason,
                event=event,
            )
            for hook in transition.on_commit:
                transaction.on_commit(partial(hook, obj, applied))
        return obj


def is_requester(request: Any, by: Any) -> str | None:
    """Guard of a withdrawal: only the person who asked (`request.requested_by`) may."""
    if getattr(by, "pk", None) != request.requested_by_id:
        return _("Only the person who asked may withdraw this request.")
    return None


def four_eyes_transitions(
    states: Any, *, may_decide: Guard, on_decided: Sequence[Hook] = ()
) -> list[Transition]:
    """The transition table of a request someone other than the requester decides (a risk
    acceptance, an exception to a finding's remediation): requested → approved | rejected
    (with a reason) by whoever `may_decide` allows, → withdrawn by the requester; approved →
    expired by the system's daily job.

    `states` has the members REQUESTED, APPROVED, REJECTED, WITHDRAWN and EXPIRED. Deciding
    needs only sight of the request in the workflow itself, so that a person out of reach
    gets 404 and the guard then names what is missing.
    """
    return [
        Transition(
            "approve",
            source=[states.REQUESTED],
            target=states.APPROVED,
            label=gettext_lazy("Approve"),
            guard=may_decide,
            permission=Action.VIEW,
            on_commit=on_decided,
        ),
        Transition(
            "reject",
            source=[states.REQUESTED],
            target=states.REJECTED,
            label=gettext_lazy("Reject"),
            guard=may_decide,
            requires_reason=True,
            permission=Action.VIEW,
            on_commit=on_decided,
        ),
        Transition(
            "withdraw",
            source=[states.REQUESTED],
            target=states.WITHDRAWN,
            label=gettext_lazy("Withdraw"),
            guard=is_requester,
            permission=Action.VIEW,
        ),
        # Taken by the daily job only (permission None: the system acts).
        Transition(
            "expire",
            source=[states.APPROVED],
            target=states.EXPIRED,
            label=gettext_lazy("Expire"),
            permission=None,
        ),
    ]
