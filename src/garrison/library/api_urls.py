from rest_framework.routers import DefaultRouter

from garrison.library.api import LoadedLibraryViewSet

router = DefaultRouter()
router.register("libraries", LoadedLibraryViewSet, basename="library")

urlpatterns = router.urls
