from django.urls import path

from ecobrain.portal import views

app_name = "portal"
urlpatterns = [
    path("language/", views.switch_language, name="language"),
]
