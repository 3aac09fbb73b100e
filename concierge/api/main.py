"""The REST API: django-ninja under /api/v1/, OpenAPI documentation at /api/docs."""

from ninja import NinjaAPI

from concierge.api.auth import token_or_session
from concierge.api.errors import install_error_handlers
from concierge.assist.api import router as assist_router
from concierge.assist.guests_api import router as guest_orders_router
from concierge.carts.api import router as carts_router
from concierge.catalog.api import router as catalog_router
from concierge.checkout.api import router as checkout_router
from concierge.customers.accounts_api import router as accounts_router
from concierge.customers.associates_api import router as associates_router
from concierge.customers.directory_api import router as customer_directory_router
from concierge.customers.organizations_api import router as organizations_router
from concierge.customers.privacy_api import router as privacy_router
from concierge.customers.records_api import router as customer_records_router
from concierge.desk.analytics_api import router as desk_analytics_router
from concierge.desk.queues_api import router as desk_queues_router
from concierge.identity.api import router as identity_router
from concierge.orders.amend_api import router as order_amend_router
from concierge.orders.api import router as orders_router
from concierge.orders.console_api import router as order_console_router
from concierge.orders.hold_api import router as order_holds_router
from concierge.orders.pickup_api import router as order_pickup_router
from concierge.orders.refund_api import router as refund_router
from concierge.presence.api import router as presence_router
from concierge.presence.lists_api import router as customer_lists_router
from concierge.returns.api import router as returns_router

api = NinjaAPI(
    title="Concierge API",
    version="1",
    description=(
        "Assisted commerce. Authenticate with `Authorization: Bearer <key>` (POST /api/v1/auth/tokens) "
        "or a browser session plus the CSRF token. Every error answers "
        '`{"code": "dotted.code", "message": "…", "fields": {…}}`.'
    ),
    auth=token_or_session,
    urls_namespace="api",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/", identity_router)
api.add_router("/", catalog_router)
api.add_router("/", carts_router)
api.add_router("/", checkout_router)
api.add_router("/", orders_router)
api.add_router("/", order_console_router)
api.add_router("/", order_holds_router)
api.add_router("/", order_pickup_router)
api.add_router("/", returns_router)
api.add_router("/", refund_router)
api.add_router("/", order_amend_router)
api.add_router("/", assist_router)
api.add_router("/", guest_orders_router)
api.add_router("/", associates_router)
api.add_router("/", privacy_router)
api.add_router("/", customer_records_router)
api.add_router("/", accounts_router)
api.add_router("/", customer_directory_router)
api.add_router("/", organizations_router)
api.add_router("/", customer_lists_router)
api.add_router("/", presence_router)
api.add_router("/", desk_queues_router)
api.add_router("/", desk_analytics_router)
