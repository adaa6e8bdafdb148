from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VulnsConfig(AppConfig):
    name = "garrison.vulns"
    label = "vulns"
    verbose_name = _("Vulnerabilities")

    def ready(self) -> None:
        # Periodic and background jobs, notification kinds, dashboard tiles and the demo
        # step register themselves when their module is imported.
        from garrison.vulns import (  # noqa: F401
            dashboard,
            demo,
            notifications_coverage,
            notifications_findings,
            notifications_imports,
            tasks_coverage,
            tasks_findings,
            tasks_imports,
            workflows_pentests,
        )
