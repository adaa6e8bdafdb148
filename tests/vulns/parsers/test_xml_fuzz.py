"""Fuzzing the XML parsers: whatever is done to the bytes of a small sample (cut, bytes
overwritten, inserted or removed), a parser yields records or raises ParseError, and
never lets another exception escape."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garrison.vulns.parsers import ParsedFinding, ParseError, Parser, RejectedRecord, ScannedHost
from garrison.vulns.parsers.nessus import NessusParser
from garrison.vulns.parsers.nmap import NmapParser
from garrison.vulns.parsers.openvas import OpenvasParser
from tests.vulns.conftest import SAMPLES

NESSUS = b"""<?xml version="1.0" ?>
<NessusClientData_v2><Policy><policyName>Basic</policyName></Policy>
<Report name="weekly"><ReportHost name="web01"><HostProperties>
<tag name="host-ip">10.0.0.7</tag><tag name="host-fqdn">web01.example.com</tag>
<tag name="operating-system">Linux Kernel 5.4</tag></HostProperties>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="3" pluginID="142591"
 pluginName="PHP &lt; 7.3.24">
<cpe>cpe:/a:php:php</cpe><cvss3_base_score>7.5</cvss3_base_score>
<cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H</cvss3_vector><cve>CVE-2020-7070</cve><cwe>20</cwe>
<see_also>https://www.php.net/ChangeLog-7.php</see_also><solution>Upgrade.</solution>
<plugin_output>Installed version : 7.3.1
Fixed version : 7.3.24</plugin_output></ReportItem>
<ReportItem port="0" protocol="icmp" severity="0" pluginID="10114" pluginName="ICMP Timestamp"/>
</ReportHost></Report></NessusClientData_v2>
"""

OPENVAS = b"""<?xml version="1.0"?>
<report id="88bb" format_id="a994"><report id="88bb"><gmp><version>22.6</version></gmp>
<results max="-1" start="1">
<result id="ec5f"><name>Microsoft Windows Multiple Vulnerabilities</name>
<host>10.99.99.99<asset asset_id="9632"/><hostname>server99</hostname></host><port>42/tcp</port>
<nvt oid="1.3.6.1.4.1.25623.1.0.836484"><name>Microsoft Windows Multiple Vulnerabilities</name>
<severities score="9.8"><severity type="cvss_base_v3"><score>9.8</score>
<value>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</value></severity></severities>
<tags>cvss_base_vector=CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H|summary=Missing update
|solution=Update.</tags>
<refs><ref type="cve" id="CVE-2025-49659"/><ref type="url" id="https://support.microsoft.com/5062557"/></refs>
</nvt><threat>High</threat><severity>9.8</severity><description>File version: 10.0.17763.7434</description>
</result></results>
<host><ip>10.99.99.99</ip><detail><name>best_os_txt</name><value>Windows Server 2019</value></detail></host>
</report></report>
"""

SAMPLES_OF: dict[type[Parser], bytes] = {
    NessusParser: NESSUS,
    OpenvasParser: OPENVAS,
    NmapParser: (SAMPLES / "nmap" / "nmap_script_vulners.xml").read_bytes(),
}
RECORD_TYPES = (ScannedHost, ParsedFinding, RejectedRecord)


@pytest.fixture(autouse=True)
def default_policy() -> None:
    """Parsers never touch the database: no policy row to restore."""


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` cut, or with a few bytes overwritten, inserted or removed."""
    result = bytearray(data)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        position = draw(st.integers(min_value=0, max_value=len(result)))
        action = draw(st.sampled_from(["cut", "overwrite", "insert", "remove"]))
        if action == "cut":
            del result[position:]
        elif action == "overwrite":
            patch = draw(st.binary(min_size=1, max_size=8))
            result[position : position + len(patch)] = patch
        elif action == "insert":
            result[position:position] = draw(
                st.sampled_from(
                    [b"<", b">", b"&", b"&amp;", b"<!--", b"]]>", b"\x00", b"\xff\xfe", b"<a>", b"</"]
                )
            )
        else:
            del result[position : position + draw(st.integers(min_value=1, max_value=40))]
    return bytes(result)


def assert_records_or_refusal(parser: type[Parser], data: bytes) -> None:
    refusal: ParseError | None = None
    records = []
    try:
        records = list(parser().parse(io.BytesIO(data), "fuzzed.xml"))
    except ParseError as error:
        refusal = error
    assert all(isinstance(record, RECORD_TYPES) for record in records)
    if refusal is not None:
        assert refusal.problem
        assert refusal.where


def test_the_samples_themselves_read() -> None:
    for parser, data in SAMPLES_OF.items():
        assert any(isinstance(record, ParsedFinding) for record in parser().parse(io.BytesIO(data), "x"))


FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(data=mutated(SAMPLES_OF[NessusParser]))
def test_the_nessus_parser_only_yields_records_or_refuses(data: bytes) -> None:
    assert_records_or_refusal(NessusParser, data)


@FUZZ
@given(data=mutated(SAMPLES_OF[OpenvasParser]))
def test_the_openvas_parser_only_yields_records_or_refuses(data: bytes) -> None:
    assert_records_or_refusal(OpenvasParser, data)


@FUZZ
@given(data=mutated(SAMPLES_OF[NmapParser]))
def test_the_nmap_parser_only_yields_records_or_refuses(data: bytes) -> None:
    assert_records_or_refusal(NmapParser, data)


@FUZZ
@given(data=st.binary(max_size=300))
def test_every_xml_parser_refuses_random_bytes_cleanly(data: bytes) -> None:
    for parser in SAMPLES_OF:
        assert_records_or_refusal(parser, data)
