"""Grow the benchmark data set to CUSTOMERS customers for bench/customer_search.sh, fast, in SQL.

Run inside Django (``manage.py shell -c "$(cat bench/customer_search_data.py)"``) after ``generate
--customers N``, with the CUSTOMERS environment variable set. ``generate`` writes each customer
with a sign-in, an address and the Find customer terms, at a few thousand a second on a loaded
2-core machine; a million that way takes most of an hour. This step
1. sets each customer's Default Billing Address line (``billing_summary``) from its default billing
   address where ``generate`` left it empty (the address services keep it in the product), and
2. copies the generated customers until there are CUSTOMERS: copy k has Shared ID ``C<k>…``, an
   email ``<k>.…``, another row's first and last names (so names do not just repeat in blocks), a
   different telephone country digit, no sign-in, and Find customer terms for its names, email and
   Shared ID (not its phone or postal code, which the benchmark does not search copies by);
   ``generate --customers 1000000`` writes them all and leaves nothing to copy;
3. adds ACCOUNTS accounts (default 100,000; ``generate`` writes none): Shared ID ``B…``, a Business
   Name of a customer's last name and a trade ("Lopez Supply"), a Business Number ``BN-…``, that
   customer's store and billing line, and their Find customer terms (``customers.search``).
It prints what it did. Re-running adds nothing once there are CUSTOMERS and ACCOUNTS.
"""

import os
import time

from django.db import connection, transaction

from concierge.customers.models import Customer, CustomerSearchTerm
from concierge.customers.search import customer_terms

target = int(os.environ.get("CUSTOMERS", "1000000"))
started = time.perf_counter()
with connection.cursor() as cursor:
    cursor.execute(
        "UPDATE customers_customer SET billing_summary = (SELECT a.line1 || ', ' || a.city || ', ' || a.postal_code"
        " || ' ' || a.country FROM customers_address a WHERE a.customer_id = customers_customer.id"
        " AND a.is_default_billing) WHERE billing_summary = '' AND EXISTS (SELECT 1 FROM customers_address a"
        " WHERE a.customer_id = customers_customer.id AND a.is_default_billing)"
    )
    filled = cursor.rowcount
    cursor.execute("SELECT count(*), max(id) FROM customers_customer WHERE shared_id LIKE 'C0%'")
    base, top = cursor.fetchone()
    cursor.execute("SELECT count(*) FROM customers_customer")
    (total,) = cursor.fetchone()
    copies = 0
    k = 1
    while total < target and base and k < 10:
        count = min(base, target - total)
        with transaction.atomic():
            cursor.execute(
                "INSERT INTO customers_customer (shared_id, kind, status, first_name, last_name, organization_name,"  # noqa: S608 - k is a loop counter
                " email, phone, preferred_locale, assistance_opt_out, created_at, updated_at, version, store_id,"
                " billing_summary, business_number, lease_token, contact_email, contact_name, contact_phone, country,"
                " preferred_currency)"
                f" SELECT 'C{k}' || substr(c.shared_id, 3), c.kind, c.status,"
                " coalesce((SELECT o.first_name FROM customers_customer o WHERE o.id = 1 + (c.id + %s) %% %s),"
                " c.first_name),"
                " coalesce((SELECT o.last_name FROM customers_customer o WHERE o.id = 1 + (c.id + %s) %% %s),"
                " c.last_name),"
                f" '', '{k}.' || c.email, '+{k + 1}' || substr(c.phone, 3), c.preferred_locale, c.assistance_opt_out,"
                " c.created_at, c.updated_at, 1, c.store_id, c.billing_summary, '', '', '', '', '', '', ''"
                " FROM customers_customer c WHERE c.shared_id LIKE 'C0%%' AND NOT EXISTS (SELECT 1 FROM"
                f" customers_customer d WHERE d.shared_id = 'C{k}' || substr(c.shared_id, 3)) ORDER BY c.id LIMIT %s",
                [k * 7919, top, k * 104729, top, count],
            )
            added = cursor.rowcount
            for tag, column in (("f", "first_name"), ("l", "last_name"), ("e", "email"), ("i", "shared_id")):
                cursor.execute(
                    "INSERT INTO customers_customersearchterm (term, store_id, customer_id)"  # noqa: S608 - constants
                    f" SELECT '{tag}:' || lower({column}), store_id, id FROM customers_customer"
                    f" WHERE shared_id LIKE 'C{k}%%' AND {column} <> ''"
                )
        copies += added
        total += added
        k += 1

accounts_wanted = int(os.environ.get("ACCOUNTS", "100000"))
accounts = 0
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM customers_customer WHERE shared_id LIKE 'B0%%'")
    (have,) = cursor.fetchone()
    if have < accounts_wanted:
        with transaction.atomic():
            # Every tenth user lends its last name, store and billing line to an account.
            cursor.execute(
                "INSERT INTO customers_customer (shared_id, kind, status, first_name, last_name, organization_name,"
                " email, phone, preferred_locale, assistance_opt_out, created_at, updated_at, version, store_id,"
                " billing_summary, business_number, lease_token, contact_email, contact_name, contact_phone, country,"
                " preferred_currency)"
                " SELECT 'B' || substr(c.shared_id, 2), 'ACCOUNT', 'ACTIVE', '', '', c.last_name || CASE c.id %% 6"
                " WHEN 0 THEN ' Supply' WHEN 1 THEN ' Outfitters' WHEN 2 THEN ' Trading' WHEN 3 THEN ' Holdings'"
                " WHEN 4 THEN ' Works' ELSE ' Partners' END, '', '', c.preferred_locale, false, c.created_at,"
                " c.updated_at, 1, c.store_id, c.billing_summary, 'BN-' || (100000007 + (c.id * 7919) %% 899999993),"
                " '', '', '', '', '', ''"
                " FROM customers_customer c WHERE c.shared_id LIKE 'C0%%' AND c.id %% 10 = 0 ORDER BY c.id LIMIT %s",
                [accounts_wanted - have],
            )
            accounts = cursor.rowcount
            made = Customer.objects.filter(kind=Customer.Kind.ACCOUNT, shared_id__startswith="B0")
            CustomerSearchTerm.objects.bulk_create(
                (
                    CustomerSearchTerm(term=term, store_id=c.store_id, customer_id=c.pk)
                    for c in made.only(
                        "shared_id", "first_name", "last_name", "email", "phone", "organization_name", "store_id"
                    ).iterator(chunk_size=5000)
                    for term in sorted(customer_terms(c))
                ),
                batch_size=5000,
            )
elapsed = time.perf_counter() - started
print(
    f"Filled {filled} billing lines; copied {copies} customers; {total} customers; added {accounts} accounts;"
    f" in {elapsed:.0f} s."
)
