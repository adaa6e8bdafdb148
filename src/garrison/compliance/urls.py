from garrison.compliance.views import urlpatterns

app_name = "compliance"

__all__ = ["app_name", "urlpatterns"]
