"""The order console's paths, inside the ``service`` namespace (included under ``orders/``)."""

from django.urls import path

from concierge.service import order_views as v

urlpatterns = [
    path("", v.order_search, name="orders"),
    path("<str:number>/", v.order_view, name="order"),
    path("<str:number>/edit", v.order_edit, name="order_edit"),
    path("<str:number>/close", v.order_close, name="order_close"),
    path("<str:number>/unlock", v.order_unlock, name="order_unlock"),
    path("<str:number>/billing", v.order_billing, name="order_billing"),
    path("<str:number>/cancel", v.order_cancel, name="order_cancel"),
    path("<str:number>/notes", v.order_note, name="order_note"),
    path("<str:number>/shipments/<str:shipment>/shipping", v.shipment_shipping, name="shipment_shipping"),
    path("<str:number>/shipments/<str:shipment>/release", v.shipment_release, name="shipment_release"),
    path("<str:number>/shipments/<str:shipment>/cancel", v.shipment_cancel, name="shipment_cancel"),
]
