from django.urls import path

from garrison.library import views

app_name = "library"

urlpatterns = [
    path("", views.LibraryListView.as_view(), name="library-list"),
    path("upload/", views.LibraryUploadView.as_view(), name="library-upload"),
    path("<int:pk>/", views.LibraryDetailView.as_view(), name="library-detail"),
]
