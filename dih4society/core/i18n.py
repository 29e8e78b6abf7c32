"""Bilingual content (Romanian and English) stored in the database.

Catalogue content that admins write — service names and descriptions, partner names
where they differ, rubric criteria — has an English and a Romanian column. The
`bilingual` attribute reads the one of the current language and falls back to the
other when it is empty, in Python and in SQL alike (so ``order_by(Service.name)`` and
text filters follow the reader's language too). Assigning to it sets the English text;
forms set both columns explicitly.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.ext.hybrid import hybrid_property


def current_language() -> str:
    """``ro`` or ``en``: the language the current request (or `force_locale`) uses."""
    try:
        locale = get_locale()
    except RuntimeError:  # no application context
        locale = None
    return locale.language if locale is not None else "en"


def pick(en: str | None, ro: str | None, language: str | None = None) -> str:
    """The text in `language` (default: the current one), else the other one."""
    if (language or current_language()) == "ro":
        return ro or en or ""
    return en or ro or ""


def bilingual(en_attr: str, ro_attr: str, doc: str = "") -> hybrid_property:
    """A read-mostly attribute over an English and a Romanian column, with fallback."""

    def getter(self):
        return pick(getattr(self, en_attr), getattr(self, ro_attr))

    def setter(self, value):
        setattr(self, en_attr, value)

    def expression(cls):
        en, ro = getattr(cls, en_attr), getattr(cls, ro_attr)
        # The empty string as SQL text, not a bound parameter: the same expression in a
        # SELECT and its GROUP BY must be textually identical for PostgreSQL.
        empty = sa.literal_column("''")
        if current_language() == "ro":
            return sa.func.coalesce(sa.func.nullif(ro, empty), en)
        return sa.func.coalesce(sa.func.nullif(en, empty), ro)

    prop = hybrid_property(getter, setter, expr=expression)
    prop.__doc__ = doc
    return prop


#: One date format per language on every page (and the long form for letters).
DATE_PATTERNS = {"ro": "dd.MM.yyyy", "en": "d MMM yyyy"}
LETTER_DATE_PATTERNS = {"ro": "dd.MM.yyyy", "en": "d MMMM yyyy"}


def page_date(value) -> str:
    """``02.12.2026`` / ``2 Dec 2026``; datetimes in the hub's time zone."""
    if not value:
        return ""
    if isinstance(value, datetime):
        from flask_babel import to_user_timezone

        value = to_user_timezone(value).date()
    return _day_text(value, str(get_locale() or "en"))


@lru_cache(maxsize=4096)
def _day_text(day: date, locale: str) -> str:
    """One day in one locale, formatted by Babel once (lists repeat the same days)."""
    from babel.dates import format_date

    language = locale.split("_")[0]
    return format_date(day, DATE_PATTERNS.get(language, DATE_PATTERNS["en"]), locale=locale)


def page_datetime(value) -> str:
    """``02.12.2026, 06:39`` / ``2 Dec 2026, 06:39``, in the hub's time zone."""
    from flask_babel import format_datetime

    if not value:
        return ""
    return format_datetime(value, DATE_PATTERNS.get(current_language(), DATE_PATTERNS["en"]) + ", HH:mm")


def letter_date(value) -> str:
    """``02.12.2026`` in Romanian letters, ``2 December 2026`` in English ones."""
    from flask_babel import format_date

    return format_date(value, LETTER_DATE_PATTERNS.get(current_language(), LETTER_DATE_PATTERNS["en"])) if value else ""


def user_language(user) -> str:
    """The language to write to `user` in: their saved preference, else the hub's default."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if getattr(user, "locale", None) in languages:
        return user.locale
    default = current_app.config.get("DEFAULT_LOCALE")
    return default if default in languages else languages[0]


def configured_name(key: str) -> str:
    """A configured name (``HUB_FULL_NAME``, ``APP_NAME``) in the current language:
    ``<KEY>_RO`` for Romanian when set, else the default."""
    from flask import current_app

    if current_language() == "ro" and current_app.config.get(f"{key}_RO"):
        return current_app.config[f"{key}_RO"]
    return current_app.config[key]


def decimal1(value: float) -> str:
    """One decimal in the current language: ``95.0`` / ``95,0``."""
    from flask_babel import format_decimal

    return format_decimal(value, format="0.0")
