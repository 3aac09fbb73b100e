"""posted_text: over-long input is refused naming the limit, never cut."""

import pytest
from django.http import QueryDict

from concierge.core.errors import DomainError
from concierge.core.forms import posted_text


def test_text_within_the_limit_is_returned_stripped():
    assert posted_text(QueryDict("reason=+Late+parcel+"), "reason", limit=500) == "Late parcel"


def test_over_long_text_is_refused_naming_the_limit_not_cut():
    with pytest.raises(DomainError) as refused:
        posted_text({"reason": "x" * 5000}, "reason", limit=500)
    assert refused.value.fields == {"reason": ["At most 500 characters. This has 5,000."]}


def test_a_nul_character_is_a_field_error():
    with pytest.raises(DomainError) as refused:
        posted_text({"text": "a\x00b"}, "text", limit=500)
    assert "NUL" in refused.value.fields["text"][0]


def test_a_required_field_left_empty_says_what_to_do():
    with pytest.raises(DomainError) as refused:
        posted_text({"reason": "  "}, "reason", limit=500, required="Give a reason.")
    assert refused.value.fields == {"reason": ["Give a reason."]}
