from django.urls import path

app_name = "account"

urlpatterns: list = []  # filled by the identity work: profile, password, MFA, API tokens
