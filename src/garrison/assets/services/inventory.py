"""Writes to the inventory: adding, changing, confirming and deleting assets, and tags.

Every verb takes the acting person as `by` (None for the system), runs in one
transaction and appends its audit event. Besides the fields given, the services keep
the derived ones current: the classification (highest C/I/A rating), the effective
criticality (garrison.assets.services.criticality), and the AssetIdentifier rows a
scanner's host is matched against.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from garrison.assets import identifiers
from garrison.assets.identifiers import InvalidIdentifier, Problem
from garrison.assets.models import (
    SITE_TYPES,
    Asset,
    AssetIdentifier,
    IdentifierKind,
    LifecycleStatus,
    Tag,
    derive_classification,
)
from garrison.assets.queries import visible
from garrison.assets.services.criticality import lock_graph, recompute_effective_criticality
from garrison.core import audit
from garrison.core.models import OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant
from garrison.core.services.references import next_reference

# Fields of an asset a person sets; the others are derived or kept by the services.
EDITABLE_FIELDS = frozenset(
    {
        "reference",
        "name",
        "asset_type",
        "owner",
        "unit",
        "site",
        "description",
        "lifecycle_status",
        "confidentiality",
        "integrity",
        "availability",
        "criticality",
        "is_critical_system",
        "ip_addresses",
        "host_names",
        "tags",
        "needs_review",
    }
)
AUTOMATIC_REFERENCE_PREFIX = "AST-"
# Tags are recorded in the audit trail as names under their own key: the history page
# reads a change under a relation's field name as ids of that relation.
TAG_CHANGE_KEY = "tag_names"


def tag_change(before: Sequence[str] | None, after: Sequence[str] | None) -> list[str | None]:
    """A change of tags as the audit trail records it: each side as one line of names."""
    return [", ".join(before) if before else None, ", ".join(after) if after else None]


def identifier_message(problem: InvalidIdentifier) -> str:
    """The refusal of one IP address, host name or tag, in the reader's language."""
    messages = {
        Problem.NOT_AN_IP_ADDRESS: _("“%(value)s” is not an IP address."),
        Problem.NOT_A_HOST_NAME: _("“%(value)s” is not a valid host name."),
        Problem.HOST_NAME_TOO_LONG: _("The host name “%(value)s” is longer than 253 characters."),
        Problem.TAG_NAME_TOO_LONG: _("The tag “%(value)s” is longer than 60 characters."),
        Problem.TAG_NAME_HAS_SEPARATOR: _(
            "The tag “%(value)s” contains a comma or semicolon, which separate tags."
        ),
    }
    return messages[problem.problem] % {"value": problem.value.strip()}


