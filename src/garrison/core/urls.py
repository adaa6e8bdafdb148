from django.urls import path

from garrison.core.views import org

app_name = "core"

urlpatterns = [
    path("people/", org.person_list, name="person-list"),
]
