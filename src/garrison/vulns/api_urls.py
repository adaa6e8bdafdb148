from rest_framework.routers import DefaultRouter

from garrison.vulns.api import dashboard, exceptions, findings, imports, pentests, policy

router = DefaultRouter()
findings.register_routes(router)
imports.register_routes(router)
pentests.register_routes(router)
exceptions.register_routes(router)
policy.register_routes(router)
dashboard.register_routes(router)

urlpatterns = router.urls
