"""The supplier master: registering a supplier, changing its facts, removing one registered
by mistake; its contacts and qualification documents; and the categories suppliers are
filed under. Every write to these goes through here.

Each verb validates everything at once (names, the unified social credit code with its
check digit, the country, the unit, categories, assets and the manager within the actor's
reach) and raises one ValidationError naming each field, runs in one transaction and
appends its audit event. The region and the normalised name are derived, never typed.
A new supplier whose credit code is already registered is refused; one whose name is
near-identical to a registered supplier's is refused with a warning naming it, unless the
person confirms it is a different company (`allow_duplicate=True`).

The status is not changed here (garrison.suppliers.services.classification does that).
With `by=None` (or an actor label such as "seed-demo") the system acts and the reach
checks are skipped.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as NumberError

from garrison.assets.models import Asset
from garrison.core import audit
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import all_visible, has_grant, has_grant_everywhere, is_system, require
from garrison.core.services import files as file_services
from garrison.core.services.records import create_record, delete_record, update_record
from garrison.core.services.references import save_numbered
from garrison.suppliers import regions
from garrison.suppliers.models import (
    QualificationDocument,
    Supplier,
    SupplierCategory,
    SupplierContact,
)
from garrison.suppliers.names import normalise_name

REFERENCE_PREFIX = "SUP-"
# fuzz.ratio of two normalised names from which they are taken for the same company.
DUPLICATE_NAME_SCORE = 92
# The shortest word of a name worth looking up among the English names.
LOOKUP_WORD_LENGTH = 4

RELATED_FIELDS = frozenset({"categories", "assets"})
CHANGEABLE_FIELDS = frozenset(
    {
        "name",
        "name_en",
        "credit_code",
        "registration_number",
        "country",
        "tier",
        "unit",
        "manager",
        "services",
        "website",
        "address",
        "notes",
        *RELATED_FIELDS,
    }
)
TEXT_FIELDS = ("name", "name_en", "registration_number", "services", "website", "address", "notes")
CONTACT_FIELDS = frozenset({"name", "role", "email", "phone", "is_primary"})
DOCUMENT_FIELDS = frozenset({"kind", "number", "issuer", "issued_on", "expires_on", "notes"})
CATEGORY_FIELDS = frozenset({"code", "name", "name_zh", "description", "is_active"})


# Checks ----------------------------------------------------------------------------------------


def compact_credit_code(value: Any) -> str:
    """The code without spaces or dashes, in capitals, as it is stored."""
    return uscc.compact(str(value or "")) if value else ""


def credit_code_problem(code: str) -> str | None:
    """What is wrong with a (compact) unified social credit code, or None when it is valid."""
    try:
        uscc.validate(code)
    except InvalidLength:
        return _(
            "A unified social credit code has 18 characters; %(code)s has %(count)d. Copy it from the "
            "business licence."
        ) % {"code": code, "count": len(code)}
    except InvalidChecksum:
        return _(
            "The unified social credit code %(code)s fails its check digit; check the code on the "
            "business licence."
        ) % {"code": code}
    except NumberError:
        return _(
            "The unified social credit code %(code)s is malformed: it starts with 8 digits and uses "
            "only digits and capital letters other than I, O, Z, S and V. Check the code on the "
            "business licence."
        ) % {"code": code}
    return None


def _named(suppliers: Iterable[Supplier]) -> str:
    return "; ".join(f"{supplier.reference} {supplier.display_name}" for supplier in suppliers)


def _check_identity(supplier: Supplier, errors: dict[str, list[str]]) -> None:
    """Names, country and credit code; derives the region and the normalised name."""
    if not supplier.name and not supplier.name_en:
        errors.setdefault("name", []).append(_("Enter the legal name in Chinese, in English, or both."))
    elif not supplier.normalised_name:
        errors.setdefault("name", []).append(
            _("The name holds only a legal form (such as 有限公司 or Co., Ltd.); enter the company's name.")
        )
    if not regions.is_country(supplier.country):
        errors.setdefault("country", []).append(
            _("Choose a country or region from the list (a two-letter ISO code such as CN, HK or DE).")
        )
    if supplier.credit_code:
        problem = credit_code_problem(supplier.credit_code)
        if problem:
            errors.setdefault("credit_code", []).append(problem)
    elif supplier.country == regions.MAINLAND_COUNTRY:
        errors.setdefault("credit_code", []).append(
            _("A mainland supplier needs its unified social credit code (on its business licence).")
        )


def _check_code_taken(supplier: Supplier, errors: dict[str, list[str]]) -> None:
    if not supplier.credit_code or "credit_code" in errors:
        return
    holders = Supplier.objects.filter(credit_code=supplier.credit_code).exclude(pk=supplier.pk)
    if holders.exists():
        errors.setdefault("credit_code", []).append(
            _("This unified social credit code is already registered for %(suppliers)s.")
            % {"suppliers": _named(holders[:3])}
        )


def _check_reach(
    supplier: Supplier,
    *,
    by: Any,
    action: Action,
    changed: set[str],
    related: dict[str, list[Any]],
    errors: dict[str, list[str]],
) -> None:
    unit = supplier.unit if supplier.unit_id else None
    if "unit" in changed and unit is not None and not has_grant(by, Domain.SUPPLIERS, action, unit.path):
        errors.setdefault("unit", []).append(_("You do not manage suppliers in this unit."))
    if "assets" in related and not all_visible(Asset, by, [asset.pk for asset in related["assets"]]):
        errors.setdefault("assets", []).append(_("Asset not found."))
    if "manager" in changed and not all_visible(Person, by, [supplier.manager_id]):
        errors.setdefault("manager", []).append(_("Person not found."))


def _check_manager(supplier: Supplier, errors: dict[str, list[str]]) -> None:
    if not supplier.manager_id or "manager" in errors:
        return
    manager: Person = supplier.manager  # type: ignore[assignment]
    if not manager.is_active:
        errors.setdefault("manager", []).append(_("%(name)s has left.") % {"name": manager.full_name})
        return
    unit = supplier.unit if supplier.unit_id else None
    if unit is not None and not has_grant(manager, Domain.SUPPLIERS, Action.VIEW, unit.path):
        errors.setdefault("manager", []).append(
            _("%(name)s does not work with suppliers of %(unit)s; choose a supplier manager who does.")
            % {"name": manager.full_name, "unit": unit.name}
        )


def _check_categories(
    supplier: Supplier, related: dict[str, list[Any]], errors: dict[str, list[str]]
) -> None:
    if "categories" not in related:
        return
    kept = set(supplier.categories.values_list("pk", flat=True)) if supplier.pk else set()
    retired = [
        category.name
        for category in related["categories"]
        if not category.is_active and category.pk not in kept
    ]
    if retired:
        errors.setdefault("categories", []).append(
            _("No longer in use: %(categories)s. Choose another category.")
            % {"categories": ", ".join(retired)}
        )


def _validate(
    supplier: Supplier,
    *,
    by: Any,
    action: Action,
    changed: set[str],
    related: dict[str, list[Any]],
) -> None:
    """Every rule at once, so the person sees every refusal in one go."""
    errors: dict[str, list[str]] = {}
    try:
        # The credit code is checked below, with a message saying what to do.
        supplier.full_clean(exclude=["reference", "normalised_name", "region", "credit_code"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    _check_identity(supplier, errors)
    _check_code_taken(supplier, errors)
    _check_categories(supplier, related, errors)
    if not is_system(by):
        _check_reach(supplier, by=by, action=action, changed=changed, related=related, errors=errors)
    if changed & {"manager", "unit"}:
        _check_manager(supplier, errors)
    if errors:
        raise ValidationError(errors)


def _split(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """Scalar fields, cleaned (text stripped, code compacted, country in capitals), and the
    related lists."""
    unknown = set(fields) - CHANGEABLE_FIELDS
    if unknown:
        raise TypeError(f"unexpected supplier fields {sorted(unknown)}")
    scalars = {name: value for name, value in fields.items() if name not in RELATED_FIELDS}
    related = {name: list(fields[name] or []) for name in RELATED_FIELDS if name in fields}
    for name in TEXT_FIELDS:
        if isinstance(scalars.get(name), str):
            scalars[name] = scalars[name].strip()
    if "credit_code" in scalars:
        scalars["credit_code"] = compact_credit_code(scalars["credit_code"])
    if "country" in scalars:
        scalars["country"] = str(scalars["country"] or "").strip().upper()
    return scalars, related


def _derive(supplier: Supplier) -> None:
    supplier.region = regions.region_for(supplier.country)
    supplier.normalised_name = normalise_name(supplier.name or supplier.name_en)[:300]


# Duplicates --------------------------------------------------------------------------------------


def _normalised_forms(name: str, name_en: str) -> set[str]:
    return {form for form in (normalise_name(name or ""), normalise_name(name_en or "")) if form}


def find_duplicates(
    *, name: str = "", name_en: str = "", credit_code: str = "", exclude: Supplier | None = None
) -> list[Supplier]:
    """Registered suppliers that look like the company described: the same credit code, or
    a normalised name (Chinese or English) equal or near-identical to one of its names.

    Each of the two normalised names given is compared with every supplier's normalised
    name, and with the English names of suppliers sharing a word with it."""
    found: set[int] = set()
    others = Supplier.objects.all()
    if exclude is not None and exclude.pk is not None:
        others = others.exclude(pk=exclude.pk)
    code = compact_credit_code(credit_code)
    if code:
        found.update(others.filter(credit_code=code).values_list("pk", flat=True))
    forms = _normalised_forms(name, name_en)
    if forms:
        choices = dict(others.values_list("pk", "normalised_name"))
        for form in forms:
            matches = process.extract(
                form, choices, scorer=fuzz.ratio, score_cutoff=DUPLICATE_NAME_SCORE, limit=None
            )
            found.update(key for _choice, _score, key in matches)
        for form in forms:
            words = sorted((word for word in form.split() if len(word) >= LOOKUP_WORD_LENGTH), key=len)
            if not words:
                continue
            for pk, english in others.filter(name_en__icontains=words[-1]).values_list("pk", "name_en"):
                if fuzz.ratio(form, normalise_name(english)) >= DUPLICATE_NAME_SCORE:
                    found.add(pk)
    return list(Supplier.objects.filter(pk__in=found).order_by("reference"))


def _refuse_duplicates(supplier: Supplier, *, allow_duplicate: bool) -> None:
    """The same credit code is always refused (checked with the other rules); a
    near-identical name is refused unless the person confirmed it is another company."""
    if allow_duplicate:
        return
    similar = find_duplicates(name=supplier.name, name_en=supplier.name_en)
    if similar:
        raise ValidationError(
            {
                "allow_duplicate": [
                    _(
                        "A supplier with a near-identical name is already registered: %(suppliers)s. "
                        "Check it is not the same company; if it is a different one, confirm and "
                        "create it anyway."
                    )
                    % {"suppliers": _named(similar[:5])}
                ]
            },
            code="duplicate",
        )


# Related rows and their audit --------------------------------------------------------------------


def _related_state(supplier: Supplier) -> dict[str, list[Any]]:
    return {
        "categories": sorted(supplier.categories.values_list("pk", flat=True)),
        "assets": sorted(supplier.assets.values_list("pk", flat=True)),
    }


def _set_related(
    supplier: Supplier, related: dict[str, list[Any]], before: dict[str, list[Any]]
) -> dict[str, list[Any]]:
    """Set the related lists given; the changes as the audit trail records them."""
    if "categories" in related:
        supplier.categories.set(related["categories"])
    if "assets" in related:
        supplier.assets.set(related["assets"])
    changes: dict[str, list[Any]] = {}
    for name, values in _related_state(supplier).items():
        if values != before.get(name, []):
            changes[name] = [before.get(name) or None, values or None]
    return changes


# Suppliers ---------------------------------------------------------------------------------------


@transaction.atomic
def create_supplier(*, by: Any, reason: str = "", allow_duplicate: bool = False, **fields: Any) -> Supplier:
    """Register a supplier (SUP-000001 …), prospective until it passes access.

    `categories` and `assets` are lists of objects. A supplier whose name is near-identical
    to a registered one is refused unless `allow_duplicate` says it is another company."""
    scalars, related = _split(fields)
    supplier = Supplier(**scalars)
    _derive(supplier)
    if not is_system(by):
        supplier.created_by = by
    _validate(supplier, by=by, action=Action.ADD, changed=set(fields), related=related)
    _refuse_duplicates(supplier, allow_duplicate=allow_duplicate)
    save_numbered(supplier, REFERENCE_PREFIX)
    changes: dict[str, Any] = audit.diff({}, audit.snapshot(supplier))
    changes.update(_set_related(supplier, related, {}))
    audit.record(supplier, AuditAction.CREATE, by=by, changes=changes, reason=reason)
    return supplier


def update_supplier(supplier: Supplier, *, by: Any, reason: str = "", **fields: Any) -> Supplier:
    """Change a supplier's facts (its status changes through the classification service).
    A refusal is recorded in the supplier's audit trail."""
    require(by, Action.CHANGE, supplier)
    with audit.refusals_recorded(supplier, by=by, attempted="change supplier"):
        return _update_supplier(supplier, by=by, reason=reason, fields=fields)


