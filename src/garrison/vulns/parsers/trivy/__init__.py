from garrison.vulns.parsers.trivy.parser import TrivyParser

__all__ = ["TrivyParser"]
