"""How the storefront names an organization's country, currency and locale (Babel's CLDR names, in
the viewer's locale), and the choices its forms offer."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name

from concierge.core.display import viewer_locale


@lru_cache(maxsize=16)
def _territories(locale: str) -> dict[str, str]:
    names = Locale.parse(locale).territories
    # Two-letter codes only: the numeric regions ("150" Europe) and the unknown region are no countries.
    return {code: name for code, name in names.items() if len(code) == 2 and code.isalpha() and code != "ZZ"}


def country_name(code: str | None) -> str:
    """ "Germany" for "DE"; "—" for none; an unknown code as it is (never an error)."""
    if not code:
        return "—"
    return _territories(viewer_locale()).get(str(code).upper(), str(code))


def country_choices() -> list[tuple[str, str]]:
    """Every country by name, for a select."""
    return sorted(_territories(viewer_locale()).items(), key=lambda item: item[1].casefold())


def currency_label(code: str | None) -> str:
    """ "Euro (EUR)" for "EUR"."""
    if not code:
        return "—"
    return f"{get_currency_name(code, locale=viewer_locale())} ({code})"


def currency_choices(codes: list[str]) -> list[tuple[str, str]]:
    return [(code, currency_label(code)) for code in codes]


def locale_label(code: str | None) -> str:
    """ "English (United States)" for "en_US"."""
    if not code:
        return "—"
    try:
        return Locale.parse(code).get_display_name(viewer_locale()) or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code
