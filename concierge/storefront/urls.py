from django.urls import path

from concierge.storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("account/sign-in/", views.sign_in, name="sign_in"),
    path("account/register/", views.register, name="register"),
    path("account/sign-out/", views.sign_out, name="sign_out"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("account/", views.my_account, name="my_account"),
    path("organizations/", views.organizations, name="organizations"),
]
