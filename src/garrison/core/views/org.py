from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from garrison.core.models import Person
from garrison.core.scoping import restrict


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    people = restrict(Person.objects.select_related("unit"), request.user)[:50]
    return render(request, "core/person_list.html", {"people": people})
