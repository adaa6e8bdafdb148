from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    name = "garrison.suppliers"
    label = "suppliers"
    verbose_name = _("Suppliers")

    def ready(self) -> None:
        # Each part registers its library kinds, demo step, periodic jobs, notification
        # kinds and dashboard tiles when its module is imported.
        from garrison.library.shipped import register_shipped_directory
        from garrison.suppliers import (  # noqa: F401
            dashboard,
            demo_suppliers,
            library,
            notifications,
            notifications_access,
            notifications_assessments,
            notifications_classification,
            notifications_sourcing,
            tasks,
            tasks_access,
            tasks_classification,
            tasks_screening,
        )

        register_shipped_directory(Path(__file__).resolve().parent / "data")
