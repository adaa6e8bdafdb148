from garrison.logaudit.views import urlpatterns

app_name = "logaudit"

__all__ = ["app_name", "urlpatterns"]
