"""Data policies and consent as an API (seed 004 "Customer Data Policies"; RELIABILITY bar 25).

Customer service reads a customer's policies with their consent and the data points collected,
and removes a customer's data (the Remove customer data privilege) as an edit of the record: the
record version in ``If-Match`` and the record lock's token in ``X-Lease-Token``. The shopper lists
the policies in force and gives or withdraws consent themself (never an agent on their behalf:
403 ``not_allowed_on_behalf``). Errors have the one shape ``{"code", "message", "fields"}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Router, Schema
from pydantic import Field, StringConstraints

from concierge.api.auth import token_or_session
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS, Id
from concierge.core.errors import DomainError
from concierge.core.on_behalf import OnBehalfDenied, tagged_not_on_behalf
from concierge.core.requests import ConciergeRequest
from concierge.customers.models import Customer
from concierge.customers.privacy import (
    REASON_LIMIT,
    PolicyRow,
    active_policies_for,
    consent_set,
    customer_erase,
    data_point_values,
    policies_for,
    policy_for,
)
from concierge.customers.records_api import EDIT_HEADERS, ERRORS_EDIT, IfMatch, LeaseToken, edit_guard, record_of

router = Router(tags=["data policies"])

ReasonText = Annotated[str, StringConstraints(min_length=1, max_length=REASON_LIMIT, pattern=NO_CONTROL_CHARACTERS)]
SharedIdText = Annotated[str, StringConstraints(max_length=32, pattern=NO_CONTROL_CHARACTERS)]


class DataPointOut(Schema):
    key: str = Field(description="Where the value lives, e.g. `customer.email`, `address.street`.")
    name: str
    description: str
    values: list[str] = Field(description="The values collected for this customer (console only; else empty).")


class PolicyOut(Schema):
    id: int
    name: str
    reference_key: str
    description: str
    retention_days: int
    state: str = Field(description="DRAFT, ACTIVE or DISABLED.")
    state_label: str
    consent_given: bool
    consent_updated_at: dt.datetime | None = Field(description="When the consent last changed; null: never asked.")
    data_points: list[DataPointOut]


class RemoveDataIn(Schema):
    confirmation: SharedIdText = Field(description="The customer's Shared ID, typed to confirm (400 otherwise).")
    reason: ReasonText = Field(description=f"Why; at most {REASON_LIMIT} characters, not naming the customer.")


class RemoveDataOut(Schema):
    version: int = Field(description="The record's version now.")
    removed: dict[str, int] = Field(description="What was removed or blanked, by kind.")


class ConsentOut(Schema):
    policy: int
    consent_given: bool
    consent_updated_at: dt.datetime


CONSENT_RESPONSES = {200: ConsentOut, 404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}


def _policy_out(customer: Customer, row: PolicyRow, *, with_values: bool) -> PolicyOut:
    points = [
        DataPointOut(key=p.key, name=p.name, description=p.description, values=p.values if with_values else [])
        for p in data_point_values(customer, row.policy)
    ]
    return PolicyOut(
        id=row.policy.pk, name=row.policy.name, reference_key=row.policy.reference_key,
        description=row.policy.description, retention_days=row.policy.retention_days, state=row.policy.state,
        state_label=row.state, consent_given=row.consent_given, consent_updated_at=row.consent_updated_at,
        data_points=points,
    )  # fmt: skip


def _console_customer(request: ConciergeRequest, customer_id: int) -> Customer:
    """The record for the caller: customer service staff of its store only, else 403 / 404."""
    return record_of(request, customer_id)


@router.get("/service/customers/{customer_id}/data-policies",
            response={200: list[PolicyOut], 404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT})  # fmt: skip
def console_customer_policies(request: ConciergeRequest, customer_id: Id) -> list[PolicyOut]:
    """The Customer Data Policies tab: the policies that apply to the customer (the active ones of
    their store, and any they have consented to or withdrawn from), consent, when it was last
    updated, the policy's state, and each data point with the values collected."""
    customer = _console_customer(request, customer_id)
    return [_policy_out(customer, row, with_values=True) for row in policies_for(customer)]


@router.get("/service/customers/{customer_id}/data-policies/{policy_id}",
            response={200: PolicyOut, 404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT})  # fmt: skip
def console_customer_policy(request: ConciergeRequest, customer_id: Id, policy_id: Id) -> PolicyOut:
    """One policy that applies to the customer, with its data points and values (404 otherwise)."""
    customer = _console_customer(request, customer_id)
    return _policy_out(customer, policy_for(customer, policy_id), with_values=True)


@router.post("/service/customers/{customer_id}/remove-data", response={200: RemoveDataOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def console_customer_remove_data(request: ConciergeRequest, customer_id: Id, payload: RemoveDataIn,
                                 if_match: str | None = IfMatch,
                                 x_lease_token: str | None = LeaseToken) -> RemoveDataOut:  # fmt: skip
    """Remove customer data (the Remove customer data privilege; 403 without it): the customer's
    name, email, phone and addresses are erased everywhere, their sessions and API tokens end, the
    record is disabled; orders and payments keep their totals. An edit of the record: If-Match is its
    version, X-Lease-Token the token of its lock; the record unlocks."""
    customer = _console_customer(request, customer_id)
    report = customer_erase(request.ctx, customer_id=customer.pk, guard=edit_guard(if_match, x_lease_token),
                            confirmation=payload.confirmation, reason=payload.reason)  # fmt: skip
    version = Customer.objects.filter(pk=customer.pk).values_list("version", flat=True).get()
    return RemoveDataOut(version=version, removed=report.counts)


def _own_customer(request: ConciergeRequest) -> Customer:
    customer = request.ctx.customer
    if request.ctx.user is None or customer is None:
        raise DomainError("permission_denied", "Data policy consent is for a signed-in customer.", status=403)
    return customer


@router.get("/account/data-policies", response={200: list[PolicyOut], **ERRORS_AUTH}, auth=token_or_session)
def my_policies(request: ConciergeRequest) -> list[PolicyOut]:
    """The data policies in force for the caller, with their consent and the data points each covers."""
    customer = _own_customer(request)
    return [_policy_out(customer, row, with_values=False) for row in active_policies_for(customer)]


@router.post("/account/data-policies/{policy_id}/consent",
             response=CONSENT_RESPONSES, auth=token_or_session)  # fmt: skip
@tagged_not_on_behalf(OnBehalfDenied.DATA_CONSENT)
def my_consent_give(request: ConciergeRequest, policy_id: Id) -> ConsentOut:
    """Give consent to a policy in force (404 `policy.not_found` otherwise). Only the customer."""
    consent = consent_set(request.ctx, policy_id=policy_id, given=True)
    return ConsentOut(policy=consent.policy_id, consent_given=consent.given, consent_updated_at=consent.updated_at)


@router.delete("/account/data-policies/{policy_id}/consent",
               response=CONSENT_RESPONSES, auth=token_or_session)  # fmt: skip
@tagged_not_on_behalf(OnBehalfDenied.DATA_CONSENT)
def my_consent_withdraw(request: ConciergeRequest, policy_id: Id) -> ConsentOut:
    """Withdraw consent to a policy in force. Only the customer."""
    consent = consent_set(request.ctx, policy_id=policy_id, given=False)
    return ConsentOut(policy=consent.policy_id, consent_given=consent.given, consent_updated_at=consent.updated_at)
