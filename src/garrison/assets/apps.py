from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "garrison.assets"
    label = "assets"
    verbose_name = _("Information assets")

    def ready(self) -> None:
        from garrison.assets.dashboard import asset_tiles
        from garrison.web.dashboard import register_tiles

        register_tiles("assets", asset_tiles)
