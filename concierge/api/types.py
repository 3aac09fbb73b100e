"""Input types for API schemas: bounded text without control characters, ids in range.

The rules are patterns and lengths, so the OpenAPI schema states them and clients can check first.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

NO_CONTROL_CHARACTERS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
NO_NUL = r"^[^\x00]*$"

NameText = Annotated[str, StringConstraints(max_length=80, pattern=NO_CONTROL_CHARACTERS)]
PhoneText = Annotated[str, StringConstraints(max_length=32, pattern=NO_CONTROL_CHARACTERS)]
ShortText = Annotated[str, StringConstraints(max_length=120, pattern=NO_CONTROL_CHARACTERS)]
EmailText = Annotated[str, StringConstraints(max_length=254, pattern=NO_CONTROL_CHARACTERS)]
LongText = Annotated[str, StringConstraints(max_length=2000, pattern=NO_CONTROL_CHARACTERS)]
Secret = Annotated[str, StringConstraints(max_length=1024, pattern=NO_NUL)]
AmountText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}(\.[0-9]{1,2})?$")]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _not_a_boolean(value: object) -> object:
    # Lax parsing would take true/false for 1/0; JSON's 1.0 is still an integer (JSON Schema).
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


BodyId = Annotated[int, Field(ge=1, le=2**63 - 1), BeforeValidator(_not_a_boolean)]
Quantity = Annotated[int, BeforeValidator(_not_a_boolean)]
