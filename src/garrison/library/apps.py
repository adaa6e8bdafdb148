import logging
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("garrison.library")


class LibraryConfig(AppConfig):
    name = "garrison.library"
    label = "library"
    verbose_name = _("Reference libraries")

    def ready(self) -> None:
        # Once per `migrate`, after every app's migrations ran (ADR 0010).
        post_migrate.connect(load_shipped_after_migrate, sender=self, dispatch_uid="garrison-library-shipped")


def load_shipped_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """Load shipped libraries that are new or newer than the loaded version, after `migrate`.

    Skipped while Django's test environment is set up (tests load them when they ask),
    while any migration is still unapplied (a partial `migrate app`), and while the
    database holds no organisation: a freshly migrated, empty database must stay empty
    so that `garrison restore` accepts it. `seed-demo` and `garrison library
    load-shipped` load them into a new installation.
    """
    from django.core import mail
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    from garrison.core.models import OrgUnit

    # Django's test set-up installs the in-memory outbox before it creates test databases.
    if hasattr(mail, "outbox") or using != "default":
        return
    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return
    if not OrgUnit.objects.using(using).exists():
        return
    from garrison.library.shipped import load_shipped_libraries

    stdout = kwargs.get("stdout")
    for path, result in load_shipped_libraries(by=None):
        if result.is_refused:
            logger.warning("shipped library %s not loaded: %s", path.name, "; ".join(result.errors))
        elif stdout is not None and kwargs.get("verbosity", 1) >= 1 and result.status != "unchanged":
            stdout.write(f"  Library {result.urn} version {result.version}: {result.status}")
