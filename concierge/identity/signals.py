"""Signals of the identity domain, for domains that hold state for a signed-in person."""

from django.dispatch import Signal

# Sent inside the transaction of "Sign out everywhere", with ``user``: every session of theirs ends,
# so whatever they hold for their sessions (an assisted session, its cart locks) ends with them.
signed_out_everywhere = Signal()
