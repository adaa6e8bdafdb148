"""Web pages of the core (namespace "core"): organisation, roles, audit trail."""

from django.urls import path

from garrison.core.views import audit, org

app_name = "core"

urlpatterns = [
    path("units/", org.UnitListView.as_view(), name="unit-list"),
    path("units/new/", org.UnitCreateView.as_view(), name="unit-create"),
    path("units/<int:pk>/", org.UnitDetailView.as_view(), name="unit-detail"),
    path("units/<int:pk>/edit/", org.UnitEditView.as_view(), name="unit-edit"),
    path("people/", org.PersonListView.as_view(), name="person-list"),
    path("people/new/", org.PersonCreateView.as_view(), name="person-create"),
    path("people/<int:pk>/", org.PersonDetailView.as_view(), name="person-detail"),
    path("people/<int:pk>/edit/", org.PersonEditView.as_view(), name="person-edit"),
    path("people/<int:pk>/unlock/", org.person_unlock, name="person-unlock"),
    path("people/<int:pk>/reset-two-factor/", org.person_reset_mfa, name="person-reset-mfa"),
    path("roles/", org.RoleAssignmentListView.as_view(), name="role-assignment-list"),
    path("roles/grant/", org.RoleAssignmentCreateView.as_view(), name="role-assignment-create"),
    path("roles/<int:pk>/revoke/", org.role_assignment_revoke, name="role-assignment-revoke"),
    path(
        "responsibilities/add/<str:object_type>/<str:object_id>/",
        org.responsibility_add,
        name="responsibility-add",
    ),
    path("responsibilities/<int:pk>/remove/", org.responsibility_remove, name="responsibility-remove"),
    path("audit-trail/", audit.AuditEventListView.as_view(), name="audit-event-list"),
    path("audit-trail/verify/", audit.audit_verify, name="audit-verify"),
]
