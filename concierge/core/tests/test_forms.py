"""posted_text and text_errors: over-long text is refused naming the limit, never cut; control
characters are field errors."""

import pytest
from django.http import QueryDict

from concierge.core.errors import DomainError
from concierge.core.forms import posted_text, text_errors


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


def test_a_control_character_other_than_nul_is_a_field_error_too():
    with pytest.raises(DomainError) as refused:
        posted_text({"text": "a\x1bb"}, "text", limit=500)
    assert refused.value.fields == {"text": ["Remove the control characters (such as NUL) from this field."]}


def test_text_errors_names_each_field_that_is_refused_and_keeps_tabs_and_newlines():
    errors = text_errors({"a": "x" * 11, "b": "ok\tand\nmore", "c": "\x00"}, {"a": 10, "b": 20, "c": None})
    assert errors == {
        "a": ["At most 10 characters. This has 11."],
        "c": ["Remove the control characters (such as NUL) from this field."],
    }
