"""The supervisor's desk: the queues a team lead works (held orders, refunds awaiting approval, locked
orders and carts, live assisted sessions) and the assisted-sales figures, per store and per CSR.

It reads the sessions of ``assist``, the orders, refunds and locks of ``orders`` and ``carts`` and the
returns of ``returns``; it writes only through their services (approve, unlock, end, transfer) and its
own rollup table of daily figures.
"""