@transaction.atomic
def _update_supplier(supplier: Supplier, *, by: Any, reason: str, fields: dict[str, Any]) -> Supplier:
    scalars, related = _split(fields)
    changed = {name for name, value in scalars.items() if getattr(supplier, name) != value}
    changed |= set(related)
    candidate = copy.copy(supplier)
    for name, value in scalars.items():
        setattr(candidate, name, value)
    _derive(candidate)
    _validate(candidate, by=by, action=Action.CHANGE, changed=changed, related=related)
    before = audit.snapshot(supplier)
    related_before = _related_state(supplier)
    for name, value in scalars.items():
        setattr(supplier, name, value)
    _derive(supplier)
    changes: dict[str, Any] = audit.diff(before, audit.snapshot(supplier))
    if changes:
        supplier.save()
    changes.update(_set_related(supplier, related, related_before))
    if changes:
        audit.record(supplier, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    return supplier


def _kept_for_the_record(supplier: Supplier) -> list[str]:
    """What the supplier has that must stay on record (so the supplier stays too)."""
    held = []
    if supplier.bids.exists() or supplier.invitations.exists() or supplier.awards.exists():
        held.append(_("sourcing invitations or bids"))
    if supplier.orders.exists():
        held.append(_("purchase orders"))
    if supplier.access_applications.exists():
        held.append(_("access applications"))
    if supplier.status_changes.exists():
        held.append(_("a status history"))
    return held


def delete_supplier(supplier: Supplier, *, by: Any, reason: str = "") -> None:
    """Remove a supplier registered by mistake, with its contacts and documents. A supplier
    with sourcing, orders, access applications or a status history is kept: mark it
    unqualified instead. A refusal is recorded in the supplier's audit trail."""
    require(by, Action.DELETE, supplier)
    with audit.refusals_recorded(supplier, by=by, attempted="delete supplier"):
        _delete_supplier(supplier, by=by, reason=reason)


@transaction.atomic
def _delete_supplier(supplier: Supplier, *, by: Any, reason: str) -> None:
    held = _kept_for_the_record(supplier)
    if held:
        raise ValidationError(
            _("%(supplier)s has %(records)s and is kept for the record; mark it unqualified instead.")
            % {"supplier": supplier.reference, "records": ", ".join(held)}
        )
    related = {name: [values, None] for name, values in _related_state(supplier).items() if values}
    attachments = [document.attachment for document in supplier.documents.select_related("attachment")]
    event = audit.pending_for(
        supplier,
        AuditAction.DELETE,
        by=by,
        changes={**audit.diff(audit.snapshot(supplier), {}), **related},
        reason=reason,
    )
    supplier.delete()
    audit.record_many([event])
    for attachment in attachments:
        if attachment is not None:
            file_services.delete_attachment(attachment, by=by, reason=reason)


# Contacts ----------------------------------------------------------------------------------------


def _contact_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"unexpected contact fields {sorted(unknown)}")
    return {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}


