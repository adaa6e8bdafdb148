from rest_framework.routers import DefaultRouter

from garrison.suppliers.api import access, assessments, classification, screening, sourcing, suppliers

router = DefaultRouter()
suppliers.register_routes(router)
access.register_routes(router)
assessments.register_routes(router)
classification.register_routes(router)
screening.register_routes(router)
sourcing.register_routes(router)

urlpatterns = router.urls
