from rest_framework.routers import DefaultRouter

from garrison.core.api.audit import AuditEventViewSet
from garrison.core.api.org import OrgUnitViewSet, PersonViewSet, ResponsibilityViewSet, RoleAssignmentViewSet

router = DefaultRouter()
router.register("units", OrgUnitViewSet, basename="unit")
router.register("people", PersonViewSet, basename="person")
router.register("role-assignments", RoleAssignmentViewSet, basename="role-assignment")
router.register("responsibilities", ResponsibilityViewSet, basename="responsibility")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls
