"""Web pages of the inventory (namespace "assets")."""

from django.urls import path

from garrison.assets import import_views, views

app_name = "assets"

urlpatterns = [
    path("", views.AssetListView.as_view(), name="asset-list"),
    path("new/", views.AssetCreateView.as_view(), name="asset-create"),
    path("import/", import_views.asset_import, name="asset-import"),
    path("import/<int:pk>/", import_views.asset_import_preview, name="asset-import-preview"),
    path("<int:pk>/", views.AssetDetailView.as_view(), name="asset-detail"),
    path("<int:pk>/edit/", views.AssetEditView.as_view(), name="asset-edit"),
    path("<int:pk>/delete/", views.asset_delete, name="asset-delete"),
    path("<int:pk>/confirm/", views.asset_confirm, name="asset-confirm"),
    path("<int:pk>/dependencies/add/", views.dependency_add, name="asset-dependency-add"),
    path("dependencies/<int:pk>/remove/", views.dependency_remove, name="asset-dependency-remove"),
]
