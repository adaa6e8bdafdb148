"""Logging in and out; not namespaced, so Django's LOGIN_URL = "login" finds them."""

from django.urls import path

from garrison.core.views import auth

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("login/verify/", auth.login_verify, name="login-verify"),
    path("login/enrol/", auth.login_enrol, name="login-enrol"),
    path("logout/", auth.logout_view, name="logout"),
]
