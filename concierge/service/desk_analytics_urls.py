"""The desk's assisted-sales analytics: charts, tables and their CSV."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
