from garrison.vulns.parsers.csv.parser import CsvParser

__all__ = ["CsvParser"]
