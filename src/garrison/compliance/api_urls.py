from rest_framework.routers import DefaultRouter

from garrison.compliance.api import (
    FrameworkViewSet,
    MappingSetViewSet,
    ReferenceControlViewSet,
    RequirementMappingViewSet,
    RequirementViewSet,
)

router = DefaultRouter()
router.register("frameworks", FrameworkViewSet, basename="framework")
router.register("requirements", RequirementViewSet, basename="requirement")
router.register("mapping-sets", MappingSetViewSet, basename="mapping-set")
router.register("requirement-mappings", RequirementMappingViewSet, basename="requirement-mapping")
router.register("reference-controls", ReferenceControlViewSet, basename="reference-control")

urlpatterns = router.urls
