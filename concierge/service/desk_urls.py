"""The supervisor's desk: its home with the queues' counts, and one page per queue."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
