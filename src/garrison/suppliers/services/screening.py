"""Screening suppliers against the active watch lists, the organisation's blacklist fed
by blacklisting, and a person's decision on each candidate match.

A run loads the suppliers and the active lists' entries, lets the pure matcher
(garrison.suppliers.screening) find the candidate matches, and stores them: a new
(supplier, entry) pair becomes a pending match; a pending one gets the new score and
reasons; a decided one (confirmed or dismissed) is left as decided, so a dismissed match is
never raised again for the same entry. The run is audited once, with its counts; each
decision is audited on its match.

With `by=None` (or an actor label such as "system: scheduled job") the system acts.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant_everywhere, is_system, require, restrict
from garrison.suppliers import screening as matcher
from garrison.suppliers.models import (
    MatchStatus,
    ScreeningMatch,
    ScreeningRun,
    ScreeningTrigger,
    Supplier,
    SupplierPolicy,
    WatchList,
    WatchListEntry,
    WatchListKind,
)
from garrison.suppliers.names import normalise_name

DEFAULT_THRESHOLD = 90
BLACKLIST_NAME = "Blacklist"
BATCH_SIZE = 2000
# Below SQLite's limit of parameters in one statement.
MAX_IDS_IN_QUERY = 30_000
NOTE_MAX_LENGTH = 2000
SCREENING_REFUSAL = gettext_lazy(
    "Only Procurement Officers and Administrators of the whole organisation screen every supplier."
)


# Who may do what ---------------------------------------------------------------------------------


def may_screen_all(person: Any) -> bool:
    """Whether `person` may screen every supplier (the "screen now" button): supplier
    rights over the whole organisation."""
    return is_system(person) or has_grant_everywhere(person, Domain.SUPPLIERS, Action.CHANGE)


def threshold() -> int:
    """The score a name must reach to be a candidate match (the supplier policy's)."""
    policy = SupplierPolicy.objects.order_by("pk").first()
    value = policy.screening_threshold if policy is not None else DEFAULT_THRESHOLD
    # A threshold of 0 would make every name a match; 1 is the least the matcher takes.
    return min(max(int(value), 1), 100)


# Runs ------------------------------------------------------------------------------------------


def candidate_of(supplier: Supplier) -> matcher.Candidate:
    names = tuple(name for name in (supplier.name, supplier.name_en) if name.strip())
    identifiers = tuple(value for value in (supplier.credit_code, supplier.registration_number) if value)
    return matcher.Candidate(supplier.pk, names, identifiers)


def _candidates(suppliers: models.QuerySet[Supplier]) -> list[matcher.Candidate]:
    rows = suppliers.values_list("pk", "name", "name_en", "credit_code", "registration_number")
    return [
        matcher.Candidate(
            pk,
            tuple(value for value in (name, name_en) if value.strip()),
            tuple(value for value in (code, number) if value),
        )
        for pk, name, name_en, code, number in rows.iterator(chunk_size=BATCH_SIZE)
    ]


def _entries(entries: models.QuerySet[WatchListEntry]) -> list[matcher.ListEntry]:
    rows = entries.values_list("pk", "name", "normalised_name", "identifiers", "supplier_id")
    return [
        matcher.ListEntry(pk, name, normalised, tuple(identifiers or ()), supplier_id)
        for pk, name, normalised, identifiers, supplier_id in rows.iterator(chunk_size=BATCH_SIZE)
    ]


def active_entries() -> models.QuerySet[WatchListEntry]:
    return WatchListEntry.objects.filter(watch_list__is_active=True)


def _score(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def _store(found: list[matcher.Match], run: ScreeningRun, now: Any) -> tuple[int, int]:
    """Save the matches found: (new pending matches, pending matches updated)."""
    if not found:
        return 0, 0
    suppliers = {match.candidate_key for match in found}
    entries = {match.entry_key for match in found}
    existing: dict[tuple[int, int], tuple[int, str, Decimal, Any]] = {}
    # The known pairs, read by the shorter list of ids (or all of them when both are long).
    if len(entries) <= len(suppliers) and len(entries) <= MAX_IDS_IN_QUERY:
        rows = ScreeningMatch.objects.filter(entry_id__in=entries)
    elif len(suppliers) <= MAX_IDS_IN_QUERY:
        rows = ScreeningMatch.objects.filter(supplier_id__in=suppliers)
    else:
        rows = ScreeningMatch.objects.all()
    for pk, supplier_id, entry_id, status, score, reasons in rows.values_list(
        "pk", "supplier_id", "entry_id", "status", "score", "reasons"
    ).iterator(chunk_size=BATCH_SIZE):
        existing[(supplier_id, entry_id)] = (pk, status, score, reasons)
    new: list[ScreeningMatch] = []
    changed: list[ScreeningMatch] = []
    for match in found:
        score = _score(match.score)
        known = existing.get((match.candidate_key, match.entry_key))
        if known is None:
            new.append(
                ScreeningMatch(
                    supplier_id=match.candidate_key,
                    entry_id=match.entry_key,
                    run=run,
                    score=score,
                    reasons=match.reasons,
                    found_at=now,
                )
            )
        elif known[1] == MatchStatus.PENDING and (known[2] != score or known[3] != match.reasons):
            changed.append(ScreeningMatch(pk=known[0], score=score, reasons=match.reasons, run=run))
    ScreeningMatch.objects.bulk_create(new, batch_size=BATCH_SIZE)
    ScreeningMatch.objects.bulk_update(changed, ["score", "reasons", "run"], batch_size=BATCH_SIZE)
    return len(new), len(changed)


@transaction.atomic
def run_screening(
    suppliers: models.QuerySet[Supplier],
    entries: models.QuerySet[WatchListEntry],
    *,
    trigger: str,
    by: Any = None,
) -> ScreeningRun:
    """Screen `suppliers` against `entries` and store what matches (no permission check:
    the public verbs check). A blacklisted supplier's own blacklist entry is not a finding."""
    now = timezone.now()
    run = ScreeningRun.objects.create(
        trigger=ScreeningTrigger(trigger),
        started_at=now,
        started_by=None if is_system(by) else by,
    )
    candidates = _candidates(suppliers)
    listed = _entries(entries)
    found = matcher.screen(candidates, listed, threshold()) if candidates and listed else []
    new, updated = _store(found, run, now)
    run.finished_at = timezone.now()
    run.suppliers_screened = len(candidates)
    run.entries_compared = len(listed)
    run.new_matches = new
    run.save(update_fields=["finished_at", "suppliers_screened", "entries_compared", "new_matches"])
    audit.record(
        run,
        AuditAction.CREATE,
        by=by,
        changes={
            "trigger": [None, run.trigger],
            "suppliers_screened": [None, run.suppliers_screened],
            "entries_compared": [None, run.entries_compared],
            "new_matches": [None, new],
            "updated_matches": [None, updated],
        },
    )
    return run


def screen_suppliers(
    suppliers: Iterable[Supplier] | None = None, *, trigger: str, by: Any = None
) -> ScreeningRun:
    """Screen `suppliers` (every supplier when None) against the active watch lists.

    A person screens every supplier only with supplier rights over the whole
    organisation; given suppliers, only those they may change."""
    if suppliers is None:
        if not may_screen_all(by):
            raise PermissionDenied(SCREENING_REFUSAL)
        queryset = Supplier.objects.all()
    else:
        wanted = {supplier.pk for supplier in suppliers}
        queryset = Supplier.objects.filter(pk__in=wanted)
        if not is_system(by) and restrict(queryset, by, Action.CHANGE).count() != len(wanted):
            raise PermissionDenied(_("You cannot screen a supplier you do not manage."))
    return run_screening(queryset, active_entries(), trigger=trigger, by=by)


# The blacklist -------------------------------------------------------------------------------------


def blacklist() -> WatchList:
    """The organisation's one blacklist (made by migration; remade if someone removed it)."""
    found = WatchList.objects.filter(kind=WatchListKind.BLACKLIST).order_by("pk").first()
    if found is not None:
        return found
    return WatchList.objects.create(name=BLACKLIST_NAME, kind=WatchListKind.BLACKLIST)


@transaction.atomic
def add_to_blacklist(supplier: Supplier, *, by: Any, reason: str) -> WatchListEntry:
    """Put the supplier on the blacklist, one entry for each of its names with its credit
    code or registration number, and screen every other supplier against those entries.
    Again for the same supplier, the entries are brought up to date (never doubled).
    Returns the entry of its legal name (the Chinese one when it has one)."""
    require(by, Action.CHANGE, supplier)
    target = blacklist()
    names = list(dict.fromkeys(name.strip() for name in (supplier.name, supplier.name_en) if name.strip()))
    if not names:
        raise ValidationError(_("The supplier has no name to put on the blacklist."))
    identifiers = [value for value in (supplier.credit_code, supplier.registration_number) if value]
    current = {
        entry.name: entry for entry in WatchListEntry.objects.filter(watch_list=target, supplier=supplier)
    }
    fields = {
        "identifiers": identifiers,
        "country": supplier.country,
        "reason": reason.strip()[:500],
        "reference": supplier.reference,
    }
    entries: list[WatchListEntry] = []
    for name in names:
        entry = current.pop(name, None)
        if entry is None:
            entry = WatchListEntry(watch_list=target, supplier=supplier, name=name)
        before = audit.snapshot(entry) if entry.pk else {}
        entry.normalised_name = normalise_name(name)[:500]
        for field, value in fields.items():
            setattr(entry, field, value)
        entry.save()
        changes = audit.diff(before, audit.snapshot(entry))
        if changes:
            action = AuditAction.UPDATE if before else AuditAction.CREATE
            audit.record(entry, action, by=by, changes=changes, reason=reason)
        entries.append(entry)
    for stale in current.values():
        # A name the supplier no longer has: its entry goes, with the matches it raised.
        event = audit.pending_for(
            stale, AuditAction.DELETE, by=by, changes=audit.diff(audit.snapshot(stale), {})
        )
        stale.delete()
        audit.record_many([event])
    target.entry_count = target.entries.count()
    target.save(update_fields=["entry_count"])
    if target.is_active and entries:
        run_screening(
            Supplier.objects.exclude(pk=supplier.pk),
            WatchListEntry.objects.filter(pk__in=[entry.pk for entry in entries]),
            trigger=ScreeningTrigger.LIST_CHANGED,
            by=by,
        )
    return entries[0]


# Decisions -----------------------------------------------------------------------------------------


def _decide(match: ScreeningMatch, *, by: Any, status: MatchStatus, note: str) -> ScreeningMatch:
    require(by, Action.CHANGE, match)
    if match.status != MatchStatus.PENDING:
        raise ValidationError(
            _("This match is already decided (%(status)s); a decision is final.")
            % {"status": match.get_status_display()}
        )
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": [_("Keep the note under %(limit)d characters.") % {"limit": NOTE_MAX_LENGTH}]}
        )
    before = audit.snapshot(match)
    match.status = status
    match.decided_by = None if is_system(by) else by
    match.decided_at = timezone.now()
    match.decision_note = note
    match.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(
        match, AuditAction.UPDATE, by=by, changes=audit.diff(before, audit.snapshot(match)), reason=note
    )
    return match


@transaction.atomic
def confirm_match(match: ScreeningMatch, *, by: Any, note: str = "") -> ScreeningMatch:
    """The supplier is the listed company. What follows (blacklisting, suspension) is a
    status change the reviewer proposes separately, under four eyes."""
    return _decide(match, by=by, status=MatchStatus.CONFIRMED, note=note.strip())


@transaction.atomic
def dismiss_match(match: ScreeningMatch, *, by: Any, note: str) -> ScreeningMatch:
    """The supplier is not the listed company; the note says why. The pair is not raised again."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": [_("Say why the supplier is not the listed company.")]})
    return _decide(match, by=by, status=MatchStatus.DISMISSED, note=note)
