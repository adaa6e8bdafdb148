from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "garrison.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        # Periodic jobs of the core register with the worker when the app loads.
        from garrison.core import tasks  # noqa: F401
