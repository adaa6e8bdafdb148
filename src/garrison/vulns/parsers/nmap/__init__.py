from garrison.vulns.parsers.nmap.parser import NmapParser

__all__ = ["NmapParser"]
