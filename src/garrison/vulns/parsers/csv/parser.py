"""Garrison's own CSV format, for findings from tools without a supported format, manual
tests and spreadsheets. Pure module: no Django import.

One header row, then one finding per row. Columns are found by their header, in any
order, in English (``title``, ``host``, ``severity``...; case, spaces and hyphens do not
matter) or in Chinese (``标题``, ``主机``, ``严重程度``...); unknown columns are ignored.
Only ``title`` is required. Text is UTF-8 (a byte-order mark is fine); a file Excel saved
as GB18030/GBK is read as such. Commas separate the fields, or semicolons or tabs when
the header uses those. A row without a title or with a port, severity or CVSS score that
cannot be right is rejected (``line N``) and the rows around it are kept. Every distinct
host (with its host name) is also reported as a scanned host.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from garrison.vulns.parsers.base import (
    ParsedFinding,
    ParseError,
    Parser,
    Problem,
    Record,
    RejectedRecord,
    ScannedHost,
)

CHUNK_SIZE = 64 * 1024
BOM = b"\xef\xbb\xbf"

# Each column and the headers that name it. English names are compared lower-cased with
# spaces and hyphens as underscores; Chinese names as written.
COLUMNS: dict[str, tuple[str, ...]] = {
    "host": ("host", "ip", "ip_address", "address", "主机", "主机地址", "IP地址"),
    "host_name": ("host_name", "hostname", "fqdn", "主机名", "主机名称", "域名"),
    "port": ("port", "端口"),
    "protocol": ("protocol", "协议"),
    "service": ("service", "服务"),
    "title": ("title", "name", "vulnerability", "标题", "漏洞名称", "名称"),
    "rule_id": ("rule_id", "rule", "plugin_id", "check_id", "规则编号", "规则"),
    "severity": ("severity", "risk", "严重程度", "风险等级", "等级"),
    "cvss_vector": ("cvss_vector", "vector", "CVSS向量"),
    "cvss_score": ("cvss_score", "cvss", "score", "CVSS评分", "CVSS分数"),
    "cve": ("cve", "cves", "cve_ids", "cve_id", "CVE编号"),
    "cwe": ("cwe", "cwes", "cwe_ids", "cwe_id", "CWE编号"),
    "component": ("component", "package", "product", "组件", "软件包"),
    "component_version": ("component_version", "version", "installed_version", "组件版本", "版本"),
    "fixed_version": ("fixed_version", "fixed_in", "修复版本"),
    "location": ("location", "path", "url", "位置", "路径"),
    "description": ("description", "details", "描述", "漏洞描述"),
    "solution": ("solution", "remediation", "recommendation", "解决方案", "修复建议", "整改建议"),
    "evidence": ("evidence", "output", "proof", "证据", "验证信息"),
    "references": ("references", "reference", "links", "参考", "参考链接"),
}
HEADER_NAMES = {name.casefold(): column for column, names in COLUMNS.items() for name in names}
TITLE_NAMES = frozenset(name.casefold() for name in COLUMNS["title"])

# Severity words, English and Chinese, to the words the severity module knows.
SEVERITIES = {
    "critical": "critical",
    "high": "high",
    "medium": "medium",
    "moderate": "medium",
    "low": "low",
    "info": "info",
    "informational": "info",
    "none": "info",
    "0": "info",
    "1": "low",
    "2": "medium",
    "3": "high",
    "4": "critical",
    "严重": "critical",
    "紧急": "critical",
    "高": "high",
    "高危": "high",
    "中": "medium",
    "中危": "medium",
    "低": "low",
    "低危": "low",
    "信息": "info",
    "提示": "info",
}
# ASCII and full-width (Chinese input) commas and semicolons, and spaces
LIST_SEPARATOR = re.compile("[;,\uff0c\uff1b\\s]+")
REFERENCE_SEPARATOR = re.compile(r"[;\s]+")
CVE = re.compile(r"^CVE-\d{4}-\d{4,}$", re.IGNORECASE)
CWE = re.compile(r"^(?:CWE-?)?0*(\d+)$", re.IGNORECASE)
PORT = re.compile(r"^(\d{1,5})(?:/([A-Za-z]+))?$")
LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
DELIMITERS = (",", ";", "\t")


def _normalise(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lstrip("\ufeff")).casefold()


def _encoding(head: bytes) -> str:
    """UTF-8 unless the head is not, and is GB18030 (Excel's default on Chinese Windows)."""
    try:
        # a multi-byte character may be cut at the end of the head
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        return ""


def _is_text(head: bytes) -> bool:
    return b"\x00" not in head and bool(_encoding(head))


def _header_line(head: bytes) -> str:
    encoding = _encoding(head) or "utf-8"
    text = head.removeprefix(BOM).decode(encoding, errors="ignore")
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def _delimiter(header: str) -> str:
    return max(DELIMITERS, key=header.count) if header else ","


class _Lines:
    """The stream's text line by line, line endings kept (the csv module needs them to
    read line breaks inside quoted fields), decoded as it arrives."""

    def __init__(self, stream: BinaryIO, head: bytes, encoding: str) -> None:
        self._stream = stream
        self._head = head
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self.number = 0  # lines handed out so far

    def __iter__(self) -> Iterator[str]:
        pending = ""
        chunk = self._head
        while chunk:
            try:
                pending += self._decoder.decode(chunk)
            except UnicodeDecodeError as error:
                # name the line the bad bytes are on, not the first line of the chunk
                good = chunk[: max(error.start, 0)].decode(self._encoding, errors="ignore")
                line = self.number + 1 + len(LINE_BREAK.findall(pending + good))
                raise ParseError(Problem.NOT_WELL_FORMED, where=f"line {line}", detail=str(error)) from error
            pieces = LINE_BREAK.split(pending)
            pending = pieces.pop()
            # a line ending in a lone carriage return may go on with a line feed next chunk
            if pieces and pieces[-1] == "\r" and not pending:
                pending = pieces.pop(-2) + pieces.pop()
            for index in range(0, len(pieces), 2):
                self.number += 1
                yield pieces[index] + pieces[index + 1]
            chunk = self._stream.read(CHUNK_SIZE)
        try:
            pending += self._decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise ParseError(Problem.TRUNCATED, where=f"line {self.number + 1}", detail=str(error)) from error
        if pending:
            self.number += 1
            yield pending


def _severity(value: str) -> str | None:
    """The severity word, blank for none given, None when the value cannot be one."""
    if not value:
        return ""
    return SEVERITIES.get(value.strip().casefold())


class CsvParser(Parser):
    """Reads Garrison's CSV format (see the module's docstring and the user guide)."""

    name: ClassVar[str] = "csv"

    @classmethod
    def recognises(cls, head: bytes, filename: str) -> bool:
        if not filename.lower().endswith(".csv") or not _is_text(head):
            return False
        header = _header_line(head)
        try:
            names = next(csv.reader([header], delimiter=_delimiter(header)), [])
        except csv.Error:
            return False
        return any(_normalise(name) in TITLE_NAMES for name in names)

    def parse(self, stream: BinaryIO, filename: str) -> Iterator[Record]:
        head = stream.read(CHUNK_SIZE) or b""
        if b"\x00" in head:
            raise ParseError(Problem.WRONG_FORMAT, where="line 1", detail="not a text file")
        encoding = _encoding(head)
        if not encoding:
            raise ParseError(Problem.WRONG_FORMAT, where="line 1", detail="not UTF-8 or GB18030 text")
        head = head.removeprefix(BOM)
        lines = _Lines(stream, head, encoding)
        reader = csv.reader(lines, delimiter=_delimiter(_header_line(head)))
        hosts: set[tuple[str, str]] = set()
        try:
            columns = self._columns(reader)
            last_line = reader.line_num
            for row in reader:
                # a quoted field may span lines: the row is named by the line it starts on
                first_line, last_line = last_line + 1, reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                values = {column: row[index].strip() for index, column in columns.items() if index < len(row)}
                record = self._record(values, f"line {first_line}")
                if isinstance(record, ParsedFinding) and (record.host or record.host_names):
                    key = (record.host, record.host_names[0] if record.host_names else "")
                    if key not in hosts:
                        hosts.add(key)
                        yield ScannedHost(address=record.host, names=record.host_names)
                yield record
        except csv.Error as error:
            raise ParseError(
                Problem.NOT_WELL_FORMED, where=f"line {lines.number}", detail=str(error)
            ) from error

    @staticmethod
    def _columns(reader: Iterator[list[str]]) -> dict[int, str]:
        """Column positions of the header row (the first row that is not blank)."""
        for header in reader:
            if not any(cell.strip() for cell in header):
                continue
            columns: dict[int, str] = {}
            for index, name in enumerate(header):
                column = HEADER_NAMES.get(_normalise(name))
                if column and column not in columns.values():
                    columns[index] = column
            if "title" not in columns.values():
                raise ParseError(
                    Problem.WRONG_FORMAT, where="line 1", detail="no title column in the header row"
                )
            return columns
        raise ParseError(Problem.WRONG_FORMAT, where="line 1", detail="the file is empty")

    @staticmethod
    def _record(values: dict[str, str], where: str) -> Record:
        title = values.get("title", "")
        if not title:
            return RejectedRecord(where=where, problem=Problem.MISSING_VALUE, detail="title")
        port: int | None = None
        protocol = values.get("protocol", "").lower()
        if values.get("port"):
            match = PORT.match(values["port"])
            if not match or int(match.group(1)) > 65535:
                return RejectedRecord(
                    where=where, problem=Problem.BAD_VALUE, detail=f"port {values['port']!r}"
                )
            port = int(match.group(1))
            protocol = protocol or (match.group(2) or "").lower()
        severity = _severity(values.get("severity", ""))
        if severity is None:
            return RejectedRecord(
                where=where, problem=Problem.BAD_VALUE, detail=f"severity {values['severity']!r}"
            )
        score: float | None = None
        if values.get("cvss_score", "").upper().startswith(("CVSS:", "AV:")):
            # a "CVSS" column holding vectors rather than scores
            values.setdefault("cvss_vector", values["cvss_score"])
            values["cvss_vector"] = values["cvss_vector"] or values.pop("cvss_score")
            values.pop("cvss_score", None)
        if values.get("cvss_score"):
            try:
                score = float(values["cvss_score"])
            except ValueError:
                score = -1.0
            if not 0 <= score <= 10:
                return RejectedRecord(
                    where=where, problem=Problem.BAD_VALUE, detail=f"CVSS score {values['cvss_score']!r}"
                )
        cve_parts = [part for part in LIST_SEPARATOR.split(values.get("cve", "")) if part]
        wrong = [part for part in cve_parts if not CVE.match(part)]
        if wrong:
            return RejectedRecord(where=where, problem=Problem.BAD_VALUE, detail=f"CVE {wrong[0]!r}")
        cwe_parts = [part for part in LIST_SEPARATOR.split(values.get("cwe", "")) if part]
        cwe_matches = [CWE.match(part) for part in cwe_parts]
        if not all(cwe_matches):
            return RejectedRecord(
                where=where, problem=Problem.BAD_VALUE, detail=f"CWE {cwe_parts[cwe_matches.index(None)]!r}"
            )
        cve_ids = tuple(dict.fromkeys(part.upper() for part in cve_parts))
        cwe_ids = tuple(dict.fromkeys(f"CWE-{match.group(1)}" for match in cwe_matches if match))
        host_name = values.get("host_name", "")
        return ParsedFinding(
            title=title,
            # a row without a rule is identified by its first CVE, else by its title
            rule_id=values.get("rule_id") or (cve_ids[0] if cve_ids else title),
            host=values.get("host", ""),
            host_names=(host_name,) if host_name else (),
            port=port,
            protocol=protocol,
            service=values.get("service", ""),
            location=values.get("location", ""),
            component=values.get("component", ""),
            component_version=values.get("component_version", ""),
            fixed_version=values.get("fixed_version", ""),
            severity=severity,
            cvss_vector=values.get("cvss_vector", ""),
            cvss_score=score,
            cve_ids=cve_ids,
            cwe_ids=cwe_ids,
            description=values.get("description", ""),
            solution=values.get("solution", ""),
            evidence=values.get("evidence", ""),
            references=tuple(
                dict.fromkeys(
                    part for part in REFERENCE_SEPARATOR.split(values.get("references", "")) if part
                )
            ),
        )
