"""What the audit log records about payments, with the words a timeline shows."""

from concierge.audit.actions import AuditAction, admin_actions


class PaymentAction(AuditAction):
    AUTHORIZE_SUCCEEDED = "payment.authorize_succeeded", "Payment authorized"
    AUTHORIZE_DECLINED = "payment.authorize_declined", "Payment authorization declined"
    AUTHORIZE_FAILED = "payment.authorize_failed", "Payment service did not answer the authorization"
    CAPTURE_SUCCEEDED = "payment.capture_succeeded", "Payment captured"
    CAPTURE_DECLINED = "payment.capture_declined", "Payment capture declined"
    CAPTURE_FAILED = "payment.capture_failed", "Payment service did not answer the capture"
    REVERSE_SUCCEEDED = "payment.reverse_succeeded", "Authorization reversed"
    REVERSE_DECLINED = "payment.reverse_declined", "Authorization reversal declined"
    REVERSE_FAILED = "payment.reverse_failed", "Payment service did not answer the reversal"
    REFUND_SUCCEEDED = "payment.refund_succeeded", "Payment refunded"
    REFUND_DECLINED = "payment.refund_declined", "Refund declined"
    REFUND_FAILED = "payment.refund_failed", "Payment service did not answer the refund"
    SOURCE_ADDED = "payment_source.added", "Payment method added"
    SOURCE_REMOVED = "payment_source.removed", "Payment method removed"
    GIFT_CERTIFICATE_ISSUED = "gift_certificate.issued", "Gift certificate issued"


# Changes made in the admin.
PaymentAdminAction = admin_actions("PaymentAdminAction", {"giftcertificate": "Gift certificate"}, module=__name__)
