"""The bench's staff, shared by the setup scripts (run inside `manage.py shell -c`, Django ready)."""

from django.contrib.auth.models import Group

from concierge.core.context import ActingContext
from concierge.identity.models import User
from concierge.identity.services import api_token_create
from concierge.stores.models import Store


def bench_csrs(kind: str, count: int = 8, *, role: str = "CSR") -> list[User]:
    """``count`` staff of ``role`` (CSRs unless told) serving every store, ``bench.<kind><n>@concierge.test``,
    created on the first run."""
    stores = list(Store.objects.all())
    csr = Group.objects.get(name=role)
    users = []
    for n in range(count):
        email = f"bench.{kind}{n}@concierge.test"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, "bench-password-123", first_name="Bench", last_name=f"{kind.title()}{n}"
        )
        user.groups.add(csr)
        user.stores.set(stores)
        users.append(user)
    return users


def api_token(user: User) -> str:
    """A new API token of ``user`` for the bench clients."""
    _, key = api_token_create(ActingContext(user=user), name="bench")
    return key
