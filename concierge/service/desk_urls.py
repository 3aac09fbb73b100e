"""The supervisor's desk: its home with the queues' counts, and one page per queue."""

from django.urls import URLPattern, URLResolver, path

from concierge.service import desk_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", desk_views.desk_home, name="desk"),
    path("queues/<slug:key>/", desk_views.queue_view, name="desk_queue"),
    path("refunds/<int:pk>/approve", desk_views.refund_approve, name="desk_refund_approve"),
    path("refunds/<int:pk>/reject", desk_views.refund_reject, name="desk_refund_reject"),
    path("locks/orders/<str:number>/unlock", desk_views.order_unlock, name="desk_order_unlock"),
    path("locks/carts/<int:pk>/unlock", desk_views.cart_unlock, name="desk_cart_unlock"),
    path("sessions/<int:pk>/end", desk_views.session_end, name="desk_session_end"),
    path("sessions/<int:pk>/transfer", desk_views.session_transfer, name="desk_session_transfer"),
]
