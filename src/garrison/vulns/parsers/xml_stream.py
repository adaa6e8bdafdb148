"""Reading a scanner's XML file as a stream of start and end events, safely. Pure module:
no Django import.

Every XML parser reads through `XmlStream`: defusedxml's iterparse, with entity
declarations and external references forbidden (the XXE and billion-laughs attacks) but
document type declarations allowed, because Nmap writes ``<!DOCTYPE nmaprun>`` in every
file. Whatever goes wrong while reading comes out as a `ParseError` naming the line and
column, so a parser never lets the XML library's own exceptions escape.

A parser reads the file either as ElementTree's (event, element) pairs (`reading`), or,
for large files, by handing expat its own element handlers (`handle`): no element objects
and no event tuples are made, which halves the time a large Nessus file takes to read.
Both go through the same defused expat parser and report errors the same way.

`root_element` names the first element of a file from its first bytes, for `recognises`.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO, Protocol
from xml.etree.ElementTree import Element, TreeBuilder
from xml.etree.ElementTree import ParseError as XmlParseError
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from garrison.vulns.parsers.base import ParseError, Problem

# Errors expat only reports when the data ends while something is still open: the file
# was cut short (an interrupted upload or copy), not written wrongly.
_TRUNCATION_CODES = frozenset(
    expat.errors.codes[message]
    for message in (
        expat.errors.XML_ERROR_NO_ELEMENTS,
        expat.errors.XML_ERROR_UNCLOSED_TOKEN,
        expat.errors.XML_ERROR_PARTIAL_CHAR,
        expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION,
    )
)

_NAME = re.compile(r"<([A-Za-z_][\w.:-]*)")
# Bytes handed to expat at a time by `handle`.
CHUNK_SIZE = 16 * 1024
# Takes the texts of a handler that wants none, and keeps none of them.
_DISCARD: Callable[[str], Any] = deque[str](maxlen=0).append


class XmlHandler(Protocol):
    """What `XmlStream.handle` calls as the file is read: `start` with an element's name
    and its attributes as a flat [name, value, …] list, `end` with its name, `text` with
    the texts between tags. The records it appends to `records` are handed on after each
    chunk of the file."""

    records: list[Any]

    @property
    def text(self) -> Callable[[str], Any] | None:
        """Takes the texts read (None: they are dropped)."""

    def start(self, tag: str, attributes: list[str]) -> None: ...

    def end(self, tag: str) -> None: ...


class XmlStream:
    """The start and end events of one XML file, read as it arrives.

    Iterate over `events` inside `reading()`; `check_root` on the first element makes a
    well-formed file of another format a WRONG_FORMAT error naming the root it found.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._parser = DefusedXMLParser(
            target=TreeBuilder(), forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
        self._stream = stream
        self.has_root = False

    @contextmanager
    def reading(self) -> Iterator[Iterator[tuple[str, Element]]]:
        """The file's (event, element) pairs; the XML library's errors become ParseError."""
        with self._errors():
            yield iterparse(self._stream, events=("start", "end"), parser=self._parser)

    def handle(self, handler: XmlHandler) -> Iterator[Any]:
        """Read the file with expat calling `handler` for every element; yields the records
        the handler made, as they come. The XML library's errors become ParseError."""
        expat_parser = self._parser.parser
        expat_parser.StartElementHandler = handler.start
        expat_parser.EndElementHandler = handler.end
        expat_parser.CharacterDataHandler = handler.text or _DISCARD
        records = handler.records
        read = self._stream.read
        with self._errors():
            try:
                while data := read(CHUNK_SIZE):
                    expat_parser.Parse(data, False)
                    if records:
                        yield from records
                        records.clear()
                expat_parser.Parse(b"", True)
            except expat.ExpatError as error:
                # As ElementTree's iterparse does: the records read before the error first,
                # then the error it would have raised.
                converted = XmlParseError(str(error))
                converted.code = error.code
                converted.position = (error.lineno, error.offset)
                yield from records
                records.clear()
                raise converted from None
        yield from records

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except XmlParseError as error:
            line, column = getattr(error, "position", (0, 0))
            code = getattr(error, "code", None)
            # An empty file also ends "with no element found", but nothing was cut from it.
            problem = (
                Problem.TRUNCATED if code in _TRUNCATION_CODES and self.has_root else Problem.NOT_WELL_FORMED
            )
            raise ParseError(problem, where=f"line {line}, column {column}", detail=str(error)) from None
        except DefusedXmlException as error:
            raise ParseError(Problem.FORBIDDEN_CONSTRUCT, where=self.position(), detail=str(error)) from None
        except (expat.error, UnicodeError, LookupError) as error:
            # expat raises some errors (an unknown encoding, an undefined entity in a DTD)
            # straight from a handler, bypassing ElementTree's conversion to ParseError.
            raise ParseError(Problem.NOT_WELL_FORMED, where=self.position(), detail=str(error)) from None

    def check_root(self, element: Element | str, expected: str | tuple[str, ...]) -> None:
        """Refuse a file whose root element (or its name) is not one this format has."""
        self.has_root = True
        names = (expected,) if isinstance(expected, str) else expected
        tag = element if isinstance(element, str) else element.tag
        if tag not in names:
            raise ParseError(
                Problem.WRONG_FORMAT,
                where=f"<{tag}>",
                detail=f"root element <{tag}>, expected <{names[0]}>",
            )

    def position(self) -> str:
        """Where expat is in the file now: exact while a handler runs, else the end of
        the chunk it last read."""
        expat_parser = self._parser.parser
        return f"line {expat_parser.CurrentLineNumber}, column {expat_parser.CurrentColumnNumber}"


def root_element(head: bytes) -> tuple[str, str]:
    """The name of the first element of the XML file starting with `head`, and the text
    from there on; ("", "") when the head holds no element.

    Skips a byte-order mark, the XML declaration, processing instructions, comments and a
    document type declaration, in whatever order they come.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    position = 0
    length = len(text)
    while position < length:
        start = text.find("<", position)
        if start < 0 or text[position:start].strip("\ufeff \t\r\n"):
            return "", ""
        if text.startswith("<?", start):
            end = text.find("?>", start)
            position = end + 2
        elif text.startswith("<!--", start):
            end = text.find("-->", start)
            position = end + 3
        elif text.startswith("<!", start):
            bracket = text.find("[", start)
            close = text.find(">", start)
            if 0 <= bracket < close:
                close = text.find("]>", bracket)
                end = close if close < 0 else close + 1
            else:
                end = close
            position = end + 1
        else:
            match = _NAME.match(text, start)
            return (match.group(1), text[start:]) if match else ("", "")
        if end < 0:
            return "", ""
    return "", ""


def tidy_text(text: str) -> str:
    """`text` without the indentation a pretty-printed export adds to every line; line and
    paragraph breaks stay."""
    text = text.strip()
    if "\n" not in text:
        return text
    return "\n".join(line.strip() for line in text.splitlines())
