"""The order console's paths, inside the ``service`` namespace (included under ``orders/``)."""

from django.urls import path

from concierge.service import amend_views as amend
from concierge.service import hold_views, list_views, refund_views
from concierge.service import order_edit_views as edit
from concierge.service import return_views as returns
from concierge.service.order_search_views import order_search
from concierge.service.order_views import order_view

urlpatterns = [
    path("", order_search, name="orders"),
    path("<str:number>/", order_view, name="order"),
    path("<str:number>/edit", edit.order_edit, name="order_edit"),
    path("<str:number>/heartbeat", edit.order_heartbeat, name="order_heartbeat"),
    path("<str:number>/close", edit.order_close, name="order_close"),
    path("<str:number>/unlock", edit.order_unlock, name="order_unlock"),
    path("<str:number>/billing", edit.order_billing, name="order_billing"),
    path("<str:number>/cancel", edit.order_cancel, name="order_cancel"),
    path("<str:number>/notes", edit.order_note, name="order_note"),
    path("<str:number>/shipments/<str:shipment>/shipping", edit.shipment_shipping, name="shipment_shipping"),
    path("<str:number>/shipments/<str:shipment>/release", edit.shipment_release, name="shipment_release"),
    path("<str:number>/shipments/<str:shipment>/cancel", edit.shipment_cancel, name="shipment_cancel"),
    path(
        "<str:number>/shipments/<str:shipment>/pickup/<str:step>",
        list_views.pickup_action,
        name="shipment_pickup",
    ),
    path("<str:number>/holds/decide", hold_views.hold_decide, name="hold_decide"),
    path("<str:number>/returns/new", returns.return_new, name="order_return_new"),
    path("<str:number>/returns/next", returns.return_next, name="order_return_next"),
    path("<str:number>/returns/create", returns.return_create, name="order_return_create"),
    path("<str:number>/returns/<str:rma>/", returns.return_done, name="order_return_done"),
    path("<str:number>/returns/<str:rma>/cancel", returns.return_cancel, name="order_return_cancel"),
    path("<str:number>/returns/<str:rma>/refund", returns.return_refund, name="order_return_refund"),
    path("<str:number>/refund", refund_views.order_refund, name="order_refund"),
    path("<str:number>/refunds/<str:refund>/approve", refund_views.refund_approve, name="refund_approve"),
    path("<str:number>/refunds/<str:refund>/reject", refund_views.refund_reject, name="refund_reject"),
    # Amendments (seed 004 "Splitting a Shipment", "Updating an Order")
    path("<str:number>/quantities", amend.amend_quantities, name="amend_quantities"),
    path("<str:number>/shipments/<str:shipment>/move", amend.amend_move, name="amend_move"),
    path("<str:number>/shipments/<str:shipment>/shipping-change", amend.amend_shipping, name="amend_shipping"),
    path("<str:number>/authorization", amend.amend_authorize, name="amend_authorize"),
    path("<str:number>/authorization/abandon", amend.amend_abandon, name="amend_abandon"),
]
