from rest_framework.routers import DefaultRouter

from garrison.core.api.audit import AuditEventViewSet
from garrison.core.api.files import AttachmentViewSet
from garrison.core.api.notifications import NotificationPreferenceViewSet, NotificationViewSet
from garrison.core.api.org import OrgUnitViewSet, PersonViewSet, ResponsibilityViewSet, RoleAssignmentViewSet
from garrison.core.api.tokens import ApiTokenViewSet

router = DefaultRouter()
router.register("units", OrgUnitViewSet, basename="unit")
router.register("people", PersonViewSet, basename="person")
router.register("role-assignments", RoleAssignmentViewSet, basename="role-assignment")
router.register("responsibilities", ResponsibilityViewSet, basename="responsibility")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("notification-preferences", NotificationPreferenceViewSet, basename="notification-preference")
router.register("tokens", ApiTokenViewSet, basename="api-token")
router.register("attachments", AttachmentViewSet, basename="attachment")

urlpatterns = router.urls
