from garrison.incidents.views import urlpatterns

app_name = "incidents"

__all__ = ["app_name", "urlpatterns"]
