"""Streaming reads of the JSON scanner formats (Trivy, SARIF). Pure module: no Django import.

`walk` turns a binary stream into a flat series of events through ijson (its C backend
where installed), building whole only the values the caller asks for (one vulnerability,
one SARIF result), so a file of any size is read in bounded memory. ijson's errors become
`ParseError`s naming the JSON path and the byte range where the reading stopped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import ijson

from garrison.vulns.parsers.base import ParseError, Problem

CHUNK_SIZE = 64 * 1024
BOM = b"\xef\xbb\xbf"
WHITESPACE = b" \t\r\n"

# Event kinds `walk` yields.
START = "start"  # a map or array opens at the prefix (and is not captured)
END = "end"  # it closes
VALUE = "value"  # a scalar, or a whole captured map or array

_OPENING = frozenset(("start_map", "start_array"))
_CLOSING = frozenset(("end_map", "end_array"))

Event = tuple[str, str, Any]


class _CountingReader:
    """The stream, read in chunks, skipping a leading byte-order mark (editors on Windows
    write one; the JSON parser refuses it) and counting the bytes read so far, so that an
    error can name the range of bytes it lies in."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._head = stream.read(CHUNK_SIZE) or b""
        if self._head.startswith(BOM):
            self._head = self._head[len(BOM) :]
        self.start = 0  # first byte of the chunk being parsed
        self.end = 0  # bytes handed to the parser so far

    def first_character(self) -> bytes:
        """The first byte that is not whitespace (looking at most one chunk ahead)."""
        stripped = self._head.lstrip(WHITESPACE)
        return stripped[:1]

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson asks for nothing to learn whether the stream gives bytes
            return b""
        if self._head:
            chunk, self._head = self._head, b""
        else:
            chunk = self._stream.read(size if size and size > 0 else CHUNK_SIZE) or b""
        if chunk:  # the empty read at the end leaves the last chunk's range in place
            self.start = self.end
            self.end += len(chunk)
        return chunk


def readable_path(prefix: str) -> str:
    """An ijson prefix as a reader expects a JSON path: ``Results[].Vulnerabilities[]``."""
    if not prefix:
        return "(document)"
    return re.sub(r"(^|\.)item(?=\.|$)", "[]", prefix).replace(".[]", "[]")


def _error_detail(error: Exception) -> str:
    message = error.args[0] if error.args else str(error)
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    # yajl follows its message with an excerpt of the text; the first line says what is wrong
    # and the excerpt could hold anything (secrets included), so it is left out.
    return str(message).strip().splitlines()[0] if str(message).strip() else type(error).__name__


def _build(events: Iterator[tuple[str, str, Any]], opening: str) -> Any:
    """The map or array that `opening` starts, built from the events that follow it.

    ijson's ObjectBuilder does the same with a method call per event; inlined here, a large
    report reads in a third of the time."""
    root: Any = {} if opening == "start_map" else []
    stack = [root]
    top = root
    in_map = opening == "start_map"
    key = ""
    for _, event, value in events:
        if event == "map_key":
            key = value
        elif event == "start_map" or event == "start_array":
            child: Any = {} if event == "start_map" else []
            if in_map:
                top[key] = child
            else:
                top.append(child)
            stack.append(child)
            top, in_map = child, event == "start_map"
        elif event == "end_map" or event == "end_array":
            stack.pop()
            if not stack:
                return root
            top = stack[-1]
            in_map = isinstance(top, dict)
        elif in_map:
            top[key] = value
        else:
            top.append(value)
    return root  # pragma: no cover - ijson raises on a document that ends inside a value


def walk(stream: BinaryIO, capture: Callable[[str], bool], *, opening: bytes = b"{[") -> Iterator[Event]:
    """The JSON document's events as (prefix, kind, value): START and END for every map or
    array, VALUE for every scalar; a map or array whose prefix `capture` accepts comes whole
    as one VALUE. A document that does not open with one of `opening` is the wrong format."""
    reader = _CountingReader(stream)
    first = reader.first_character()
    if not first:
        raise ParseError(Problem.WRONG_FORMAT, where="(document)", detail="the file is empty")
    if first not in opening:
        raise ParseError(
            Problem.WRONG_FORMAT, where="byte 1", detail="not a JSON document of the expected shape"
        )
    prefix = ""
    try:
        events = iter(ijson.parse(reader, use_float=True))
        for prefix, event, value in events:
            if event == "map_key":
                continue
            if event in _OPENING:
                if capture(prefix):
                    yield prefix, VALUE, _build(events, event)
                else:
                    yield prefix, START, None
            elif event in _CLOSING:
                yield prefix, END, None
            else:
                yield prefix, VALUE, value
    except ijson.JSONError as error:
        detail = _error_detail(error)
        problem = Problem.TRUNCATED if "premature EOF" in detail else Problem.NOT_WELL_FORMED
        where = f"{readable_path(prefix)}, bytes {reader.start + 1}-{reader.end}"
        raise ParseError(problem, where=where, detail=detail) from error
    except (UnicodeDecodeError, OverflowError, RecursionError) as error:
        # the pure-Python backends raise these where yajl reports a syntax error
        where = f"{readable_path(prefix)}, bytes {reader.start + 1}-{reader.end}"
        raise ParseError(Problem.NOT_WELL_FORMED, where=where, detail=_error_detail(error)) from error


def text(value: Any) -> str:
    """A JSON value as a stripped string; blank for null, maps and lists."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def number(value: Any) -> float | None:
    """A JSON number or numeric string as a float, None when it is not a finite number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if result == result and abs(result) != float("inf") else None


def mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one: scanners write null or
    the wrong type where a field is optional."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    """`value` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def unique(values: Iterator[str] | list[str]) -> tuple[str, ...]:
    """The non-blank values, first occurrence kept, in order."""
    return tuple(dict.fromkeys(value for value in values if value))
