from enum import StrEnum


class PaymentError(StrEnum):
    DECLINED = "payment.declined"
    CARD_INVALID = "payment.card_invalid"
    SOURCE_NOT_FOUND = "payment.source_not_found"
    IDEMPOTENCY_MISMATCH = "payment.idempotency_key_reused"
    IN_FLIGHT = "payment.in_flight"
    NOT_CAPTURABLE = "payment.not_capturable"
    GATEWAY_UNAVAILABLE = "payment.gateway_unavailable"
    GIFT_CERTIFICATE_INVALID = "payment.gift_certificate_invalid"
    CURRENCY_MISMATCH = "payment.currency_mismatch"
    ILLEGAL_TRANSITION = "payment.illegal_transition"
    REFUND_ILLEGAL_TRANSITION = "refund.illegal_transition"
    REFUND_TOO_LARGE = "refund.amount_too_large"
    REFUND_INVALID = "refund.invalid"
    REFUND_NOT_AWAITING = "refund.not_awaiting_approval"
    REFUND_OWN_REQUEST = "refund.own_request"
