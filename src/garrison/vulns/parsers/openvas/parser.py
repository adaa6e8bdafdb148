"""OpenVAS and Greenbone (GVM) XML reports. Pure module: no Django import.

GVM exports a report as ``<report>`` (sometimes wrapped in the ``<get_reports_response>``
of its management protocol) holding another ``<report>`` with ``<results>``: one
``<result>`` per weakness a test (an NVT, named by its OID) found on a host and port.
Each result becomes a `ParsedFinding`. The hosts the scan covered come from the report's
``<host>`` elements and from the results' hosts, merged by address; they are yielded once
each, at the end, because GVM writes its host list after the results.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree.ElementTree import Element

from garrison.vulns.parsers.base import ParsedFinding, Parser, Problem, Record, RejectedRecord, ScannedHost
from garrison.vulns.parsers.xml_stream import XmlStream, root_element, tidy_text

ROOTS = ("report", "get_reports_response")
# What tells a GVM report from any other XML file whose root is <report>.
_MARKERS = ("<gmp>", "<omp>", "<report_format", "format_id=", "<scan_run_status", "<results", "<nvt ")
_PROTOCOLS = frozenset(("tcp", "udp", "icmp", "sctp"))


@dataclass(slots=True)
class _Host:
    names: list[str] = field(default_factory=list)
    operating_system: str = ""


class OpenvasParser(Parser):
    """Reads a GVM report result by result, forgetting each one once it is read."""

    name = "openvas"

    @classmethod
    def recognises(cls, head: bytes, filename: str) -> bool:
        root, text = root_element(head)
        if root == "get_reports_response":
            return True
        return root == "report" and any(marker in text for marker in _MARKERS)

    def parse(self, stream: BinaryIO, filename: str) -> Iterator[Record]:
        xml = XmlStream(stream)
        hosts: dict[str, _Host] = {}
        # The open elements, outermost first: a result counts only inside <results> and a
        # host only right inside a report, because <ports> and <scan> hold hosts as well.
        open_elements: list[Element] = []
        results = 0
        with xml.reading() as events:
            for event, element in events:
                if event == "start":
                    if not open_elements:
                        xml.check_root(element, ROOTS)
                    open_elements.append(element)
                    continue
                open_elements.pop()
                if not open_elements:
                    continue
                parent = open_elements[-1]
                tag = element.tag
                if tag == "result" and parent.tag == "results":
                    results += 1
                    record = _finding(element, results)
                    if isinstance(record, ParsedFinding) and record.host:
                        known = hosts.setdefault(record.host, _Host())
                        known.names.extend(name for name in record.host_names if name not in known.names)
                    yield record
                    parent.clear()
                elif parent.tag in ROOTS or parent.tag == "report":
                    if tag == "host":
                        _merge_host(element, hosts)
                    # Keeps only the open elements in memory: what a report holds besides
                    # its results is read and dropped.
                    parent.remove(element)
        for address, host in hosts.items():
            yield ScannedHost(
                address=address, names=tuple(host.names), operating_system=host.operating_system
            )


def _finding(result: Element, number: int) -> ParsedFinding | RejectedRecord:
    where = f"result {number}"
    nvt = result.find("nvt")
    if nvt is None or not nvt.get("oid", "").strip():
        return RejectedRecord(where=where, problem=Problem.MISSING_VALUE, detail="nvt oid")
    rule_id = nvt.get("oid", "").strip()
    title = _text(nvt, "name") or _text(result, "name")
    if not title:
        return RejectedRecord(where=where, problem=Problem.MISSING_VALUE, detail="name")
    port_text = _text(result, "port")
    number_part, _, protocol = port_text.partition("/")
    port = None
    if number_part.isdigit():
        port = int(number_part) or None
        if port is not None and port > 65535:
            return RejectedRecord(where=where, problem=Problem.BAD_VALUE, detail=f"port {port_text!r}")
    host_element = result.find("host")
    address = (host_element.text or "").strip() if host_element is not None else ""
    hostname = _text(host_element, "hostname") if host_element is not None else ""
    tags = _tags(_text(nvt, "tags"))
    threat = _text(result, "threat")
    severity = _text(result, "severity")
    cve_ids: list[str] = []
    cwe_ids: list[str] = []
    references: list[str] = []
    for ref in nvt.iter("ref"):
        kind = ref.get("type", "").lower()
        value = ref.get("id", "").strip()
        if not value:
            continue
        if kind == "cve":
            cve_ids.append(value.upper())
        elif kind == "cwe":
            cwe_ids.append(value if value.upper().startswith("CWE-") else f"CWE-{value}")
        elif kind == "url":
            references.append(value)
    return ParsedFinding(
        title=title,
        rule_id=rule_id,
        host=address or hostname,
        host_names=(hostname,) if hostname and hostname != address else (),
        port=port,
        protocol=protocol.strip().lower() if protocol.strip().lower() in _PROTOCOLS else "",
        severity=threat or severity,
        cvss_vector=_vector(nvt, tags),
        cvss_score=_number(severity),
        cve_ids=tuple(dict.fromkeys(cve_ids)),
        cwe_ids=tuple(dict.fromkeys(cwe_ids)),
        description=tidy_text(tags.get("summary", "")),
        solution=tidy_text(_text(nvt, "solution") or tags.get("solution", "")),
        evidence=_text(result, "description"),
        references=tuple(dict.fromkeys(references)),
    )


def _merge_host(element: Element, hosts: dict[str, _Host]) -> None:
    """Adds a report's <host> (its address, and the names and system GVM detected) to `hosts`."""
    address = _text(element, "ip") or (element.text or "").strip()
    if not address:
        return
    host = hosts.setdefault(address, _Host())
    for detail in element.iter("detail"):
        name = _text(detail, "name")
        value = _text(detail, "value")
        if not value:
            continue
        if name == "hostname" and value not in host.names and value != address:
            host.names.append(value)
        elif name == "best_os_txt" and not host.operating_system:
            host.operating_system = value


def _vector(nvt: Element, tags: dict[str, str]) -> str:
    """The best CVSS vector the test gives: newer GVM lists its severities, v4.0 and v3.x
    first; older ones only put a vector in the tags."""
    vectors = {
        severity.get("type", ""): _text(severity, "value") for severity in nvt.iterfind("severities/severity")
    }
    for kind in ("cvss_base_v4", "cvss_base_v3", "cvss_base_v2"):
        if vectors.get(kind):
            return vectors[kind]
    return tags.get("cvss_base_vector", "")


def _tags(text: str) -> dict[str, str]:
    """GVM's ``key=value|key=value`` tag string as a dictionary."""
    tags: dict[str, str] = {}
    for part in text.split("|"):
        key, _, value = part.partition("=")
        if key.strip() and value.strip():
            tags[key.strip()] = value.strip()
    return tags


def _text(element: Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _number(text: str) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None