def normalise_lists(
    ip_addresses: Iterable[str] | None, host_names: Iterable[str] | None, tags: Iterable[str] | None
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The three lists normalised (those given), and the refusals by field name."""
    normalisers = {
        "ip_addresses": (ip_addresses, identifiers.normalise_ip_address),
        "host_names": (host_names, identifiers.normalise_host_name),
        "tags": (tags, identifiers.normalise_tag_name),
    }
    kept: dict[str, list[str]] = {}
    errors: dict[str, list[str]] = {}
    for name, (values, normalise) in normalisers.items():
        if values is None:
            continue
        items = identifiers.split_list(values) if isinstance(values, str) else list(values)
        kept[name], refused = identifiers.normalise_all(items, normalise)
        if refused:
            errors[name] = [identifier_message(problem) for problem in refused]
    if "tags" in kept:
        # One tag per name whatever its case: "PCI" and "pci" are the same tag.
        first_spelling: dict[str, str] = {}
        for name in kept["tags"]:
            first_spelling.setdefault(name.casefold(), name)
        kept["tags"] = list(first_spelling.values())
    return kept, errors


def resolve_tags(names: Sequence[str]) -> tuple[list[Tag], list[Tag]]:
    """The tags named, matched whatever their case, and those of them created now.

    The whole vocabulary of tags is read at once: it is small (labels people type),
    and comparing in Python folds the case of any script the same way on every database.
    """
    if not names:
        return [], []
    existing = {tag.name.casefold(): tag for tag in Tag.objects.all()}
    wanted = {name.casefold(): name for name in reversed(names)}
    missing = [Tag(name=name) for key, name in wanted.items() if key not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        # Read back: bulk_create with ignore_conflicts leaves primary keys unset.
        existing.update(
            (tag.name.casefold(), tag) for tag in Tag.objects.filter(name__in=[tag.name for tag in missing])
        )
    created_names = {tag.name for tag in missing}
    tags = [existing[name.casefold()] for name in names]
    return tags, [tag for tag in tags if tag.name in created_names]


@transaction.atomic
def create_tag(name: str, *, by: Any) -> Tag:
    """A new label for grouping assets; an existing tag of that name (in any case) is returned."""
    kept, errors = normalise_lists(None, None, [name])
    if errors:
        raise ValidationError({"name": errors["tags"]})
    if not kept["tags"]:
        raise ValidationError({"name": [_("Give the tag a name.")]})
    tags, created = resolve_tags(kept["tags"])
    for tag in created:
        audit.record(tag, AuditAction.CREATE, by=by, changes={"name": [None, tag.name]})
    return tags[0]


def _require_unit(unit: OrgUnit | None, by: Any, action: Action) -> None:
    if by is not None and unit is not None and not has_grant(by, Domain.ASSETS, action, unit.path):
        raise ValidationError({"unit": [_("Choose a unit whose assets you manage.")]})


def _require_owner(owner: Person | None, by: Any) -> None:
    if by is not None and owner is not None and not visible(Person.objects.filter(pk=owner.pk), by).exists():
        raise ValidationError({"owner": [_("Choose a person you can see in the organisation.")]})


def _check_site(asset: Asset, by: Any) -> dict[str, list[str]]:
    site = asset.site
    if site is None:
        return {}
    if site.pk is not None and site.pk == asset.pk:
        return {"site": [_("An asset cannot be its own site.")]}
    if site.asset_type not in SITE_TYPES or not visible(Asset.objects.filter(pk=site.pk), by).exists():
        return {"site": [_("Choose an asset of type data-center site or room as the site.")]}
    return {}


def _validate(asset: Asset, by: Any, list_errors: dict[str, list[str]]) -> None:
    """Model validation, the site rule and the list refusals, reported together."""
    errors: dict[str, list[str]] = dict(list_errors)
    errors.update(_check_site(asset, by))
    # Derived fields follow from the others; the site was checked above, with a clearer message.
    exclude = ["classification", "effective_criticality", "site"]
    if not asset.reference:
        exclude.append("reference")
    try:
        asset.full_clean(exclude=exclude)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _set_identifiers(asset: Asset) -> None:
    """Mirror the asset's addresses and host names into its lookup rows."""
    AssetIdentifier.objects.filter(asset=asset).delete()
    AssetIdentifier.objects.bulk_create(identifier_rows(asset))


def identifier_rows(asset: Asset) -> list[AssetIdentifier]:
    return [
        *(
            AssetIdentifier(asset=asset, kind=IdentifierKind.IP_ADDRESS, value=value)
            for value in asset.ip_addresses
        ),
        *(
            AssetIdentifier(asset=asset, kind=IdentifierKind.HOST_NAME, value=value)
            for value in asset.host_names
        ),
    ]


def _clean_text(fields: dict[str, Any]) -> None:
    for name in ("reference", "name", "description"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()


def _automatic_reference(asset: Asset) -> str:
    """AST-<number>, from the asset's id, skipping a reference someone already took."""
    return next_reference(asset, AUTOMATIC_REFERENCE_PREFIX, width=0)


@transaction.atomic
def create_asset(
    *,
    by: Any,
    name: str,
    asset_type: str,
    owner: Person,
    unit: OrgUnit,
    reference: str = "",
    site: Asset | None = None,
    description: str = "",
    lifecycle_status: str = LifecycleStatus.IN_SERVICE,
    confidentiality: int = 2,
    integrity: int = 2,
    availability: int = 2,
    criticality: int = 2,
    is_critical_system: bool = False,
    ip_addresses: Iterable[str] = (),
    host_names: Iterable[str] = (),
    tags: Iterable[str] = (),
    needs_review: bool = False,
) -> Asset:
    """Add an asset to the inventory, in a custodian unit whose assets `by` manages.

    Without a reference it is numbered ``AST-<id>``. It depends on nothing yet, so its
    effective criticality is its own.
    """
    _require_unit(unit, by, Action.ADD)
    _require_owner(owner, by)
    text = {"reference": reference, "name": name, "description": description}
    _clean_text(text)
    lists, list_errors = normalise_lists(ip_addresses, host_names, tags)
    asset = Asset(
        reference=text["reference"],
        name=text["name"],
        asset_type=asset_type,
        owner=owner,
        unit=unit,
        site=site,
        description=text["description"],
        lifecycle_status=lifecycle_status,
        confidentiality=confidentiality,
        integrity=integrity,
        availability=availability,
        criticality=criticality,
        effective_criticality=criticality,
        is_critical_system=is_critical_system,
        ip_addresses=lists["ip_addresses"],
        host_names=lists["host_names"],
        needs_review=needs_review,
    )
    asset.classification = derive_classification(confidentiality, integrity, availability)
    _validate(asset, by, list_errors)
    asset.save()
    if not asset.reference:
        asset.reference = _automatic_reference(asset)
        asset.save(update_fields=["reference"])
    tag_objects, _created = resolve_tags(lists["tags"])
    asset.tags.set(tag_objects)
    AssetIdentifier.objects.bulk_create(identifier_rows(asset))
    changes = audit.diff({}, audit.snapshot(asset))
    if tag_objects:
        changes[TAG_CHANGE_KEY] = tag_change(
            None, sorted((tag.name for tag in tag_objects), key=str.casefold)
        )
    audit.record(asset, AuditAction.CREATE, by=by, changes=changes)
    return asset


def tag_names(asset: Asset) -> list[str]:
    """The asset's tag names in name order (from the prefetch cache when there is one)."""
    return sorted((tag.name for tag in asset.tags.all()), key=str.casefold)


def _require_may_change(asset: Asset, by: Any, action: Action = Action.CHANGE) -> None:
    if by is not None and not has_grant(by, Domain.ASSETS, action, asset.unit.path):
        raise PermissionDenied(_("You cannot change assets of this unit."))


@transaction.atomic
def update_asset(asset: Asset, *, by: Any, reason: str = "", **fields: Any) -> Asset:
    """Change an asset's fields (any of EDITABLE_FIELDS; `tags` as names).

    Moving it to another custodian unit needs the same reach there; a change of its
    own criticality recomputes the effective criticality of it and everything it
    depends on. Records one event with every field that changed, tags included.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"update_asset() cannot set {', '.join(sorted(unknown))}")
    _require_may_change(asset, by)
    if "unit" in fields and fields["unit"] != asset.unit:
        _require_unit(fields["unit"], by, Action.CHANGE)
    if "owner" in fields and fields["owner"] != asset.owner:
        _require_owner(fields["owner"], by)
    _clean_text(fields)
    lists, list_errors = normalise_lists(
        fields.pop("ip_addresses", None), fields.pop("host_names", None), fields.pop("tags", None)
    )
    before = audit.snapshot(asset)
    tags_before = tag_names(asset)
    for name, value in fields.items():
        setattr(asset, name, value)
    for name in ("ip_addresses", "host_names"):
        if name in lists:
            setattr(asset, name, lists[name])
    asset.classification = derive_classification(asset.confidentiality, asset.integrity, asset.availability)
    _validate(asset, by, list_errors)
    changes = audit.diff(before, audit.snapshot(asset))
    tag_objects = resolve_tags(lists["tags"])[0] if "tags" in lists else None
    if tag_objects is not None:
        tags_after = sorted((tag.name for tag in tag_objects), key=str.casefold)
        if tags_after != tags_before:
            changes[TAG_CHANGE_KEY] = tag_change(tags_before, tags_after)
            asset.tags.set(tag_objects)
    if not changes:
        return asset
    # Only what changed: the derived effective criticality in memory may be older than
    # the stored one, which dependency changes keep current.
    changed_fields = [name for name in changes if name != TAG_CHANGE_KEY]
    if changed_fields:
        asset.save(update_fields=[*changed_fields, "updated_at"])
    if "ip_addresses" in changes or "host_names" in changes:
        _set_identifiers(asset)
    audit.record(asset, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    if "criticality" in changes:
        recompute_effective_criticality(
            [asset.pk],
            by=by,
            reason=_("The business criticality of %(asset)s changed.") % {"asset": asset.reference},
        )
    asset.refresh_from_db(fields=["effective_criticality"])
    return asset


@transaction.atomic
def confirm_asset(asset: Asset, *, by: Any, reason: str = "") -> Asset:
    """The owner (or someone managing the unit's assets) confirms an asset a scan or an
    import found, so that it no longer needs review."""
    if by is not None and getattr(by, "pk", None) != asset.owner_id:
        _require_may_change(asset, by)
    if not asset.needs_review:
        return asset
    asset.needs_review = False
    asset.save(update_fields=["needs_review", "updated_at"])
    audit.record(asset, AuditAction.UPDATE, by=by, changes={"needs_review": [True, False]}, reason=reason)
    return asset


@transaction.atomic
def delete_asset(asset: Asset, *, by: Any, reason: str = "") -> None:
    """Remove an asset from the inventory.

    Refused while anything still needs it: assets depending on it, assets located at
    it, risk scenarios assessing it (retire it instead, to keep that history). Its own
    dependencies go with it, and what it depended on is recomputed, since it no
    longer raises their effective criticality.
    """
    _require_may_change(asset, by, Action.DELETE)
    lock_graph()
    problems = []
    dependents = list(
        asset.dependents.order_by("dependent__reference").values_list("dependent__reference", flat=True)
    )
    if dependents:
        problems.append(
            _("%(references)s depend on it; remove those dependencies first.")
            % {"references": ", ".join(dependents[:10]) + (" …" if len(dependents) > 10 else "")}
        )
    located = asset.located_assets.count()
    if located:
        problems.append(_("%(count)d assets are located at it.") % {"count": located})
    risks = asset.risk_scenarios.count()
    if risks:
        problems.append(
            _("%(count)d risk scenarios assess it; retire it instead to keep their history.")
            % {"count": risks}
        )
    if problems:
        raise ValidationError(
            _("%(asset)s cannot be deleted: %(problems)s")
            % {"asset": asset.reference, "problems": " ".join(problems)}
        )
    depended_on = list(asset.dependencies.values_list("dependency_id", flat=True))
    event = audit.pending_for(
        asset,
        AuditAction.DELETE,
        by=by,
        changes={**audit.diff(audit.snapshot(asset), {}), TAG_CHANGE_KEY: tag_change(tag_names(asset), None)},
        reason=reason,
    )
    asset.delete()
    audit.record_many([event])
    if depended_on:
        recompute_effective_criticality(
            depended_on,
            by=by,
            reason=_("%(asset)s, which depended on it, was deleted.") % {"asset": event.object_repr},
        )
