from garrison.incidents.views import (
    cases,
    contacts,
    grading,
    handling,
    metrics,
    obligations,
    playbooks,
    reporting,
    reviews,
)

urlpatterns = [
    *obligations.urlpatterns,
    *metrics.urlpatterns,
    *grading.urlpatterns,
    *playbooks.urlpatterns,
    *contacts.urlpatterns,
    *reporting.urlpatterns,
    *handling.urlpatterns,
    *reviews.urlpatterns,
    *cases.urlpatterns,
]
