from garrison.vulns.views import dashboard, exceptions, findings, imports, pentests, policy

urlpatterns = [
    *dashboard.urlpatterns,
    *findings.urlpatterns,
    *imports.urlpatterns,
    *pentests.urlpatterns,
    *exceptions.urlpatterns,
    *policy.urlpatterns,
]
