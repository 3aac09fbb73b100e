from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.money import Money
from concierge.payments.services import gift_certificate_issue
from concierge.stores.models import Store


class Command(BaseCommand):
    help = "Issue a gift certificate for a store and print its code (shown only now)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--store", required=True, help="Store code, e.g. us.")
        parser.add_argument("--amount", required=True, help="Amount in the store's currency, e.g. 50.00.")

    def handle(self, *args: Any, store: str, amount: str, **options: Any) -> None:
        the_store = Store.objects.filter(code=store).first()
        if the_store is None:
            raise CommandError(f"No store {store!r}.")
        try:
            value = Money(Decimal(amount), the_store.currency)
        except (InvalidOperation, ValueError) as exc:
            raise CommandError(f"Not an amount: {amount!r}.") from exc
        try:
            certificate, code = gift_certificate_issue(ActingContext.system("gift certificates"), store=the_store,
                                                       amount=value)  # fmt: skip
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Gift certificate {code} for {value.format(the_store.locale)} in {the_store.name}.")
        self.stdout.write(f"Balance tracked as #{certificate.pk}; the code is not stored and cannot be shown again.")
