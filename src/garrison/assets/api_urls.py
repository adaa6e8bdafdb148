from rest_framework.routers import DefaultRouter

from garrison.assets.api import AssetViewSet, DependencyViewSet, ImportViewSet, TagViewSet

router = DefaultRouter()
router.register("assets", AssetViewSet, basename="asset")
router.register("dependencies", DependencyViewSet, basename="asset-dependency")
router.register("tags", TagViewSet, basename="asset-tag")
router.register("imports", ImportViewSet, basename="asset-import")

urlpatterns = router.urls
