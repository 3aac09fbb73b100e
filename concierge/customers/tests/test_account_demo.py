"""The demo's accounts: Acme's children two levels deep, associates, and a suspended account."""

import io

import pytest
from django.core.management import call_command

from concierge.customers.accounts import account_tree
from concierge.customers.models import AccountAssociate, Customer
from concierge.identity.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_two_level_hierarchy_associates_and_a_suspended_account():
    call_command("seed_demo", customers=0, stdout=io.StringIO())
    call_command("seed_demo", customers=0, stdout=io.StringIO())  # idempotent
    tree = account_tree(Customer.objects.get(shared_id="A000000001"))
    assert [(n.account.display_name, [c.account.display_name for c in n.children]) for n in tree] == [
        ("Acme Hospitality Colorado", []),
        ("Acme Hospitality Texas", ["Acme Austin Downtown Hotel", "Acme Houston Airport Hotel"]),
    ]
    assert Customer.objects.get(shared_id="A000000201").status == Customer.Status.SUSPENDED
    bea = User.objects.get(email="bea.buyer@concierge.test")
    assert bea.check_password("concierge-demo")
    assert sorted(AccountAssociate.objects.filter(user=bea).values_list("account__shared_id", "role")) == [
        ("A000000001", "BUYER"), ("A000000101", "ADMIN"), ("A000000201", "BUYER"),
    ]  # fmt: skip