def _one_primary(contact: SupplierContact, *, by: Any) -> None:
    """A new primary contact takes over from the previous one."""
    if not contact.is_primary:
        return
    others = SupplierContact.objects.filter(supplier_id=contact.supplier_id, is_primary=True).exclude(
        pk=contact.pk
    )
    for other in others:
        update_record(other, by=by, is_primary=False)


@transaction.atomic
def add_contact(supplier: Supplier, *, by: Any, reason: str = "", **fields: Any) -> SupplierContact:
    """A person at the supplier to deal with; a primary contact replaces the previous one."""
    require(by, Action.CHANGE, supplier)
    contact = create_record(
        SupplierContact, by=by, reason=reason, supplier=supplier, **_contact_fields(fields)
    )
    _one_primary(contact, by=by)
    return contact


@transaction.atomic
def update_contact(contact: SupplierContact, *, by: Any, reason: str = "", **fields: Any) -> SupplierContact:
    require(by, Action.CHANGE, contact.supplier)
    contact = update_record(contact, by=by, reason=reason, **_contact_fields(fields))
    _one_primary(contact, by=by)
    return contact


def remove_contact(contact: SupplierContact, *, by: Any, reason: str = "") -> None:
    require(by, Action.CHANGE, contact.supplier)
    delete_record(contact, by=by, reason=reason)


