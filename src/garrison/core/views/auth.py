"""Logging in (password, then the second factor when enrolled or required) and out.

Between the password step and the second factor the session holds only a pending
login (who, which step, since when); the person is logged in, and the session key
rotated, only once every required factor has been given.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from garrison.core.forms.auth import LoginForm, OneTimeCodeForm
from garrison.core.middleware import client_ip
from garrison.core.models import Person
from garrison.core.services import identity, mfa

PENDING_LOGIN_KEY = "garrison_pending_login"
PENDING_LOGIN_SECONDS = 300
STEP_VERIFY = "verify"
STEP_ENROL = "enrol"
BACKEND = "garrison.core.identity.PersonBackend"


def invalid_credentials_message() -> str:
    # One message for every refusal, so it reveals neither that a username exists nor that it is locked.
    return _("Invalid username or password, or the account is locked.")


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _throttled(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/throttled.html", status=429)


def _is_throttled(request: HttpRequest) -> bool:
    return identity.too_many_failures_from(client_ip(request))


def _complete_login(request: HttpRequest, person: Person, next_url: str) -> HttpResponse:
    request.session.pop(PENDING_LOGIN_KEY, None)
    login(request, person, backend=BACKEND)
    identity.record_login_success(person)
    return redirect(_safe_next(request, next_url))


def _start_pending_login(request: HttpRequest, person: Person, step: str, next_url: str) -> None:
    # A fresh session key before anything about the person is stored in it.
    request.session.cycle_key()
    request.session[PENDING_LOGIN_KEY] = {
        "person": person.pk,
        "step": step,
        "started": time.time(),
        "next": next_url,
    }


def _pending_login(request: HttpRequest, step: str) -> tuple[Person, dict[str, Any]] | None:
    """The person half-way through logging in at `step`, while that is still allowed."""
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(pending, dict) or pending.get("step") != step:
        return None
    if time.time() - float(pending.get("started", 0)) > PENDING_LOGIN_SECONDS:
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None
    person = Person.objects.filter(pk=int(pending.get("person") or 0)).first()
    if person is None or not person.is_active or identity.is_locked(person):
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None
    return person, pending


def _back_to_login(request: HttpRequest, message: str) -> HttpResponse:
    request.session.pop(PENDING_LOGIN_KEY, None)
    messages.error(request, message)
    return redirect("login")


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated:
        return redirect(_safe_next(request, next_url))
    form = LoginForm(request.POST or None)
    if request.method == "POST":
        if _is_throttled(request):
            return _throttled(request)
        if form.is_valid():
            person = identity.password_login(
                form.cleaned_data["username"], form.cleaned_data["password"], source_ip=client_ip(request)
            )
            if person is None:
                form.add_error(None, invalid_credentials_message())
            elif person.has_mfa:
                _start_pending_login(request, person, STEP_VERIFY, next_url)
                return redirect("login-verify")
            elif mfa.is_required_for(person):
                _start_pending_login(request, person, STEP_ENROL, next_url)
                return redirect("login-enrol")
            else:
                return _complete_login(request, person, next_url)
    return render(request, "registration/login.html", {"form": form, "next": next_url})


def _code_failed(
    request: HttpRequest, person: Person, form: OneTimeCodeForm, error: str
) -> HttpResponse | None:
    """Count a wrong code as a failed login; once that locks the account the attempt is over."""
    counted = identity.record_login_failure(person.username, source_ip=client_ip(request))
    if counted is None or identity.is_locked(counted):
        return _back_to_login(request, invalid_credentials_message())
    form.add_error("code", error)
    return None


@sensitive_post_parameters("code")
@never_cache
def login_verify(request: HttpRequest) -> HttpResponse:
    """Second step for people enrolled in two-factor login: the current code."""
    found = _pending_login(request, STEP_VERIFY)
    if found is None:
        return _back_to_login(request, _("Your login has expired; please start again."))
    person, pending = found
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST":
        if _is_throttled(request):
            return _throttled(request)
        if form.is_valid():
            if mfa.verify_login_code(person, form.cleaned_data["code"]):
                return _complete_login(request, person, pending["next"])
            refused = _code_failed(request, person, form, _("This code is wrong, expired or already used."))
            if refused is not None:
                return refused
    return render(request, "registration/login_verify.html", {"form": form})


@sensitive_post_parameters("code")
@never_cache
def login_enrol(request: HttpRequest) -> HttpResponse:
    """Forced enrolment for roles that require two-factor login and have none yet."""
    found = _pending_login(request, STEP_ENROL)
    if found is None:
        return _back_to_login(request, _("Your login has expired; please start again."))
    person, pending = found
    if not pending.get("secret"):
        pending["secret"] = mfa.new_secret()
        request.session[PENDING_LOGIN_KEY] = pending
    secret = pending["secret"]
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST":
        if _is_throttled(request):
            return _throttled(request)
        if form.is_valid():
            try:
                mfa.confirm_enrolment(person, secret, form.cleaned_data["code"], by=person)
            except ValidationError as error:
                refused = _code_failed(request, person, form, " ".join(error.messages))
                if refused is not None:
                    return refused
            else:
                messages.success(request, _("Two-factor login is set up."))
                return _complete_login(request, person, pending["next"])
    uri = mfa.provisioning_uri(person, secret)
    return render(
        request,
        "registration/login_enrol.html",
        {"form": form, "secret": secret, "qr_code": mfa.qr_code_svg(uri), "uri": uri},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, Person):
        identity.record_logout(request.user)
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)
