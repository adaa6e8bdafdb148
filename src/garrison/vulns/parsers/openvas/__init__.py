from garrison.vulns.parsers.openvas.parser import OpenvasParser

__all__ = ["OpenvasParser"]
