from rest_framework.routers import DefaultRouter

from garrison.logaudit.api import dashboard, findings, policy, reports, rules, sources, suppressions

router = DefaultRouter()
sources.register_routes(router)
reports.register_routes(router)
findings.register_routes(router)
rules.register_routes(router)
suppressions.register_routes(router)
policy.register_routes(router)
dashboard.register_routes(router)

urlpatterns = router.urls
