from rest_framework.routers import DefaultRouter

from garrison.risks.api import campaigns, catalogue, register

router = DefaultRouter()
register.register_routes(router)
campaigns.register_routes(router)
catalogue.register_routes(router)

urlpatterns = router.urls
