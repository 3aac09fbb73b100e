from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "concierge.returns"
    label = "returns"

    def ready(self) -> None:
        # Erase this domain's copies of a customer's data with Remove customer data.
        from concierge.returns import erasure

        erasure.register()
        # Complete a received return when its refund is issued (told by orders.refunds).
        from concierge.orders.refunds import on_refund_settled
        from concierge.returns.services import refund_settled

        on_refund_settled(refund_settled)
