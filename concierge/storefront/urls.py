from django.urls import path

from concierge.storefront import (
    account_views,
    assist_views,
    checkout_views,
    guest_views,
    password_views,
    pickup_views,
    privacy_views,
    shop,
    views,
)
from concierge.storefront.account_switch_views import associates, buying_for

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", shop.search, name="search"),
    path("c/<slug:slug>/", shop.category, name="category"),
    path("p/<slug:slug>/", shop.product, name="product"),
    path("p/<slug:slug>/image.svg", shop.product_image, name="product_image"),
    path("cart/", shop.cart, name="cart"),
    path("cart/add/", shop.cart_add_view, name="cart_add"),
    path("cart/lines/<int:line_id>/", shop.cart_line_update, name="cart_line"),
    path("cart/lock/", assist_views.cart_lock_view, name="cart_lock"),
    path("cart/unlock/", assist_views.cart_unlock_view, name="cart_unlock"),
    path("cart/bind/", assist_views.cart_bind_view, name="cart_bind"),
    path("cart/pick-up/", pickup_views.pickup, name="pickup"),
    path("assist/heartbeat/", assist_views.assist_heartbeat, name="assist_heartbeat"),
    path("checkout/", checkout_views.checkout, name="checkout"),
    path("checkout/guest/", guest_views.guest_start, name="guest_start"),
    path("checkout/guest/end/", guest_views.guest_end_view, name="guest_end"),
    path("checkout/guest/orders/<str:number>/", guest_views.guest_order, name="guest_order"),
    path("orders/view/<str:token>/", guest_views.guest_order_link, name="guest_order_link"),
    path("account/guest-orders/", guest_views.guest_orders, name="guest_orders"),
    path("account/guest-orders/attach/<str:token>/", guest_views.guest_orders_attach, name="guest_orders_attach"),
    path("account/sign-in/", views.sign_in, name="sign_in"),
    path("account/register/", views.register, name="register"),
    path("account/password-reset/", password_views.password_reset, name="password_reset"),
    path(
        "account/reset/<str:uidb64>/<str:token>/", password_views.password_reset_confirm, name="password_reset_confirm"
    ),
    path("account/sign-out/", views.sign_out, name="sign_out"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("account/", views.my_account, name="my_account"),
    path("account/orders/", account_views.orders, name="orders"),
    path("account/orders/<str:number>/", account_views.order_detail, name="order_detail"),
    path("account/addresses/", account_views.addresses, name="addresses"),
    path("account/payment-methods/", account_views.payment_methods, name="payment_methods"),
    path("account/security/", account_views.security, name="security"),
    path("account/privacy/", privacy_views.privacy, name="privacy"),
    path("organizations/", views.organizations, name="organizations"),
    path("account/buying-for/", buying_for, name="buying_for"),
    path("account/associates/", associates, name="associates"),
]
