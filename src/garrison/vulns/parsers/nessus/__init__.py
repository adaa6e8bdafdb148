from garrison.vulns.parsers.nessus.parser import NessusParser

__all__ = ["NessusParser"]
