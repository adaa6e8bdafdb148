"""The person's own account pages."""

from django.urls import path

from garrison.core.views import account

app_name = "account"

urlpatterns = [
    path("", account.profile, name="profile"),
    path("password/", account.password, name="password"),
    path("two-factor/", account.mfa_status, name="mfa"),
    path("two-factor/setup/", account.mfa_setup, name="mfa-setup"),
    path("two-factor/disable/", account.mfa_disable, name="mfa-disable"),
    path("tokens/", account.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", account.token_revoke, name="token-revoke"),
]
