from django.urls import include, path

from concierge.service import (
    account_views,
    customer_search_views,
    customer_views,
    deep_link_views,
    list_views,
    privacy_views,
    takeover_views,
    views,
    warehouse_views,
)

app_name = "service"

urlpatterns = [
    path("", views.home, name="home"),
    path("orders/", include("concierge.service.order_urls")),
    path("warehouse/", warehouse_views.warehouse, name="warehouse"),
    path("warehouse/returns/<str:rma>/", warehouse_views.warehouse_return, name="warehouse_return"),
    path("warehouse/returns/<str:rma>/receive", warehouse_views.warehouse_receive, name="warehouse_receive"),
    path("customers/", customer_search_views.customer_search, name="customers"),
    path("customers/<int:pk>/", customer_views.customer_record, name="customer"),
    path("customers/<int:pk>/edit", customer_views.customer_open, name="customer_open"),
    path("customers/<int:pk>/heartbeat", customer_views.customer_heartbeat, name="customer_heartbeat"),
    path("customers/<int:pk>/close", customer_views.customer_close, name="customer_close"),
    path("customers/<int:pk>/remove-data", privacy_views.customer_remove_data, name="customer_remove_data"),
    path("customers/<int:pk>/", include("concierge.service.record_urls")),
    path("accounts/new/", account_views.account_new, name="account_new"),
    path("accounts/<int:pk>/delete/", account_views.account_delete, name="account_delete"),
    path("customers/<int:pk>/associates/add", account_views.associate_add, name="associate_add"),
    path("customers/<int:pk>/associates/<int:associate_id>/role", account_views.associate_role, name="associate_role"),
    path(
        "customers/<int:pk>/associates/<int:associate_id>/remove",
        account_views.associate_remove,
        name="associate_remove",
    ),
    path("assist/", deep_link_views.assist_link, name="assist_link"),
    path("assist/access/", views.access_customer_view, name="access_customer"),
    path("lists/", list_views.lists_counts, name="lists_counts"),
    path("lists/<slug:slug>/", list_views.list_view, name="lists_list"),
    path("assist/end/", views.assist_end, name="assist_end"),
    path("takeovers/new/", takeover_views.takeover_new, name="takeover_new"),
    path("takeovers/<str:number>/", takeover_views.takeover, name="takeover"),
    path("takeovers/<str:number>/cart/", takeover_views.takeover_cart, name="takeover_cart"),
    path("takeovers/<str:number>/add/", takeover_views.takeover_add, name="takeover_add"),
    path("takeovers/<str:number>/lines/<int:line_id>/remove/", takeover_views.takeover_remove, name="takeover_remove"),
    path("takeovers/<str:number>/done/", takeover_views.takeover_done, name="takeover_done"),
    path("takeovers/<str:number>/cancel/", takeover_views.takeover_cancel_view, name="takeover_cancel"),
    path("takeovers/<str:number>/link/", takeover_views.takeover_link, name="takeover_link"),
    path("takeovers/<str:number>/heartbeat/", takeover_views.takeover_heartbeat, name="takeover_heartbeat"),
]
