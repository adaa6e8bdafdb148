from garrison.compliance.views import (
    assessment_reports,
    assessments,
    audits,
    certifications,
    control_tests,
    controls,
    dashboard,
    evidence,
    findings,
    library,
)

urlpatterns = [
    *library.urlpatterns,
    *controls.urlpatterns,
    *control_tests.urlpatterns,
    # Before assessments: its `assessments/<pk>/<transition>/` would take soa/, oscal/, infer/.
    *assessment_reports.urlpatterns,
    *assessments.urlpatterns,
    *evidence.urlpatterns,
    *audits.urlpatterns,
    *findings.urlpatterns,
    *certifications.urlpatterns,
    *dashboard.urlpatterns,
]
