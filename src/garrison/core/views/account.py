"""The person's own account: preferences, password, two-factor login, API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from garrison.core.forms.account import ApiTokenForm, PasswordChangeForm, PreferencesForm
from garrison.core.forms.auth import OneTimeCodeForm
from garrison.core.models import ApiToken, Person, RoleAssignment
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.core.services import identity, mfa, org, tokens

# Session keys: where a secret waits until it is confirmed or shown once.
ENROLMENT_SESSION_KEY = "garrison_mfa_enrolment"
SHOW_ONCE_SESSION_KEY = "garrison_show_once"


def _person(request: HttpRequest) -> Person:
    # login_required has run: the user is a logged-in Person.
    assert isinstance(request.user, Person)
    return request.user


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = PreferencesForm(
        request.POST or None, initial={"language": person.language, "time_zone": person.time_zone}
    )
    if request.method == "POST" and form.is_valid():
        try:
            identity.update_preferences(person, by=person, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your preferences are saved."))
            response = redirect("account:profile")
            # The language cookie wins over the stored preference, so keep the two in step.
            if person.language:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    person.language,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                    secure=settings.SESSION_COOKIE_SECURE,
                )
            else:
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
            return response
    roles = RoleAssignment.objects.filter(person=person).select_related("unit").order_by("role", "unit__path")
    context = {
        "form": form,
        "person": person,
        "roles": roles,
        "mfa_required": mfa.is_required_for(person),
        "time_zones": identity.time_zone_names(),
    }
    return render(request, "core/account/profile.html", context)


@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@login_required
def password(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = PasswordChangeForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org.set_password(person, form.cleaned_data["new_password1"], by=person)
        except ValidationError as error:
            form.add_error("new_password1", error)
        else:
            # Other sessions of this person end; this one carries on.
            update_session_auth_hash(request, person)
            messages.success(request, _("Your password is changed."))
            return redirect("account:profile")
    return render(request, "core/account/password.html", {"form": form})


@login_required
def mfa_status(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    context = {
        "person": person,
        "mfa_required": mfa.is_required_for(person),
        "disable_form": OneTimeCodeForm(),
    }
    return render(request, "core/account/mfa.html", context)


@sensitive_post_parameters("code")
@never_cache
@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if person.has_mfa:
        return redirect("account:mfa")
    # Kept in the session until confirmed, so reloading the page shows the same secret.
    secret = request.session.get(ENROLMENT_SESSION_KEY) or mfa.new_secret()
    request.session[ENROLMENT_SESSION_KEY] = secret
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mfa.confirm_enrolment(person, secret, form.cleaned_data["code"], by=person)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session.pop(ENROLMENT_SESSION_KEY, None)
            messages.success(request, _("Two-factor login is set up."))
            return redirect("account:mfa")
    uri = mfa.provisioning_uri(person, secret)
    context = {"form": form, "secret": secret, "qr_code": mfa.qr_code_svg(uri), "uri": uri}
    return render(request, "core/account/mfa_setup.html", context)


@sensitive_post_parameters("code")
@require_POST
@login_required
def mfa_disable(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = OneTimeCodeForm(request.POST)
    if form.is_valid():
        try:
            mfa.disable(person, form.cleaned_data["code"], by=person)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Two-factor login is switched off."))
            return redirect("account:mfa")
    context = {"person": person, "mfa_required": mfa.is_required_for(person), "disable_form": form}
    return render(request, "core/account/mfa.html", context)


@never_cache
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = tokens.create_token(person, by=person, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Shown once, on the page the redirect leads to, then forgotten.
            request.session[SHOW_ONCE_SESSION_KEY] = {"id": token.pk, "secret": secret}
            return redirect("account:tokens")
    new_token = request.session.pop(SHOW_ONCE_SESSION_KEY, None)
    own_tokens = ApiToken.objects.filter(person=person)
    context = {
        "form": form,
        "tokens": own_tokens,
        "new_token": new_token,
        "max_days": settings.API_TOKEN_MAX_DAYS,
    }
    return render(request, "core/account/tokens.html", context)


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    # The personal page handles the person's own tokens only; administrators use the API.
    token = get_object_or_404(restrict(ApiToken.objects.filter(person=person), person, Action.CHANGE), pk=pk)
    tokens.revoke_token(token, by=person, reason=_("Revoked by its owner"))
    messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("account:tokens")
