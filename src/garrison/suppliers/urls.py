from garrison.suppliers.views import urlpatterns

app_name = "suppliers"

__all__ = ["app_name", "urlpatterns"]
