from garrison.suppliers.views import (
    access,
    assessments,
    classification,
    dashboard,
    scorecards,
    screening,
    sourcing,
    suppliers,
)

urlpatterns = [
    *dashboard.urlpatterns,
    *access.urlpatterns,
    *assessments.urlpatterns,
    *scorecards.urlpatterns,
    *classification.urlpatterns,
    *screening.urlpatterns,
    *sourcing.urlpatterns,
    *suppliers.urlpatterns,
]
