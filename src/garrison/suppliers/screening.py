"""The screening matcher: which suppliers look like which watch-list entries, and why
(pure module, no Django: the services load the rows and store the matches).

A supplier matches an entry when

- an identifier is the same (unified social credit code, registration number), compared
  after `names.normalise_identifier` (case, spaces, hyphens and fullwidth folded): score
  100 whatever the names say; or
- one of its names scores at least the threshold against the entry's name. Names are
  compared normalised (`names.normalise_name`: legal forms and leading places dropped,
  transliterated), two ways, and the better one counts:

  * ``joined_ratio``: `fuzz.ratio` of the names with their spaces removed, so a pinyin run
    ("huaxinkeji", from 华信科技) meets its romanisation word by word ("huaxin keji"), and
    a letter or two more, less or different still scores high;
  * ``sorted_ratio``: the same words in another order ("huaxin technology" and
    "technology huaxin") score 100 (`fuzz.ratio` of the words sorted alphabetically,
    spaces removed). Only the exact reordering is looked for: a reordered name that is also
    misspelt falls to the joined ratio.

  Shared industry words would dominate the letters ("putianjianshegongcheng" and
  "yetianjianshegongcheng" are 91 alike), so each way is also scored on the names'
  **distinctive parts** (`names.distinctive_part`: without the generic words they end
  with, "putian" and "yetian": 67), and a name scores the lower of the two figures: it
  matches only when the whole names and their distinctive parts both reach the threshold.
  Names that normalise alike have the same distinctive part, so they still score 100.

Every match carries its reasons: what was compared on each side, before and after
normalising, the distinctive parts, with which scorer and what scores (the whole names',
the distinctive parts' and the lower one that counts), so a reviewer sees why.

Comparing every supplier name with every entry (2,623 suppliers and 100,000 entries make
half a billion pairs) is too slow, so a segment index finds the few entries that can reach
the threshold first (PassJoin, Li et al. 2011): when two names are within d single-letter
insertions and deletions, and the entry's name is cut into d + 1 pieces, one piece appears
unchanged in the supplier's name, near its place. `fuzz.ratio` is 100 * (1 - d / (m + n))
for names of lengths m and n, so the threshold bounds d. The index only selects (a name
scores at most its whole names' figure, so the pairs it drops cannot match); every score is
computed by rapidfuzz, so a match is found exactly when its score reaches the threshold, as
if every pair had been compared. Names too short to cut (a low threshold) are compared
with every supplier name.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from garrison.suppliers.names import (
    distinctive_part,
    joined,
    normalise_identifier,
    normalise_name,
    sorted_words,
)

IDENTIFIER = "identifier"
NAME = "name"
EXACT = "exact"
JOINED_RATIO = "joined_ratio"
SORTED_RATIO = "sorted_ratio"
SCORERS = (JOINED_RATIO, SORTED_RATIO)
IDENTIFIER_SCORE = 100.0
# Widens the index's bound a little, so rounding never drops a pair rapidfuzz would keep.
SLACK = 1e-6


@dataclass(frozen=True)
class Candidate:
    """A supplier to screen: its key (the supplier's id), names and identifiers."""

    key: int
    names: tuple[str, ...]
    identifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListEntry:
    """A watch-list entry: its key (the entry's id), name, the name normalised (computed
    when not given) and identifiers. `supplier_key` names the supplier a blacklist entry
    was made from: a supplier is not a finding against its own entry."""

    key: int
    name: str
    normalised_name: str | None = None
    identifiers: tuple[str, ...] = ()
    supplier_key: int | None = None


@dataclass
class Match:
    """A supplier that looks like an entry: the best score and every reason."""

    candidate_key: int
    entry_key: int
    score: float
    reasons: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class NameScore:
    """How two normalised names compare: the way (scorer), the score that counts (the lower
    of the whole names' and the distinctive parts' figures) and both figures."""

    scorer: str
    score: float
    full_score: float
    distinctive_a: str
    distinctive_b: str
    distinctive_score: float


NO_MATCH = NameScore(JOINED_RATIO, 0.0, 0.0, "", "", 0.0)


def reason(
    kind: str,
    *,
    supplier_value: str,
    list_value: str,
    normalised_supplier: str,
    normalised_list: str,
    scorer: str,
    score: float,
    compared: NameScore | None = None,
) -> dict[str, Any]:
    """One reason, as ScreeningMatch.reasons stores it. A name reason adds the distinctive
    parts compared and both figures: `full_score` (the whole names) and
    `distinctive_score`; `score` is the lower one, the one that counts."""
    found = {
        "kind": kind,
        "supplier_value": supplier_value,
        "list_value": list_value,
        "normalised_supplier": normalised_supplier,
        "normalised_list": normalised_list,
        "scorer": scorer,
        "score": round(score, 2),
    }
    if compared is not None:
        found.update(
            full_score=round(compared.full_score, 2),
            distinctive_supplier=compared.distinctive_a,
            distinctive_list=compared.distinctive_b,
            distinctive_score=round(compared.distinctive_score, 2),
        )
    return found


def compared_forms(normalised: str) -> dict[str, str]:
    """The strings each scorer compares for a normalised name."""
    return {JOINED_RATIO: joined(normalised), SORTED_RATIO: joined(sorted_words(normalised))}


def _reordered(normalised_a: str, normalised_b: str) -> bool:
    """The same words in another order (both names of more than one word)."""
    return (
        " " in normalised_a
        and " " in normalised_b
        and compared_forms(normalised_a)[SORTED_RATIO] == compared_forms(normalised_b)[SORTED_RATIO]
    )


def _joined_score(full_score: float, distinctive_a: str, distinctive_b: str) -> NameScore:
    distinctive_score = fuzz.ratio(distinctive_a, distinctive_b)
    return NameScore(
        JOINED_RATIO,
        min(full_score, distinctive_score),
        full_score,
        distinctive_a,
        distinctive_b,
        distinctive_score,
    )


def _sorted_score(normalised_a: str, normalised_b: str) -> NameScore:
    """The same words: the same distinctive part once the words are in order."""
    distinctive_a = distinctive_part(sorted_words(normalised_a))
    distinctive_b = distinctive_part(sorted_words(normalised_b))
    return NameScore(SORTED_RATIO, 100.0, 100.0, distinctive_a, distinctive_b, 100.0)


def compare_names(normalised_a: str, normalised_b: str) -> NameScore:
    """How `screen` scores two normalised names (score 0 when one is empty): the joined
    ratio, or 100 for the same words in another order when that is better; each the lower
    of the whole names' and the distinctive parts' figures."""
    if not normalised_a or not normalised_b:
        return NO_MATCH
    full_score = fuzz.ratio(joined(normalised_a), joined(normalised_b))
    found = _joined_score(full_score, distinctive_part(normalised_a), distinctive_part(normalised_b))
    if found.score < 100 and _reordered(normalised_a, normalised_b):
        return _sorted_score(normalised_a, normalised_b)
    return found


def score_names(normalised_a: str, normalised_b: str) -> tuple[str, float]:
    """The better way and its score for two normalised names (see `compare_names`)."""
    found = compare_names(normalised_a, normalised_b)
    return found.scorer, found.score


class SegmentIndex:
    """The compared strings of every entry name, found by their pieces (see the module docs)."""

    def __init__(self, keys: Iterable[str], threshold: float) -> None:
        self.threshold = threshold
        # The share of m + n that insertions and deletions may make up at the threshold.
        self.slack = min(1.0, 1 - threshold / 100 + SLACK)
        self.pieces: dict[int, list[tuple[int, int]]] = {}
        self.postings: dict[tuple[int, int, str], list[str]] = defaultdict(list)
        self.uncut: list[str] = []
        by_length: dict[int, list[str]] = defaultdict(list)
        for key in keys:
            if key:
                by_length[len(key)].append(key)
        postings = self.postings
        for length, strings in by_length.items():
            edits = self._most_edits(length)
            if edits + 1 > length:
                self.uncut.extend(strings)
                continue
            pieces = self.pieces[length] = _cut(length, int(edits) + 1)
            for position, (start, size) in enumerate(pieces):
                end = start + size
                for key in strings:
                    postings[(length, position, key[start:end])].append(key)
        self.lengths = sorted(self.pieces)

    def _most_edits(self, length: int) -> float:
        """The most edits between a string of `length` and any string that may reach the threshold."""
        if self.slack >= 1:
            return math.inf
        return 2 * self.slack * length / (1 - self.slack)

    def candidates(self, query: str) -> list[str]:
        """Entry strings that may reach the threshold against `query` (repeats included).

        An edit changes one piece at most, so one of the `edits + 1` pieces of an entry
        string within `edits` of the query is in the query unchanged. It moved by `shift`
        places; PassJoin's multi-match-aware bounds limit the shifts to look at for the
        piece at `position` (insertions and deletions are Levenshtein edits too, so its
        bounds hold for fuzz.ratio's Indel distance)."""
        size_a = len(query)
        if not size_a:
            return []
        found: list[str] = list(self.uncut)
        shortest = size_a * (1 - self.slack) / (1 + self.slack) - SLACK
        longest = size_a * (1 + self.slack) / (1 - self.slack) + SLACK if self.slack < 1 else math.inf
        postings = self.postings
        for size_b in self.lengths:
            if size_b < shortest or size_b > longest:
                continue
            edits = int(self.slack * (size_a + size_b))
            difference = size_a - size_b
            if abs(difference) > edits:
                continue
            for position, (start, size) in enumerate(self.pieces[size_b]):
                lowest = max(-position, difference - (edits - position), -start)
                highest = min(position, difference + (edits - position), size_a - size - start)
                for shift in range(lowest, highest + 1):
                    begin = start + shift
                    hits = postings.get((size_b, position, query[begin : begin + size]))
                    if hits:
                        found.extend(hits)
        return found

    def matches(self, query: str) -> dict[str, float]:
        """Every entry string reaching the threshold against `query`, with its score."""
        candidates = self.candidates(query)
        if not candidates:
            return {}
        found = process.extract(query, candidates, scorer=fuzz.ratio, score_cutoff=self.threshold, limit=None)
        return {choice: score for choice, score, _position in found}


def _cut(length: int, count: int) -> list[tuple[int, int]]:
    """(start, size) of `count` pieces of a string of `length`, the longer pieces last."""
    base, longer = divmod(length, count)
    pieces = []
    start = 0
    for position in range(count):
        size = base + (1 if position >= count - longer else 0)
        pieces.append((start, size))
        start += size
    return pieces


def _identifier_matches(
    candidates: Sequence[Candidate], entries: Sequence[ListEntry], found: dict[tuple[int, int], Match]
) -> None:
    by_identifier: dict[str, list[tuple[ListEntry, str]]] = defaultdict(list)
    for entry in entries:
        for value in entry.identifiers:
            normalised = normalise_identifier(value)
            if normalised:
                by_identifier[normalised].append((entry, value))
    for candidate in candidates:
        for value in candidate.identifiers:
            normalised = normalise_identifier(value)
            for entry, listed in by_identifier.get(normalised, []) if normalised else []:
                if entry.supplier_key == candidate.key:
                    continue
                match = found.setdefault(
                    (candidate.key, entry.key), Match(candidate.key, entry.key, IDENTIFIER_SCORE)
                )
                match.reasons.append(
                    reason(
                        IDENTIFIER,
                        supplier_value=value,
                        list_value=listed,
                        normalised_supplier=normalised,
                        normalised_list=normalised,
                        scorer=EXACT,
                        score=IDENTIFIER_SCORE,
                    )
                )


def _name_matches(
    candidates: Sequence[Candidate],
    entries: Sequence[ListEntry],
    threshold: float,
    found: dict[tuple[int, int], Match],
) -> None:
    normalised_entries = [
        entry.normalised_name if entry.normalised_name is not None else normalise_name(entry.name)
        for entry in entries
    ]
    names = [
        (candidate, name, normalised)
        for candidate in candidates
        for name in dict.fromkeys(candidate.names)
        if (normalised := normalise_name(name))
    ]
    best: dict[tuple[int, int], NameScore] = {}

    def keep(position: int, candidate: Candidate, numbers: list[int], compared: NameScore) -> None:
        for number in numbers:
            if entries[number].supplier_key == candidate.key:
                continue
            slot = (position, number)
            if slot not in best or compared.score > best[slot].score:
                best[slot] = compared

    # Entries sharing a compared string are scored once.
    by_joined: dict[str, list[int]] = defaultdict(list)
    by_sorted: dict[str, list[int]] = defaultdict(list)
    distinctive: dict[str, str] = {}
    for number, normalised in enumerate(normalised_entries):
        if normalised:
            forms = compared_forms(normalised)
            by_joined[forms[JOINED_RATIO]].append(number)
            if " " in normalised:
                by_sorted[forms[SORTED_RATIO]].append(number)
    index = SegmentIndex(by_joined, threshold)
    for position, (candidate, _name, normalised) in enumerate(names):
        forms = compared_forms(normalised)
        own = distinctive_part(normalised)
        for key, full_score in index.matches(forms[JOINED_RATIO]).items():
            # The distinctive part is read from the joined form, so entries sharing it share it.
            theirs = distinctive.get(key)
            if theirs is None:
                theirs = distinctive[key] = distinctive_part(key)
            compared = _joined_score(full_score, own, theirs)
            if compared.score >= threshold:
                keep(position, candidate, by_joined[key], compared)
        if " " in normalised and forms[SORTED_RATIO] in by_sorted:
            numbers = by_sorted[forms[SORTED_RATIO]]
            keep(position, candidate, numbers, _sorted_score(normalised, normalised_entries[numbers[0]]))
    for (position, number), compared in best.items():
        candidate, name, normalised = names[position]
        entry = entries[number]
        match = found.setdefault((candidate.key, entry.key), Match(candidate.key, entry.key, 0.0))
        match.score = max(match.score, round(compared.score, 2))
        match.reasons.append(
            reason(
                NAME,
                supplier_value=name,
                list_value=entry.name,
                normalised_supplier=normalised,
                normalised_list=normalised_entries[number],
                scorer=compared.scorer,
                score=compared.score,
                compared=compared,
            )
        )


def screen(candidates: Iterable[Candidate], entries: Iterable[ListEntry], threshold: float) -> list[Match]:
    """Every (supplier, entry) pair that matches, best score first, with its reasons:
    identifiers first, then names by score."""
    if not 0 < threshold <= 100:
        raise ValueError("the threshold is a score above 0 and at most 100")
    candidate_list = list(candidates)
    entry_list = list(entries)
    found: dict[tuple[int, int], Match] = {}
    _identifier_matches(candidate_list, entry_list, found)
    _name_matches(candidate_list, entry_list, threshold, found)
    for match in found.values():
        match.reasons.sort(key=lambda item: (item["kind"] != IDENTIFIER, -item["score"]))
    return sorted(found.values(), key=lambda match: (-match.score, match.candidate_key, match.entry_key))
