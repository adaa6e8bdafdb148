from rest_framework.routers import DefaultRouter

from garrison.compliance.api import (
    assessments,
    audits,
    certifications,
    controls,
    evidence,
    library,
)

router = DefaultRouter()
library.register_routes(router)
controls.register_routes(router)
assessments.register_routes(router)
evidence.register_routes(router)
audits.register_routes(router)
certifications.register_routes(router)

urlpatterns = router.urls
