from django.urls import path

from garrison.core.views import notifications

app_name = "notifications"

urlpatterns = [
    path("", notifications.notification_list, name="list"),
    path("<int:pk>/read/", notifications.mark_read, name="mark-read"),
    path("read-all/", notifications.mark_all_read, name="mark-all-read"),
    path("preferences/", notifications.preferences, name="preferences"),
]
