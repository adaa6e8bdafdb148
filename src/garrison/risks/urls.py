from garrison.risks.views import campaigns, catalogue, register

app_name = "risks"

urlpatterns = [*register.urlpatterns, *campaigns.urlpatterns, *catalogue.urlpatterns]
