from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "garrison.risks"
    label = "risks"
    verbose_name = _("Risk management")

    def ready(self) -> None:
        # Periodic jobs, notification kinds and library kinds register when the app loads.
        from garrison.risks import library, notifications, tasks  # noqa: F401
        from garrison.risks.dashboard import risk_tiles
        from garrison.web.dashboard import register_tiles

        register_tiles("risks", risk_tiles)
