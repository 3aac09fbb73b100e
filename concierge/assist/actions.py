"""What the audit log records about acting on behalf of a customer, with the words a timeline shows."""

from concierge.audit.actions import AuditAction, admin_actions


class AssistAction(AuditAction):
    SESSION_STARTED = "assist.session_started", "Assisted session started"
    SESSION_ENDED = "assist.session_ended", "Assisted session ended"
    TAKEOVER_CREATED = "takeover.created", "Cart takeover started"
    TAKEOVER_CART_VIEWED = "takeover.cart_viewed", "Customer viewed the cart prepared for them"
    TAKEOVER_HANDED_BACK = "takeover.handed_back", "Cart handed back to the customer"
    TAKEOVER_CANCELLED = "takeover.cancelled", "Cart takeover cancelled"
    TAKEOVER_LINK_SENT = "takeover.link_sent", "Checkout link sent to the customer"
    TAKEOVER_PICKED_UP = "takeover.picked_up", "Customer picked up the prepared cart"
    SESSION_ENDED_BY_CUSTOMER = "assist.session_ended_by_customer", "Customer ended customer service's access"
    SESSION_ENDED_BY_SUPERVISOR = "assist.session_ended_by_supervisor", "Supervisor ended the assisted session"
    CHANGE_UNDONE = "assist.change_undone", "A change of the session undone"
    TRANSFER_OFFERED = "assist.transfer_offered", "Session offered to another agent"
    TRANSFER_DECLINED = "assist.transfer_declined", "Session transfer declined"
    TRANSFER_WITHDRAWN = "assist.transfer_withdrawn", "Session transfer withdrawn"
    VERIFICATION_SENT = "assist.verification_sent", "Verification code sent to the customer"
    VERIFICATION_FAILED = "assist.verification_failed", "Wrong verification code entered"
    VERIFICATION_EXPIRED = "assist.verification_expired", "Verification code expired"
    VERIFICATION_CONFIRMED = "assist.verification_confirmed", "Customer confirmed the session with their code"
    VERIFICATION_CANCELLED = "assist.verification_cancelled", "Verification cancelled"
    SESSION_TRANSFERRED = "assist.session_transferred", "Session handed over to another agent"


AssistAdminAction = admin_actions("AssistAdminAction", {"sessionreason": "Session reason"}, module=__name__)
