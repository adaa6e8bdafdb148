from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "garrison.compliance"
    label = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        # The library kinds (reference controls, frameworks, mappings) register when the app
        # loads, and OSCAL JSON becomes a file `garrison library import` and the upload accept.
        # Each part registers its demo step, periodic jobs, notification kinds and dashboard
        # tiles the same way.
        from garrison.compliance import (  # noqa: F401
            dashboard,
            demo_assessments,
            demo_audits,
            demo_certifications,
            demo_controls,
            demo_evidence,
            library,
            notifications_audits,
            notifications_evidence,
            tasks,
            tasks_audits,
            tasks_certifications,
            tasks_evidence,
        )
        from garrison.compliance.oscal import import_oscal_files, looks_like_oscal
        from garrison.library.services import FileFormat, register_file_format
        from garrison.library.shipped import register_shipped_directory

        register_file_format(FileFormat(name="oscal", detects=looks_like_oscal, load=import_oscal_files))
        register_shipped_directory(Path(__file__).resolve().parent / "data")
