from django.urls import include, path

from concierge.service import views

app_name = "service"

urlpatterns = [
    path("", views.home, name="home"),
    path("orders/", include("concierge.service.order_urls")),
    path("assist/access/", views.access_customer, name="access_customer"),
    path("assist/end/", views.assist_end, name="assist_end"),
]
