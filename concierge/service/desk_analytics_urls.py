"""The desk's assisted-sales analytics: charts, tables and their CSV."""

from django.urls import URLPattern, URLResolver, path

from concierge.service import desk_analytics_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", desk_analytics_views.desk_analytics, name="desk_analytics"),
    path("<slug:table>.csv", desk_analytics_views.desk_analytics_csv, name="desk_analytics_csv"),
]
