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
   Shared ID (not its phone or postal code, which the benchmark does not search copies by).
It prints what it did. Re-running adds nothing once there are CUSTOMERS.
"""

import os
import time

from django.db import connection, transaction

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
                " billing_summary, business_number, lease_token)"
                f" SELECT 'C{k}' || substr(c.shared_id, 3), c.kind, c.status,"
                " coalesce((SELECT o.first_name FROM customers_customer o WHERE o.id = 1 + (c.id + %s) %% %s),"
                " c.first_name),"
                " coalesce((SELECT o.last_name FROM customers_customer o WHERE o.id = 1 + (c.id + %s) %% %s),"
                " c.last_name),"
                f" '', '{k}.' || c.email, '+{k + 1}' || substr(c.phone, 3), c.preferred_locale, c.assistance_opt_out,"
                " c.created_at, c.updated_at, 1, c.store_id, c.billing_summary, '', ''"
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
elapsed = time.perf_counter() - started
print(f"Filled {filled} billing lines; copied {copies} customers; {total} customers in {elapsed:.0f} s.")
