"""Two editors and a supervisor, in every order hypothesis finds: no update is ever lost
(RELIABILITY.md bar 13). Each save names the version its editor loaded and the lock's token."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.orders import locks, services
from concierge.orders.editing import EditGuard
from concierge.orders.models import Order
from concierge.orders.tests.builders import placed_order
from concierge.testing import factories

pytestmark = pytest.mark.django_db

EDITORS = ["ann", "bob"]


def test_two_editors_and_a_supervisor_lose_no_update(shopper, store, csr, supervisor):
    order = placed_order(shopper, store, shipments=1)
    users = {"ann": csr, "bob": factories.staff("CSR", stores=[store], first_name="Bob"), "sam": supervisor}

    class Editors(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            current = Order.objects.get(pk=order.pk)
            self.committed = current.billing_line2  # what the database must hold
            self.version = current.version
            self.loaded: dict[str, tuple[int, str]] = {}  # editor -> (version, line2) they loaded
            self.tokens: dict[str, str] = {}

        def ctx(self, who: str) -> ActingContext:
            return ActingContext(user=users[who])

        @rule(who=st.sampled_from(EDITORS))
        def load(self, who: str) -> None:
            current = Order.objects.get(pk=order.pk)
            self.loaded[who] = (current.version, current.billing_line2)

        @rule(who=st.sampled_from(EDITORS))
        def lock(self, who: str) -> None:
            refused = ""
            try:
                self.tokens[who] = locks.order_lock(self.ctx(who), order_id=order.pk).token
            except DomainError as exc:
                refused = exc.code
            assert refused in {"", "order.locked"}

        @precondition(lambda self: self.loaded)
        @rule(who=st.sampled_from(EDITORS), text=st.text("xyz", min_size=1, max_size=3))
        def save(self, who: str, text: str) -> None:
            if who not in self.loaded:
                return
            version, line2 = self.loaded[who]
            current = Order.objects.get(pk=order.pk)
            address = {f: getattr(current, f"billing_{f}") for f in services.ADDRESS_FIELDS}
            address["line2"] = (line2 + text)[-40:]
            refused = ""
            try:
                services.order_billing_update(
                    self.ctx(who),
                    order_id=order.pk,
                    guard=EditGuard(version=version, lease_token=self.tokens.get(who)),
                    address=address,
                )
            except DomainError as exc:
                refused = exc.code
            if refused:
                assert refused in {"order.stale", "order.lock_lost", "order.locked"}
                return
            # accepted: it must have been based on what was committed, at the current version
            assert version == self.version
            assert line2 == self.committed
            self.committed, self.version = address["line2"], self.version + 1
            self.tokens.pop(who, None)

        @rule(who=st.sampled_from(EDITORS))
        def close(self, who: str) -> None:
            refused = ""
            try:
                locks.order_unlock(self.ctx(who), order_id=order.pk, lease_token=self.tokens.pop(who, None))
            except DomainError as exc:
                refused = exc.code
            assert refused in {"", "order.lock_lost"}

        @rule()
        def supervisor_unlocks(self) -> None:
            locks.order_force_unlock(self.ctx("sam"), order_id=order.pk, reason="testing")

        @invariant()
        def nothing_is_lost(self) -> None:
            current = Order.objects.get(pk=order.pk)
            assert current.billing_line2 == self.committed
            assert current.version == self.version

    run_state_machine_as_test(Editors, settings=settings(max_examples=40, stateful_step_count=25, deadline=None))
