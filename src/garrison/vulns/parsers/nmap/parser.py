"""Nmap XML output (``nmap -oX``). Pure module: no Django import.

Nmap finds machines and what listens on them rather than weaknesses: every host that was
up becomes a `ScannedHost` (which feeds asset discovery), every open port an
informational `ParsedFinding` (rule ``open-port``) naming the service, product and
version Nmap detected. Where the ``vulners`` script ran, each CVE it lists for a service
becomes a finding of its own with the CVSS score vulners gave.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element

from garrison.vulns.parsers.base import ParsedFinding, Parser, Problem, Record, RejectedRecord, ScannedHost
from garrison.vulns.parsers.xml_stream import XmlStream, root_element

ROOT = "nmaprun"
OPEN_PORT = "open-port"
# A line of the vulners script's text output: identifier, CVSS score, link.
_VULNERS_LINE = re.compile(r"^\s*(CVE-\d{4}-\d+)\s+(\d+(?:\.\d+)?)", re.MULTILINE)


class NmapParser(Parser):
    """Reads an Nmap file host by host, forgetting each host once it is read."""

    name = "nmap"

    @classmethod
    def recognises(cls, head: bytes, filename: str) -> bool:
        return root_element(head)[0] == ROOT

    def parse(self, stream: BinaryIO, filename: str) -> Iterator[Record]:
        xml = XmlStream(stream)
        root: Element | None = None
        depth = 0
        hosts = 0
        with xml.reading() as events:
            for event, element in events:
                if event == "start":
                    depth += 1
                    if root is None:
                        xml.check_root(element, ROOT)
                        root = element
                    continue
                depth -= 1
                # A child of the root: a host, or the scan's settings and statistics.
                if depth == 1 and root is not None:
                    if element.tag == "host":
                        hosts += 1
                        yield from _host_records(element, hosts)
                    root.remove(element)


def _host_records(host: Element, number: int) -> Iterator[Record]:
    status = host.find("status")
    if status is None or status.get("state") != "up":
        return
    addresses = {
        address.get("addrtype", ""): address.get("addr", "").strip() for address in host.iter("address")
    }
    address = addresses.get("ipv4") or addresses.get("ipv6") or ""
    names = tuple(
        dict.fromkeys(
            name
            for hostname in host.iterfind("hostnames/hostname")
            if (name := hostname.get("name", "").strip())
        )
    )
    if not address and not names:
        yield RejectedRecord(where=f"host {number}", problem=Problem.MISSING_VALUE, detail="address")
        return
    osmatch = host.find("os/osmatch")
    yield ScannedHost(
        address=address, names=names, operating_system=osmatch.get("name", "") if osmatch is not None else ""
    )
    for port_element in host.iterfind("ports/port"):
        state = port_element.find("state")
        if state is None or state.get("state") != "open":
            continue
        port_text = port_element.get("portid", "").strip()
        protocol = port_element.get("protocol", "").strip().lower()
        if not port_text.isdigit() or not 0 < int(port_text) <= 65535:
            yield RejectedRecord(
                where=f"host {address or names[0]}, port {port_text or '?'}",
                problem=Problem.BAD_VALUE,
                detail=f"portid {port_text!r}",
            )
            continue
        port = int(port_text)
        service = port_element.find("service")
        service_name = service.get("name", "") if service is not None else ""
        product = service.get("product", "") if service is not None else ""
        version = service.get("version", "") if service is not None else ""
        extra = service.get("extrainfo", "") if service is not None else ""
        open_port = ParsedFinding(
            title=f"Open port {port}/{protocol}" + (f" ({service_name})" if service_name else ""),
            rule_id=OPEN_PORT,
            host=address or names[0],
            host_names=names,
            port=port,
            protocol=protocol,
            service=service_name,
            component=product,
            component_version=version,
            severity="info",
            evidence=" ".join(part for part in (product, version, f"({extra})" if extra else "") if part),
        )
        yield open_port
        for script in port_element.iterfind("script"):
            if script.get("id") == "vulners":
                yield from _vulners_findings(script, open_port)


def _vulners_findings(script: Element, open_port: ParsedFinding) -> Iterator[ParsedFinding]:
    """The CVEs the vulners script lists for the service on `open_port`, each with the
    CVSS score vulners gives it; other entries (exploits of those CVEs) are left out."""
    entries: dict[str, str] = {}
    for table in script.iter("table"):
        values = {elem.get("key", ""): (elem.text or "").strip() for elem in table.findall("elem")}
        identifier = values.get("id", "").upper()
        if identifier.startswith("CVE-") and (values.get("type", "cve") == "cve"):
            entries.setdefault(identifier, values.get("cvss", ""))
    if not entries:
        # Older versions of the script only write text.
        for match in _VULNERS_LINE.finditer(script.get("output", "")):
            entries.setdefault(match.group(1).upper(), match.group(2))
    subject = " ".join(
        part for part in (open_port.component or open_port.service, open_port.component_version) if part
    )
    for identifier, score_text in entries.items():
        try:
            score: float | None = float(score_text)
        except ValueError:
            score = None
        yield dataclasses.replace(
            open_port,
            title=f"{identifier} in {subject}" if subject else identifier,
            rule_id=identifier,
            severity="",
            cvss_score=score,
            cve_ids=(identifier,),
            evidence=f"vulners: {identifier} {score_text}".strip(),
            references=(f"https://vulners.com/cve/{identifier}",),
        )
