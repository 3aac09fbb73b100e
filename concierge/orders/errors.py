from enum import StrEnum


class OrderError(StrEnum):
    NOT_FOUND = "order.not_found"
    ILLEGAL_TRANSITION = "order.illegal_transition"
    SHIPMENT_ILLEGAL_TRANSITION = "shipment.illegal_transition"
