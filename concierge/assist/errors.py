from enum import StrEnum


class AssistError(StrEnum):
    OPTED_OUT = "assist.opted_out"
    STAFF_CUSTOMER = "assist.staff_customer"
    CUSTOMER_INACTIVE = "assist.customer_inactive"
    ALREADY_ASSISTING = "assist.already_assisting"
    NOT_ASSISTING = "assist.not_assisting"
    SESSION_ENDED = "assist.session_ended"
    REASON_REQUIRED = "assist.reason_required"
    REASON_UNKNOWN = "assist.reason_unknown"
    CASE_REQUIRED = "assist.case_required"
    UNDO_UNAVAILABLE = "assist.undo_unavailable"
    TRANSFER_REFUSED = "assist.transfer_refused"
    END_NOTE_REQUIRED = "assist.end_note_required"
    TAKEOVER_NOT_FOUND = "assist.takeover_not_found"
    TAKEOVER_CLOSED = "assist.takeover_closed"
    PICKUP_INVALID = "assist.pickup_invalid"
    GUEST_SIGNED_IN = "guest.signed_in"
