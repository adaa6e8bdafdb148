"""The one choke point for authorization, shared by the web UI and the API.

A person sees an object when one of their role assignments grants the action on
the object's domain and the object's owning unit lies inside the unit subtree the
role is held on; or when the model lets the object's owner act on it. Everything
else answers exactly as a missing object does (404).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from garrison.core.roles import APPROVER_ROLES, GRANTS, Action, Domain, Role

if TYPE_CHECKING:
    from garrison.core.models import Person

ModelT = TypeVar("ModelT", bound=models.Model)

_CACHE_ATTRIBUTE = "_garrison_grant_paths"
_ROOTS_ATTRIBUTE = "_garrison_root_paths"


@dataclass(frozen=True)
class Scope:
    """How a model is scoped: its domain, the lookup to its owning unit's path, its owner.

    `unit_path` is a lookup ending at an OrgUnit.path (``"unit__path"``), or None for
    objects that belong to the whole organisation (visible wherever the domain is
    granted on the root unit). `owner` is a lookup to the Person who owns the object;
    the owner may take `owner_actions` on it whatever their roles. A `private` object
    (a notification, a preference) is for its owner alone: no role reaches it, not
    even the installation superuser's.
    """

    domain: Domain
    unit_path: str | None = "unit__path"
    owner: str | None = None
    owner_actions: frozenset[Action] = frozenset({Action.VIEW})
    private: bool = False
    shared: bool = False
    # Rows that name their own domain in this field (a RACI line or an attachment takes
    # the domain of the object it is about); `domain` is then the domain of new rows
    # that are about nothing in particular.
    domain_field: str | None = None


def grant_paths(person: Person) -> dict[tuple[Domain, Action], list[str]]:
    """For each (domain, action), the unit paths under which `person` holds it.

    Computed once per person object (so once per request) and collapsed so that no
    path in a list lies under another one of the same list.
    """
    cached = getattr(person, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    from garrison.core.models import RoleAssignment

    raw: dict[tuple[Domain, Action], set[str]] = defaultdict(set)
    assignments = RoleAssignment.objects.filter(person=person).values_list("role", "unit__path")
    for role, path in assignments:
        for domain, actions in GRANTS[Role(role)].items():
            for action in actions:
                raw[(domain, action)].add(path)
    collapsed = {key: _collapse(paths) for key, paths in raw.items()}
    setattr(person, _CACHE_ATTRIBUTE, collapsed)
    return collapsed


def forget_grants(person: Person) -> None:
    """Drop the cached grants, after the person's role assignments changed."""
    for attribute in (_CACHE_ATTRIBUTE, _ROOTS_ATTRIBUTE):
        if hasattr(person, attribute):
            delattr(person, attribute)


def _covers_every_tree(person: Person, paths: list[str]) -> bool:
    """Whether `paths` include the root of every tree, so that no filter is needed.

    The roots are read once per person object (once per request), so a second
    organisation tree is never covered by a grant on the first one.
    """
    held_roots = {path for path in paths if path.count("/") == 2}
    if not held_roots:
        return False
    roots = getattr(person, _ROOTS_ATTRIBUTE, None)
    if roots is None:
        from garrison.core.models import OrgUnit

        roots = frozenset(OrgUnit.objects.filter(parent__isnull=True).values_list("path", flat=True))
        setattr(person, _ROOTS_ATTRIBUTE, roots)
    return roots <= held_roots


def _collapse(paths: set[str]) -> list[str]:
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(shorter) for shorter in kept):
            kept.append(path)
    return kept


