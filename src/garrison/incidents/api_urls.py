from rest_framework.routers import DefaultRouter

from garrison.incidents.api import cases, grading, handling, reporting, reviews

router = DefaultRouter()
cases.register_routes(router)
grading.register_routes(router)
reporting.register_routes(router)
handling.register_routes(router)
reviews.register_routes(router)

urlpatterns = router.urls
