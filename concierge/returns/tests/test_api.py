"""The returns API: create a return and an exchange under the order's lock, list and search them,
receive them under the return's version — with the one error shape."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from concierge.core.context import ActingContext
from concierge.orders.models import Order
from concierge.payments.models import Refund
from concierge.payments.services import payment_source_add_card
from concierge.returns.models import Return, ReturnReason
from concierge.returns.tests.builders import EBOOK, SHOE, delivered_order
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    created = Client().post("/api/v1/auth/tokens", {"email": user.email, "password": PASSWORD, "name": "returns"},
                            content_type="application/json")  # fmt: skip
    return Client(headers={"Authorization": f"Bearer {created.json()['key']}"})


def lock(client: Client, order: Order) -> dict[str, str]:
    grant = client.post(f"/api/v1/service/orders/{order.number}/lock").json()
    return {"If-Match": f'"{grant["version"]}"', "X-Lease-Token": grant["lease_token"]}


def reason() -> int:
    return ReturnReason.objects.get(name="Damaged").pk


def body(order: Order, quantity: int = 1, **extra) -> dict:
    line = order.lines.order_by("id").first()
    return {"items": [{"order_line": line.pk, "quantity": quantity, "reason": reason(), "comments": "Dented"}],
            **extra}  # fmt: skip


def test_create_a_return_list_it_search_it_and_receive_it(csr, warehouse, shopper, store):
    order = delivered_order(shopper, store, (SHOE,))
    ann = api(csr)
    returnable = ann.get(f"/api/v1/service/orders/{order.number}/returnable").json()
    assert [(r["shipped"], r["returned"], r["available"]) for r in returnable] == [(2, 0, 2)]
    quote = ann.post(f"/api/v1/service/orders/{order.number}/returns/quote", body(order, 2),
                     content_type="application/json").json()  # fmt: skip
    assert (quote["suggested"], quote["refundable"]) == ("160.00", "165.00")
    headers = lock(ann, order)
    created = ann.post(f"/api/v1/service/orders/{order.number}/returns", body(order, 2, refund_amount="150.00"),
                       content_type="application/json", headers=headers)  # fmt: skip
    assert created.status_code == 200, created.json()
    answer = created.json()
    ret = answer["return"]
    assert answer["version"] == order.version + 1
    assert (ret["status"], ret["refund_amount"], ret["value"]) == ("AWAITING_RECEIPT", "150.00", "160.00")
    listed = ann.get(f"/api/v1/service/orders/{order.number}/returns").json()
    assert [r["rma"] for r in listed] == [ret["rma"]]
    # the warehouse finds it by RMA and receives it in two parts
    will = api(warehouse)
    assert [r["rma"] for r in will.get("/api/v1/service/returns", {"rma": ret["rma"]}).json()] == [ret["rma"]]
    assert will.get("/api/v1/service/returns", {"name": "nobody"}).json() == []
    line = ret["lines"][0]["id"]
    url = f"/api/v1/service/returns/{ret['rma']}/receive"
    missing = will.post(url, {"items": [{"line": line, "quantity": 1}]}, content_type="application/json")
    assert (missing.status_code, missing.json()["code"]) == (428, "return.version_required")
    first = will.post(url, {"items": [{"line": line, "quantity": 1}]}, content_type="application/json",
                      headers={"If-Match": f'"{ret["version"]}"'})  # fmt: skip
    assert first.status_code == 200
    assert first.json()["status"] == "AWAITING_RECEIPT"
    stale = will.post(url, {"items": [{"line": line, "quantity": 1}]}, content_type="application/json",
                      headers={"If-Match": f'"{ret["version"]}"'})  # fmt: skip
    assert (stale.status_code, stale.json()["code"]) == (412, "return.stale")
    done = will.post(url, {"items": [{"line": line, "quantity": 1}]}, content_type="application/json",
                     headers={"If-Match": f'"{first.json()["version"]}"'})  # fmt: skip
    assert done.json()["status"] == "COMPLETED"
    assert done.json()["refunds"] == [{"amount": "150.00", "currency": "USD", "destination": "ORIGINAL",
                                       "status": "ISSUED", "reason": ""}]  # fmt: skip
    assert done.json()["refund_waiting"] == ""


def test_quantity_limits_and_bad_input_have_the_error_shape(csr, shopper, store):
    order = delivered_order(shopper, store, (SHOE,))
    ann = api(csr)
    headers = lock(ann, order)
    too_many = ann.post(f"/api/v1/service/orders/{order.number}/returns", body(order, 3),
                        content_type="application/json", headers=headers)  # fmt: skip
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "return.quantity_invalid"
    assert list(too_many.json()["fields"].values()) == [["At most 2 can be returned (shipped 2, already returned 0)."]]
    long = ann.post(f"/api/v1/service/orders/{order.number}/returns", {**body(order), "note": "x" * 501},
                    content_type="application/json", headers=headers)  # fmt: skip
    assert long.status_code == 422
    assert set(long.json()) >= {"code", "message", "fields"}
    raised = ann.post(f"/api/v1/service/orders/{order.number}/returns", body(order, 1, refund_amount="80.01"),
                      content_type="application/json", headers=headers)  # fmt: skip
    assert (raised.status_code, raised.json()["code"]) == (422, "return.refund_invalid")
    assert not Return.objects.exists()


def test_a_digital_return_completes_at_once(csr, shopper, store):
    order = delivered_order(shopper, store, (EBOOK,))
    ann = api(csr)
    created = ann.post(f"/api/v1/service/orders/{order.number}/returns", body(order, refund_destination="MANUAL"),
                       content_type="application/json", headers=lock(ann, order)).json()  # fmt: skip
    assert created["return"]["status"] == "COMPLETED"
    assert created["return"]["receipt_required"] is False
    assert created["return"]["refunds"][0]["status"] == "ISSUED"


def test_an_exchange_over_the_api(csr, warehouse, shopper, store):
    order = delivered_order(shopper, store, (SHOE,))
    ann = api(csr)
    created = ann.post(f"/api/v1/service/orders/{order.number}/returns", body(order, kind="EXCHANGE"),
                       content_type="application/json", headers=lock(ann, order)).json()  # fmt: skip
    ret = created["return"]
    assert ret["kind"] == "EXCHANGE"
    assert ret["exchange_order"]
    assert Order.objects.get(number=ret["exchange_order"]).status == "AWAITING_EXCHANGE"
    done = api(warehouse).post(f"/api/v1/service/returns/{ret['rma']}/receive",
                               {"items": [{"line": ret["lines"][0]["id"], "quantity": 1}]},
                               content_type="application/json",
                               headers={"If-Match": f'"{ret["version"]}"'})  # fmt: skip
    assert done.json()["status"] == "COMPLETED"
    assert Order.objects.get(number=ret["exchange_order"]).status == "IN_PROGRESS"
    assert Decimal(done.json()["exchange_charge"]) == Decimal("0.00")


def test_who_may_do_what(csr, warehouse, seller, shopper, store, csr_other_store):
    order = delivered_order(shopper, store, (SHOE,))
    ann = api(csr)
    created = ann.post(f"/api/v1/service/orders/{order.number}/returns", body(order),
                       content_type="application/json", headers=lock(ann, order)).json()["return"]  # fmt: skip
    receive = f"/api/v1/service/returns/{created['rma']}/receive"
    receipt = {"items": [{"line": created["lines"][0]["id"], "quantity": 1}]}
    # a CSR cannot receive; the warehouse cannot create or list an order's returns; another store sees nothing
    assert ann.post(receive, receipt, content_type="application/json",
                    headers={"If-Match": '"1"'}).json()["code"] == "permission_denied"  # fmt: skip
    will = api(warehouse)
    assert will.get(f"/api/v1/service/orders/{order.number}/returns").status_code == 403
    assert api(seller).get("/api/v1/service/returns", {"rma": created["rma"]}).status_code == 403
    assert api(csr_other_store).get(f"/api/v1/service/returns/{created['rma']}").status_code == 404
    assert api(csr_other_store).get("/api/v1/service/returns", {"rma": created["rma"]}).json() == []


def test_the_returns_search_reads_a_page_in_the_same_few_queries_however_many_it_finds(csr, warehouse, shopper, store):
    """The Warehouse's search answers a page of returns with their lines and refunds in a fixed
    number of statements (it once read each return's lines and refunds apart: 2 more per return)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ann, will = api(csr), api(warehouse)

    def create_return() -> None:
        order = delivered_order(shopper, store, (SHOE,))
        created = ann.post(f"/api/v1/service/orders/{order.number}/returns", body(order, 1),
                           content_type="application/json", headers=lock(ann, order))  # fmt: skip
        assert created.status_code == 200, created.json()

    def statements() -> int:
        with CaptureQueriesContext(connection) as queries:
            found = will.get("/api/v1/service/returns", {"name": shopper.last_name})
        assert found.status_code == 200
        return len(queries.captured_queries)

    create_return()
    statements()  # warms what a process keeps (the person's access, the stores)
    one = statements()
    for _ in range(3):
        create_return()
    assert len(will.get("/api/v1/service/returns", {"name": shopper.last_name}).json()) == 4
    assert statements() == one


def test_warehouse_staff_are_refused_the_order_console_api(warehouse, shopper, store):
    """The Warehouse is all of the console warehouse staff use: the orders' API refuses them as the
    order pages do (403), while their Returns search answers."""
    order = delivered_order(shopper, store, (SHOE,))
    will = api(warehouse)
    for path in (
        f"/api/v1/service/orders/{order.number}",
        f"/api/v1/service/orders/{order.number}/holds",
        f"/api/v1/service/orders/{order.number}/refunds",
        f"/api/v1/service/orders/{order.number}/returns",
    ):
        refused = will.get(path)
        assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied"), path
    assert will.post(f"/api/v1/service/orders/{order.number}/lock").status_code == 403
    assert will.get("/api/v1/service/returns", {"order_number": order.number}).status_code == 200


def unlock(client: Client, order: Order, headers: dict[str, str]) -> None:
    closed = client.delete(f"/api/v1/service/orders/{order.number}/lock",
                           headers={"X-Lease-Token": headers["X-Lease-Token"]})  # fmt: skip
    assert closed.status_code == 204


def add_card(customer, number: str):
    return payment_source_add_card(ActingContext.system("tests", store=customer.store), customer=customer,
                                   number=number, exp_month=4, exp_year=2033, cvc="123",
                                   holder_name=customer.display_name or "Accounts")  # fmt: skip


def test_a_return_refunded_to_another_customer_card_or_the_orders_account_card(csr, shopper, other_shopper, store):
    order = delivered_order(shopper, store, (EBOOK, SHOE))
    org = factories.organization(store=store, name="Acme Outfitters")
    Order.objects.filter(pk=order.pk).update(account=org)
    customers_card, accounts_card = add_card(shopper, "5555555555554444"), add_card(org, "5105105105105100")
    strangers_card = add_card(other_shopper, "4012888888881881")
    ebook, shoe = order.lines.get(product_name="Trail Guide eBook"), order.lines.get(product_name="Shoe")
    ann = api(csr)
    headers = lock(ann, order)
    url = f"/api/v1/service/orders/{order.number}/returns"

    def item(line, quantity: int = 1) -> dict:
        return {"order_line": line.pk, "quantity": quantity, "reason": reason()}

    # a card of another customer is refused, naming the field
    def to_card(items: list[dict], card, **extra):
        payload = {"items": items, "refund_destination": "OTHER_SOURCE", "refund_source": card.pk, **extra}
        return ann.post(url, payload, content_type="application/json", headers=headers)

    refused = to_card([item(ebook)], strangers_card)
    assert (refused.status_code, refused.json()["code"]) == (422, "return.refund_invalid")
    assert refused.json()["fields"] == {"source": ["Choose one of the customer's cards."]}
    # another of the customer's cards
    first = to_card([item(ebook)], customers_card)
    assert first.status_code == 200, first.json()
    assert first.json()["return"]["status"] == "COMPLETED"
    assert first.json()["return"]["refunds"][0]["destination"] == "OTHER_SOURCE"
    headers["If-Match"] = f'"{first.json()["version"]}"'
    # and a card of the account the order was placed for
    second = to_card([item(shoe, 2)], accounts_card, receipt_required=False)
    assert second.status_code == 200, second.json()
    assert second.json()["return"]["status"] == "COMPLETED"
    rma = second.json()["return"]["rma"]
    # (one refund per payment capture that holds it: the shoes' may be split over two)
    assert set(Refund.objects.filter(rma=rma).values_list("source_id", "status")) == {(accounts_card.pk, "ISSUED")}
    assert Refund.objects.get(rma=first.json()["return"]["rma"]).source_id == customers_card.pk


def test_a_received_return_waits_for_approval_and_another_refund_completes_it_after_a_rejection(
    csr, supervisor, warehouse, shopper, store
):
    store.refund_approval_threshold = Decimal("50.00")
    store.save(update_fields=["refund_approval_threshold"])
    order = delivered_order(shopper, store, (SHOE,))
    ann = api(csr)
    headers = lock(ann, order)
    ret = ann.post(f"/api/v1/service/orders/{order.number}/returns", body(order, 2),
                   content_type="application/json", headers=headers).json()["return"]  # fmt: skip
    unlock(ann, order, headers)
    will = api(warehouse)
    received = will.post(f"/api/v1/service/returns/{ret['rma']}/receive",
                         {"items": [{"line": ret["lines"][0]["id"], "quantity": 2}]}, content_type="application/json",
                         headers={"If-Match": f'"{ret["version"]}"'}).json()  # fmt: skip
    assert (received["status"], received["refund_waiting"]) == ("RECEIVED", "APPROVAL")
    assert [r["rma"] for r in will.get("/api/v1/service/returns", {"status": "RECEIVED"}).json()] == [ret["rma"]]
    # a supervisor rejects the refund: the return stays Received, the reason beside it
    sam = api(supervisor)
    refund = Refund.objects.get(rma=ret["rma"])
    sam_headers = lock(sam, order)
    rejected = sam.post(f"/api/v1/service/orders/{order.number}/refunds/{refund.pk}/reject",
                        {"reason": "One shoe only"}, content_type="application/json", headers=sam_headers)  # fmt: skip
    assert rejected.status_code == 200, rejected.json()
    now = ann.get(f"/api/v1/service/returns/{ret['rma']}").json()
    assert (now["status"], now["refund_waiting"]) == ("RECEIVED", "REFUSED")
    assert now["refunds"][0] | {"amount": "x"} == {"amount": "x", "currency": "USD", "destination": "ORIGINAL",
                                                   "status": "REJECTED", "reason": "One shoe only"}  # fmt: skip
    # the CSR issues another refund, a Manual Refund of one shoe: the return completes
    headers = lock(ann, order)
    url = f"/api/v1/service/orders/{order.number}/returns/{ret['rma']}/refund"
    missing = ann.post(url, {"destination": "MANUAL", "amount": "40.00"}, content_type="application/json",
                       headers={"X-Lease-Token": headers["X-Lease-Token"]})  # fmt: skip
    assert (missing.status_code, missing.json()["code"]) == (428, "order.version_required")
    again = ann.post(url, {"destination": "MANUAL", "amount": "40.00", "note": "Cheque 77"},
                     content_type="application/json", headers=headers)  # fmt: skip
    assert again.status_code == 200, again.json()
    done = again.json()["return"]
    assert (done["status"], done["refund_amount"], done["refund_destination"]) == ("COMPLETED", "40.00", "MANUAL")
    assert [r["status"] for r in done["refunds"]] == ["REJECTED", "ISSUED"]
    # and a completed return takes no other refund
    headers["If-Match"] = f'"{again.json()["version"]}"'
    refused = ann.post(url, {"destination": "MANUAL"}, content_type="application/json", headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "return.illegal_transition")
