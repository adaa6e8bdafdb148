"""A deterministic Nessus v2 file of N findings over H hosts, for the import benchmark.

Written host by host as it is generated, so a file of any size costs no memory. Each
host (``10.<a>.<b>.<c>``, ``host-00042.bench.example.com``) carries N/H findings drawn
from a catalogue of plugins that, like Nessus's, repeat their title, description,
solution, references and CVSS vector on every host they fire on; the plugin output
differs per host. About 500 bytes per finding: 100,000 findings make some 50 MB.

    .venv/bin/python benchmarks/vulns_data.py OUT.nessus [--findings 100000] [--hosts 2000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

PLUGINS = 3000
WORDS = [
    "remote",
    "host",
    "server",
    "service",
    "version",
    "affected",
    "vulnerable",
    "allows",
    "attacker",
    "execute",
    "arbitrary",
    "code",
    "denial",
    "certificate",
    "protocol",
    "buffer",
    "overflow",
    "injection",
    "authentication",
    "bypass",
    "information",
    "disclosure",
    "configuration",
    "update",
    "patch",
    "upgrade",
    "vendor",
    "advisory",
    "module",
    "request",
    "response",
    "kernel",
    "library",
    "package",
]
FAMILIES = ("General", "Web Servers", "Windows", "Ubuntu Local Security Checks", "Misc.", "Databases")
SERVICES = (
    (22, "ssh"),
    (80, "www"),
    (443, "www"),
    (445, "cifs"),
    (3306, "mysql"),
    (0, "general"),
    (8443, "www"),
)
VECTORS = (
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "9.8", "4", "Critical"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "7.5", "3", "High"),
    ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N", "4.8", "2", "Medium"),
    ("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N", "2.5", "1", "Low"),
    ("", "", "0", "None"),
)


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _plugin(rng: random.Random, number: int) -> str:
    """The parts of a ReportItem a plugin always writes the same way, as XML text."""
    vector, score, severity, risk = VECTORS[rng.choices(range(5), weights=(5, 15, 30, 20, 30))[0]]
    name = f"Bench plugin {number}: {_sentence(rng, 3)[:-1]}"
    cves = [f"CVE-20{rng.randint(10, 24)}-{rng.randint(1000, 49999)}" for _ in range(rng.randint(0, 2))]
    parts = [
        f'severity="{severity}" pluginID="{100000 + number}" pluginName={quoteattr(name)} '
        f'pluginFamily="{rng.choice(FAMILIES)}">',
    ]
    if vector:
        parts.append(f"<cvss3_base_score>{score}</cvss3_base_score><cvss3_vector>{vector}</cvss3_vector>")
    parts += [
        f"<description>{escape(_sentence(rng, 5))}</description>",
        f"<risk_factor>{risk}</risk_factor>",
        f"<solution>{escape(_sentence(rng, 3))}</solution>",
        f"<see_also>https://example.com/a/{number}</see_also>",
        *(f"<cve>{cve}</cve>" for cve in cves),
    ]
    return "".join(parts)


def host_address(number: int) -> str:
    """Distinct for up to 16 million hosts, never a network's .0 or .255."""
    return f"10.{number // 62500 % 250}.{number // 250 % 250}.{number % 250 + 1}"


def host_name(number: int) -> str:
    return f"host-{number:05d}.bench.example.com"


def write(out: TextIO, *, findings: int, hosts: int, seed: int = 7) -> int:
    """Write the file to `out`; returns the number of findings written."""
    rng = random.Random(seed)  # noqa: S311 - deterministic benchmark data, not security
    plugins = [_plugin(rng, number) for number in range(PLUGINS)]
    out.write('<?xml version="1.0" ?>\n<NessusClientData_v2>\n<Policy><policyName>Benchmark</policyName>')
    out.write('</Policy>\n<Report name="Benchmark scan">\n')
    written = 0
    for host in range(hosts):
        count = findings // hosts + (1 if host < findings % hosts else 0)
        address, name = host_address(host + 1), host_name(host + 1)
        out.write(
            f'<ReportHost name="{address}"><HostProperties>'
            f'<tag name="HOST_END">Mon Mar  4 10:{host % 60:02d}:00 2024</tag>'
            f'<tag name="operating-system">Linux Kernel 5.{host % 20}</tag>'
            f'<tag name="host-ip">{address}</tag><tag name="host-fqdn">{name}</tag>'
            f'<tag name="HOST_START">Mon Mar  4 09:{host % 60:02d}:00 2024</tag>'
            "</HostProperties>\n"
        )
        for plugin in rng.sample(range(PLUGINS), count):
            port, service = SERVICES[plugin % len(SERVICES)]
            out.write(
                f'<ReportItem port="{port}" svc_name="{service}" protocol="tcp" {plugins[plugin]}'
                f"<plugin_output>Installed version : 1.{plugin % 40}.{host % 97}\n"
                f"Fixed version : 1.{plugin % 40 + 1}.0</plugin_output>"
                "</ReportItem>\n"
            )
            written += 1
        out.write("</ReportHost>\n")
    out.write("</Report>\n</NessusClientData_v2>\n")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(argv)
    with options.out.open("w", encoding="utf-8") as out:
        count = write(out, findings=options.findings, hosts=options.hosts, seed=options.seed)
    print(f"{options.out}: {count} findings over {options.hosts} hosts, {options.out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
