from garrison.vulns.views import urlpatterns

app_name = "vulns"

__all__ = ["app_name", "urlpatterns"]
