from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogAuditConfig(AppConfig):
    name = "garrison.logaudit"
    label = "logaudit"
    verbose_name = _("Log audit")

    def ready(self) -> None:
        # Periodic and background jobs, notification kinds, dashboard tiles and the demo
        # step register themselves when their module is imported.
        from garrison.logaudit import (  # noqa: F401
            dashboard,
            demo,
            notifications_audits,
            tasks_audits,
            tasks_retention,
            tasks_suppressions,
        )
