"""The record editor's paths (``customers/<pk>/…``, inside the ``service`` namespace): the Customer
Profile's Save and price preview, Addresses, Customer Segments, Reset Customer Password."""

from django.urls import path

from concierge.service import record_views as views

urlpatterns = [
    path("profile", views.customer_profile_save, name="customer_profile_save"),
    path("price-preview", views.customer_price_preview, name="customer_price_preview"),
    path("addresses/add", views.customer_address_add, name="customer_address_add"),
    path("addresses/<int:address_id>/", views.customer_address_update, name="customer_address_update"),
    path("addresses/<int:address_id>/remove", views.customer_address_remove, name="customer_address_remove"),
    path("addresses/<int:address_id>/default", views.customer_address_default, name="customer_address_default"),
    path("segments/add", views.customer_segment_add, name="customer_segment_add"),
    path("segments/<int:segment_id>/remove", views.customer_segment_remove, name="customer_segment_remove"),
    path("password-reset", views.customer_password_reset, name="customer_password_reset"),
]
