"""The form renderer writes plain inputs itself: byte for byte what Django's templates write."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from concierge.core.forms_renderer import Renderer


class Every(forms.Form):
    text = forms.CharField(
        max_length=5, required=False, widget=forms.TextInput(attrs={"data-x": 'q"<', "autofocus": True})
    )
    email = forms.EmailField()
    number = forms.IntegerField(min_value=1)
    hidden = forms.CharField(widget=forms.HiddenInput)
    password = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "disabled": False}), required=False)
    choice = forms.ChoiceField(choices=[("a", "A & B"), ("b", "<B>")], required=False)  # through its template


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "text": '<b>"x&',
            "email": "not an email",
            "number": "0",
            "hidden": "h",
            "password": "p",
            "when": "2026-12-01",
            "choice": "b",
        },
    ],
)
def test_every_field_renders_as_djangos_templates_render_it(data):
    ours, theirs = Every(data, renderer=Renderer()), Every(data, renderer=DjangoTemplates())
    for name in Every.base_fields:
        assert str(ours[name]) == str(theirs[name])


def test_what_a_person_typed_comes_back_escaped():
    form = Every({"text": '<b>"x&'}, renderer=Renderer())
    assert 'value="&lt;b&gt;&quot;x&amp;"' in str(form["text"])
