from garrison.logaudit.views import dashboard, findings, policy, reports, rules, sources, suppressions

urlpatterns = [
    *dashboard.urlpatterns,
    *reports.urlpatterns,
    *findings.urlpatterns,
    *sources.urlpatterns,
    *rules.urlpatterns,
    *suppressions.urlpatterns,
    *policy.urlpatterns,
]