# Qualification documents -------------------------------------------------------------------------


def _document_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - DOCUMENT_FIELDS
    if unknown:
        raise TypeError(f"unexpected document fields {sorted(unknown)}")
    return {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}


def _check_document(document: QualificationDocument, upload: Any, errors: dict[str, list[str]]) -> None:
    try:
        document.full_clean(exclude=["attachment"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    issued, expires = document.issued_on, document.expires_on
    if issued and expires and "issued_on" not in errors and "expires_on" not in errors and expires < issued:
        errors.setdefault("expires_on", []).append(_("The document cannot expire before it was issued."))
    if upload is not None and getattr(upload, "size", None) == 0:
        errors.setdefault("upload", []).append(_("The file is empty; choose the scanned document."))


def _store(document: QualificationDocument, upload: Any, *, by: Any, filename: str, content_type: str) -> Any:
    supplier = document.supplier
    uploader = by if isinstance(by, Person) else supplier.manager or supplier.created_by
    if uploader is None:
        raise ValidationError(
            {"upload": [_("A file is kept in the name of a person; sign in to upload it.")]}
        )
    return file_services.store_file(
        upload,
        filename=filename or getattr(upload, "name", "") or "",
        by=uploader,
        unit=supplier.unit,
        target=supplier,
        content_type=content_type or getattr(upload, "content_type", "") or "",
        description=_("%(kind)s of %(supplier)s")
        % {"kind": document.get_kind_display(), "supplier": supplier.reference},
    )


@transaction.atomic
def add_document(
    supplier: Supplier,
    *,
    by: Any,
    reason: str = "",
    upload: Any = None,
    filename: str = "",
    content_type: str = "",
    **fields: Any,
) -> QualificationDocument:
    """A licence or certificate the supplier holds, with its expiry date and, optionally,
    the scanned file (kept in the evidence store against the supplier)."""
    require(by, Action.CHANGE, supplier)
    document = QualificationDocument(supplier=supplier, **_document_fields(fields))
    errors: dict[str, list[str]] = {}
    _check_document(document, upload, errors)
    if errors:
        raise ValidationError(errors)
    if upload is not None:
        document.attachment = _store(document, upload, by=by, filename=filename, content_type=content_type)
    document.save()
    audit.record(
        document, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(document)), reason=reason
    )
    return document


@transaction.atomic
def update_document(
    document: QualificationDocument,
    *,
    by: Any,
    reason: str = "",
    upload: Any = None,
    filename: str = "",
    content_type: str = "",
    **fields: Any,
) -> QualificationDocument:
    """Change a document's facts or replace its file; a new expiry date starts its
    reminders afresh."""
    require(by, Action.CHANGE, document.supplier)
    values = _document_fields(fields)
    candidate = copy.copy(document)
    for name, value in values.items():
        setattr(candidate, name, value)
    errors: dict[str, list[str]] = {}
    _check_document(candidate, upload, errors)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(document)
    previous_file = document.attachment
    for name, value in values.items():
        setattr(document, name, value)
    if before["expires_on"] != audit.snapshot(document)["expires_on"]:
        document.reminders_sent = []
    if upload is not None:
        document.attachment = _store(document, upload, by=by, filename=filename, content_type=content_type)
    changes = audit.diff(before, audit.snapshot(document))
    if not changes:
        return document
    document.save()
    audit.record(document, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    if upload is not None and previous_file is not None:
        file_services.delete_attachment(previous_file, by=by, reason=reason)
    return document


@transaction.atomic
def remove_document(document: QualificationDocument, *, by: Any, reason: str = "") -> None:
    """Remove a document and its file."""
    require(by, Action.CHANGE, document.supplier)
    attachment = document.attachment
    delete_record(document, by=by, reason=reason)
    if attachment is not None:
        file_services.delete_attachment(attachment, by=by, reason=reason)


# Categories --------------------------------------------------------------------------------------


def may_manage_categories(person: Any) -> bool:
    """Administrators and Procurement Officers over the whole organisation keep the list."""
    return has_grant_everywhere(person, Domain.SUPPLIERS, Action.CHANGE)


def _category_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - CATEGORY_FIELDS
    if unknown:
        raise TypeError(f"unexpected category fields {sorted(unknown)}")
    return {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}


def create_category(*, by: Any, reason: str = "", **fields: Any) -> SupplierCategory:
    if not is_system(by) and not has_grant_everywhere(by, Domain.SUPPLIERS, Action.ADD):
        raise ValidationError(
            _("Only an Administrator or a Procurement Officer over the whole organisation adds categories.")
        )
    values = _category_fields(fields)
    code = values.get("code", "")
    if code and SupplierCategory.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("Another category already has this code; choose another.")]})
    return create_record(SupplierCategory, by=by, reason=reason, **values)


def update_category(
    category: SupplierCategory, *, by: Any, reason: str = "", **fields: Any
) -> SupplierCategory:
    """Rename a category or take it out of use (suppliers filed under it keep it)."""
    require(by, Action.CHANGE, category)
    values = _category_fields(fields)
    code = values.get("code")
    if code and SupplierCategory.objects.filter(code=code).exclude(pk=category.pk).exists():
        raise ValidationError({"code": [_("Another category already has this code; choose another.")]})
    return update_record(category, by=by, reason=reason, **values)
