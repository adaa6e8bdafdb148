"""OSCAL catalogs and profiles (JSON), imported as frameworks through compliance-trestle.

`reader` checks a file with trestle's models and turns it into framework definitions
(pure); `importer` resolves profiles against their catalogs and writes them.
"""

from garrison.compliance.oscal.importer import import_oscal, import_oscal_files
from garrison.compliance.oscal.reader import looks_like_oscal

__all__ = ["import_oscal", "import_oscal_files", "looks_like_oscal"]
