from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/assets/", include("garrison.assets.api_urls")),
    path("api/risks/", include("garrison.risks.api_urls")),
    path("api/library/", include("garrison.library.api_urls")),
    path("api/compliance/", include("garrison.compliance.api_urls")),
    path("api/incidents/", include("garrison.incidents.api_urls")),
    path("api/suppliers/", include("garrison.suppliers.api_urls")),
    path("api/vulns/", include("garrison.vulns.api_urls")),
    path("api/", include("garrison.core.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("garrison.core.urls_auth")),
    path("", include("garrison.core.urls")),
    path("account/", include("garrison.core.urls_account")),
    path("notifications/", include("garrison.core.urls_notifications")),
    path("assets/", include("garrison.assets.urls")),
    path("risks/", include("garrison.risks.urls")),
    path("library/", include("garrison.library.urls")),
    path("compliance/", include("garrison.compliance.urls")),
    path("incidents/", include("garrison.incidents.urls")),
    path("suppliers/", include("garrison.suppliers.urls")),
    path("vulns/", include("garrison.vulns.urls")),
    path("", include("garrison.web.urls")),
]
