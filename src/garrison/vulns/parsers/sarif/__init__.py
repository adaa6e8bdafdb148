from garrison.vulns.parsers.sarif.parser import SarifParser

__all__ = ["SarifParser"]
