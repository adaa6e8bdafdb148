"""Tenable Nessus ``.nessus`` (version 2) files. Pure module: no Django import.

A file holds a policy, then one `ReportHost` per machine scanned: its `HostProperties`
(address, names, operating system) and a `ReportItem` per plugin that reported something,
informational ones (severity 0) included. Each host becomes a `ScannedHost` and each
item a `ParsedFinding`; the import service decides what to keep.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterator
from typing import BinaryIO

from garrison.vulns.parsers.base import ParsedFinding, Parser, Problem, Record, RejectedRecord, ScannedHost
from garrison.vulns.parsers.xml_stream import XmlStream, root_element, tidy_text

ROOT = "NessusClientData_v2"
_SEVERITIES = frozenset("01234")
# Nessus writes what a version check found into the plugin output in this form.
_INSTALLED_VERSION = re.compile(r"Installed version\s*:\s*(\S+)")
_FIXED_VERSION = re.compile(r"Fixed version\s*:\s*(\S+)")
# Vector and score elements, best first: CVSS v4.0 over v3.x over v2.
_CVSS_ELEMENTS = (
    ("cvss4_vector", "cvss4_base_score"),
    ("cvss3_vector", "cvss3_base_score"),
    ("cvss_vector", "cvss_base_score"),
)
_CVSS_TAGS = frozenset(tag for pair in _CVSS_ELEMENTS for tag in pair)


class NessusParser(Parser):
    """Reads a Nessus v2 file as it arrives, one item at a time, keeping nothing of a host
    once it is read."""

    name = "nessus"

    @classmethod
    def recognises(cls, head: bytes, filename: str) -> bool:
        return root_element(head)[0] == ROOT

    def parse(self, stream: BinaryIO, filename: str) -> Iterator[Record]:
        xml = XmlStream(stream)
        yield from xml.handle(_NessusReader(xml))


class _NessusReader:
    """The element handlers that turn a Nessus file into records while expat reads it.

    Only the texts of an item's children and of a host's properties are kept, each up to
    its first child element (what ElementTree calls an element's text). Every text goes to
    `buffer`, which each element's start empties: it holds the text read since the last
    tag."""

    __slots__ = (
        "buffer",
        "child",
        "child_text",
        "depth",
        "host",
        "host_label",
        "host_reported",
        "identifiers",
        "item",
        "properties",
        "property_name",
        "records",
        "text",
        "texts",
        "xml",
    )

    def __init__(self, xml: XmlStream) -> None:
        self.xml = xml
        self.records: list[Record] = []
        self.host: ScannedHost | None = None
        self.host_label = ""
        self.host_reported = False
        # The ReportItem being read: its attributes, its children's texts, its CVE and
        # CWE elements in order.
        self.item: dict[str, str] | None = None
        self.texts: dict[str, str] = {}
        self.identifiers: list[tuple[str, str]] = []
        # The HostProperties being read: each child's name attribute and text.
        self.properties: dict[str, str] | None = None
        self.property_name = ""
        # The child of an item or of the properties being read, how many elements are open
        # inside it, and its text once one is.
        self.child: str | None = None
        self.depth = 0
        self.child_text: str | None = None
        self.buffer: list[str] = []
        self.text = self.buffer.append

    def start(self, tag: str, attributes: list[str]) -> None:
        if self.child is not None:
            if not self.depth:
                self.child_text = "".join(self.buffer)
            self.depth += 1
            return
        self.buffer.clear()
        if self.item is not None or self.properties is not None:
            if self.item is None:
                self.property_name = _attribute(attributes, "name")
            self.child = tag
            self.child_text = None
        elif tag == "ReportItem":
            self.item = dict(zip(attributes[::2], attributes[1::2], strict=True))
            self.texts = {}
            self.identifiers = []
        elif tag == "ReportHost":
            self.host_label = _attribute(attributes, "name").strip()
            self.host = _host_from_label(self.host_label)
            self.host_reported = False
        elif tag == "HostProperties":
            self.properties = {}
        elif not self.xml.has_root:
            self.xml.check_root(tag, ROOT)

    def end(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
        elif self.child is not None:
            text = "".join(self.buffer) if self.child_text is None else self.child_text
            if self.item is not None:
                self.texts[tag] = text
                if tag == "cve" or tag == "cwe":
                    self.identifiers.append((tag, text))
            elif self.properties is not None:
                self.properties[self.property_name] = text.strip()
            self.child = None
        elif self.item is not None:
            if not self.host_reported and self.host is not None:
                self.host_reported = True
                self.records.append(self.host)
            self.records.append(_finding(self.item, self.texts, self.identifiers, self.host, self.host_label))
            self.item = None
        elif self.properties is not None:
            self.host = _scanned_host(self.properties, self.host_label)
            self.host_reported = True
            self.records.append(self.host)
            self.properties = None
        elif tag == "ReportHost":
            if not self.host_reported and self.host is not None:
                self.records.append(self.host)
            self.host = None


def _attribute(attributes: list[str], name: str) -> str:
    """An attribute's value from expat's flat [name, value, …] list; blank when absent."""
    for position in range(0, len(attributes), 2):
        if attributes[position] == name:
            return attributes[position + 1]
    return ""


def _finding(
    attrib: dict[str, str],
    texts: dict[str, str],
    identifiers: list[tuple[str, str]],
    host: ScannedHost | None,
    host_label: str,
) -> ParsedFinding | RejectedRecord:
    rule_id = attrib.get("pluginID", "").strip()
    title = attrib.get("pluginName", "").strip() or texts.get("plugin_name", "").strip()
    if not rule_id or not title:
        return RejectedRecord(
            where=f"ReportHost {host_label or '?'}, ReportItem {rule_id or '?'}",
            problem=Problem.MISSING_VALUE,
            detail="pluginID" if not rule_id else "pluginName",
        )
    port_text = attrib.get("port", "0").strip() or "0"
    if not port_text.isdigit() or int(port_text) > 65535:
        return RejectedRecord(
            where=f"ReportHost {host_label or '?'}, ReportItem {rule_id}",
            problem=Problem.BAD_VALUE,
            detail=f"port {port_text!r}",
        )
    service = attrib.get("svc_name", "").strip()
    severity = attrib.get("severity", "").strip()
    if severity not in _SEVERITIES:
        severity = texts.get("risk_factor", "").strip()
    vector = ""
    score = None
    if not _CVSS_TAGS.isdisjoint(texts):
        for vector_tag, score_tag in _CVSS_ELEMENTS:
            vector = texts.get(vector_tag, "").strip()
            score = _number(texts.get(score_tag, ""))
            if vector or score is not None:
                break
    evidence = texts.get("plugin_output", "").strip()
    component, component_version = _product(texts.get("cpe", ""))
    installed = _INSTALLED_VERSION.search(evidence) if "Installed version" in evidence else None
    fixed = _FIXED_VERSION.search(evidence) if "Fixed version" in evidence else None
    solution = tidy_text(texts.get("solution", ""))
    cve_ids, cwe_ids = _identifiers(identifiers) if identifiers else ((), ())
    return ParsedFinding(
        title=title,
        rule_id=rule_id,
        host=host.address if host is not None and host.address else host_label,
        host_names=host.names if host is not None else (),
        port=int(port_text) or None,
        protocol=attrib.get("protocol", "").strip().lower(),
        service="" if service == "general" else service,
        component=component,
        component_version=installed.group(1) if installed else component_version,
        fixed_version=fixed.group(1) if fixed else "",
        severity=severity,
        cvss_vector=vector,
        cvss_score=score,
        cve_ids=cve_ids,
        cwe_ids=cwe_ids,
        description=tidy_text(texts.get("description", "") or texts.get("synopsis", "")),
        solution="" if solution.lower() == "n/a" else solution,
        evidence=evidence,
        references=tuple(texts.get("see_also", "").split()),
    )


def _identifiers(identifiers: list[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The item's CVE and CWE identifiers, in order, once each, with their prefix."""
    cves: dict[str, None] = {}
    cwes: dict[str, None] = {}
    for tag, text in identifiers:
        if text and text.strip():
            text = text.strip().upper()
            if tag == "cve":
                cves[text] = None
            else:
                cwes[text if text.startswith("CWE-") else f"CWE-{text}"] = None
    return tuple(cves), tuple(cwes)


def _host_from_label(label: str) -> ScannedHost:
    """The host a ReportHost's name stands for until its properties say more."""
    if _is_address(label):
        return ScannedHost(address=label)
    return ScannedHost(names=(label,) if label else ())


def _scanned_host(tags: dict[str, str], host_label: str) -> ScannedHost:
    """The host its properties describe (`tags`: each property's name and text)."""
    address = tags.get("host-ip", "") or (host_label if _is_address(host_label) else "")
    names = [tags.get("host-fqdn", ""), tags.get("netbios-name", "")]
    if host_label and host_label != address:
        names.insert(0, host_label)
    return ScannedHost(
        address=address,
        names=tuple(dict.fromkeys(name for name in names if name)),
        operating_system=tags.get("operating-system", "").splitlines()[0]
        if tags.get("operating-system")
        else "",
    )


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _number(text: str) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


@functools.lru_cache(maxsize=1024)
def _product(cpe: str) -> tuple[str, str]:
    """The product and version a CPE names (``cpe:/a:php:php:5.6`` or the 2.3 form)."""
    first = cpe.split()[0] if cpe else ""
    if first.startswith("cpe:2.3:"):
        parts = first.split(":")[3:]
    elif first.startswith("cpe:/"):
        parts = first[5:].split(":")[1:]
    else:
        return "", ""
    product = parts[1] if len(parts) > 1 else ""
    version = parts[2] if len(parts) > 2 and parts[2] not in ("*", "-") else ""
    return product, version
