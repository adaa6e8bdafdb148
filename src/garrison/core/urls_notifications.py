from django.urls import path

app_name = "notifications"

urlpatterns: list = []  # filled by the notifications work
