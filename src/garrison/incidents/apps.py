from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "garrison.incidents"
    label = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        # Each part registers its library kinds, demo step, periodic jobs, notification
        # kinds and dashboard tiles when its module is imported.
        from garrison.incidents import (  # noqa: F401
            dashboard,
            demo_incidents,
            library,
            notifications_cases,
            notifications_handling,
            notifications_reporting,
            notifications_reviews,
            tasks_handling,
            tasks_reporting,
            tasks_reviews,
        )
        from garrison.library.shipped import register_shipped_directory

        register_shipped_directory(Path(__file__).resolve().parent / "data")