def is_authenticated_person(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def has_grant(person: Any, domain: Domain, action: Action, unit_path: str | None = None) -> bool:
    """Whether `person` holds `action` on `domain` somewhere (or over `unit_path` when given)."""
    if not is_authenticated_person(person):
        return False
    if person.is_superuser:
        return True
    paths = grant_paths(person).get((domain, action), [])
    if unit_path is None:
        return bool(paths)
    return any(unit_path.startswith(path) for path in paths)


def has_grant_everywhere(person: Any, domain: Domain, action: Action) -> bool:
    """Whether `person` holds `action` on `domain` over every organisation tree."""
    if not is_authenticated_person(person):
        return False
    if person.is_superuser:
        return True
    return _covers_every_tree(person, grant_paths(person).get((domain, action), []))


def restrict(queryset: QuerySet[ModelT], person: Any, action: Action | str = Action.VIEW) -> QuerySet[ModelT]:
    """The part of `queryset` on which `person` may take `action`."""
    if not is_authenticated_person(person):
        return queryset.none()
    scope: Scope = queryset.model.scope  # type: ignore[attr-defined]
    action = Action(action)
    if scope.private:
        if scope.owner is None or action not in scope.owner_actions:
            return queryset.none()
        return queryset.filter(**{scope.owner: person.pk})
    if person.is_superuser:
        return queryset
    if scope.domain_field is not None:
        return queryset.filter(_per_row_domain_condition(scope, person, action))
    paths = grant_paths(person).get((scope.domain, action), [])
    condition = Q(pk__in=[])
    if _covers_every_tree(person, paths):
        return queryset
    if scope.shared and action == Action.VIEW and paths:
        return queryset
    if scope.unit_path is not None and paths:
        # Organisation-wide objects (no unit) need the grant over every tree, checked above.
        condition |= _under_paths(scope.unit_path, paths)
    if scope.owner and action in scope.owner_actions:
        condition |= Q(**{scope.owner: person.pk})
    return queryset.filter(condition)


def _under_paths(unit_path: str, paths: list[str]) -> Q:
    """Rows whose owning unit lies under one of `paths`.

    A lookup through a relation to the unit (``supplier__unit__path``) becomes a test of
    the unit's id against the ids of the units under those paths: the database then reads
    the row's own column instead of joining every row to its unit, which let a scoped
    supplier list count 100,000 rows in 30 ms rather than 120 ms (docs/performance.md)."""
    under = Q(pk__in=[])
    for path in paths:
        under |= Q(path__startswith=path)
    if unit_path.endswith("__path"):
        from garrison.core.models import OrgUnit

        units = OrgUnit.objects.filter(under).values("pk")
        return Q(**{f"{unit_path.removesuffix('__path')}__in": units})
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{unit_path}__startswith": path})
    return condition


def _per_row_domain_condition(scope: Scope, person: Any, action: Action) -> Q:
    """Rows whose own domain the person holds `action` on, under the rows' owning units."""
    if scope.domain_field is None or scope.unit_path is None:
        raise ValueError("A per-row domain needs both domain_field and unit_path")
    grants = grant_paths(person)
    condition = Q(pk__in=[])
    for domain in Domain:
        paths = grants.get((domain, action), [])
        if not paths:
            continue
        if _covers_every_tree(person, paths):
            condition |= Q(**{scope.domain_field: domain})
            continue
        for path in paths:
            condition |= Q(**{scope.domain_field: domain, f"{scope.unit_path}__startswith": path})
    if scope.owner and action in scope.owner_actions:
        condition |= Q(**{scope.owner: person.pk})
    return condition


def all_visible(model: type[models.Model], person: Any, pks: Iterable[Any]) -> bool:
    """Whether `person` may see every `model` object among `pks`; empty references (None)
    are not checked. Services use it to refuse a link to something out of sight exactly as
    a link to something missing."""
    wanted = {pk for pk in pks if pk is not None}
    if not wanted:
        return True
    return restrict(model._default_manager.filter(pk__in=wanted), person, Action.VIEW).count() == len(wanted)


def scoped_choices(
    model: type[ModelT], action: Action | str = Action.VIEW
) -> Callable[[Any], QuerySet[ModelT]]:
    """A queryset factory for form and filter choices: only what the requesting person
    may see can be chosen, so a filter cannot tell an out-of-reach id from a missing one."""

    def choices(request: Any) -> QuerySet[ModelT]:
        return restrict(model._default_manager.all(), getattr(request, "user", None), action)

    return choices


def can(person: Any, action: Action | str, obj: models.Model) -> bool:
    """Whether `person` may take `action` on the saved object `obj`."""
    model = type(obj)
    return restrict(model._default_manager.all(), person, action).filter(pk=obj.pk).exists()


def approval_paths(person: Any, domain: Domain) -> list[str]:
    """The unit paths under which `person` holds a role with the authority to decide
    acceptances in `domain`."""
    if not is_authenticated_person(person):
        return []
    from garrison.core.models import RoleAssignment

    roles = APPROVER_ROLES.get(domain, frozenset())
    held = RoleAssignment.objects.filter(person=person, role__in=roles)
    return list(held.values_list("unit__path", flat=True))


def ancestor_paths(unit_path: str) -> list[str]:
    """The paths of a unit and of every unit above it (``/1/4/9/`` → ``/1/``, ``/1/4/``, ``/1/4/9/``)."""
    ids = [part for part in unit_path.split("/") if part]
    return ["/" + "/".join(ids[: depth + 1]) + "/" for depth in range(len(ids))]


def approvers(domain: Domain, unit_path: str) -> list[Person]:
    """The active people holding a role with the authority to decide acceptances in `domain`
    over the unit at `unit_path` (held on the unit or on one above it), by id."""
    from garrison.core.models import EmploymentStatus, Person, RoleAssignment

    holders = RoleAssignment.objects.filter(
        role__in=APPROVER_ROLES.get(domain, frozenset()), unit__path__in=ancestor_paths(unit_path)
    ).values_list("person_id", flat=True)
    people = Person.objects.filter(pk__in=holders).exclude(employment_status=EmploymentStatus.LEFT)
    return list(people.order_by("pk"))


def may_approve(person: Any, domain: Domain, unit_path: str | None = None) -> bool:
    """Whether `person` holds a role with the authority to decide acceptances in `domain`
    over the unit at `unit_path`, or anywhere when no path is given (the requester is
    refused separately, by the service)."""
    if is_authenticated_person(person) and person.is_superuser:
        return True
    held = approval_paths(person, domain)
    if unit_path is None:
        return bool(held)
    return any(unit_path.startswith(path) for path in held)


def is_system(by: Any) -> bool:
    """Whether the system acts (a job, the console, the demo: None or an actor label) rather
    than a person. A request always carries a user object, anonymous or not, so a string or
    None never comes from a web page or the API."""
    return by is None or isinstance(by, str)


def require(by: Any, action: Action, obj: models.Model) -> None:
    """Refuse a person who may not take `action` on `obj` exactly as a missing object is
    refused (Http404); the system may act on anything."""
    if not is_system(by) and not can(by, action, obj):
        raise Http404
