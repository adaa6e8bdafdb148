"""How an asset's IP addresses, host names and tag names are written down. Pure module:
no Django import.

Each is normalised to one spelling, so that a scanner's host matches the asset it
belongs to with an exact, indexed lookup whatever way either side wrote it:
addresses in their compressed form (``10.0.0.1``, ``2001:db8::1``), host names
lower-cased in their ASCII form (an internationalised name becomes its ``xn--``
spelling) without a trailing dot.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from enum import StrEnum

HOST_NAME_MAX_LENGTH = 253
HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
TAG_NAME_MAX_LENGTH = 60
# Lists are written one item per line or separated by these, in forms and import files.
LIST_SEPARATORS = re.compile(r"[;,\n\r]+")


class Problem(StrEnum):
    """Why a value was refused; the caller words the message in the reader's language."""

    NOT_AN_IP_ADDRESS = "not_an_ip_address"
    NOT_A_HOST_NAME = "not_a_host_name"
    HOST_NAME_TOO_LONG = "host_name_too_long"
    TAG_NAME_TOO_LONG = "tag_name_too_long"
    TAG_NAME_HAS_SEPARATOR = "tag_name_has_separator"


class InvalidIdentifier(ValueError):
    """`value` cannot be used, for the reason `problem`."""

    def __init__(self, value: str, problem: Problem) -> None:
        super().__init__(f"{value!r}: {problem}")
        self.value = value
        self.problem = problem


def split_list(text: str) -> list[str]:
    """The items of a list typed as text: separated by semicolons, commas or new lines."""
    return [item.strip() for item in LIST_SEPARATORS.split(text or "") if item.strip()]


def normalise_ip_address(value: str) -> str:
    """The address in its one compressed spelling; refuses networks and anything else."""
    text = value.strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise InvalidIdentifier(value, Problem.NOT_AN_IP_ADDRESS) from None


def normalise_host_name(value: str) -> str:
    """The host name lower-cased, in ASCII, without a trailing dot; each label holds
    letters, digits and inner hyphens, up to 63 characters (RFC 1123)."""
    text = value.strip().rstrip(".").lower()
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidIdentifier(value, Problem.NOT_A_HOST_NAME) from None
    if len(text) > HOST_NAME_MAX_LENGTH:
        raise InvalidIdentifier(value, Problem.HOST_NAME_TOO_LONG)
    if not text or not all(HOST_LABEL.match(label) for label in text.split(".")):
        raise InvalidIdentifier(value, Problem.NOT_A_HOST_NAME)
    return text


def normalise_tag_name(value: str) -> str:
    """A tag name with surrounding and repeated spaces removed; it cannot hold a list separator."""
    text = " ".join(value.split())
    if LIST_SEPARATORS.search(text):
        # Tags travel as a separated list in forms and import files; one holding a
        # separator would come back as two.
        raise InvalidIdentifier(value, Problem.TAG_NAME_HAS_SEPARATOR)
    if len(text) > TAG_NAME_MAX_LENGTH:
        raise InvalidIdentifier(value, Problem.TAG_NAME_TOO_LONG)
    return text


def _distinct(values: Iterable[str]) -> list[str]:
    """Values in first-seen order, each once."""
    return list(dict.fromkeys(values))


def normalise_all(
    values: Iterable[str], normalise: Callable[[str], str]
) -> tuple[list[str], list[InvalidIdentifier]]:
    """Every value normalised by `normalise` (one of the functions above), each once and in
    the order given, with the refusals collected rather than stopping at the first."""
    kept: list[str] = []
    refused: list[InvalidIdentifier] = []
    for value in values:
        if not str(value).strip():
            continue
        try:
            kept.append(normalise(str(value)))
        except InvalidIdentifier as problem:
            refused.append(problem)
    return _distinct(kept), refused
