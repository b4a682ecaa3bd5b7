"""The contract's types are strict: a value is taken as written or refused (its row quarantined
with the reason), never rounded, trimmed or guessed into another value. Accepted text:

- integer: digits with an optional sign, e.g. ``-12``, ``007``; a zero fraction (``2.0``, as
  pandas writes integer columns holding nulls) and scientific notation of a whole number
  (``1e3``) are the same number. Refused: ``2.5``, ``0x0A``, ``1_000``, `` 5``, ``1,000``.
- decimal, rate: plain notation with at most as many digits after the point as the column
  holds (4 for decimal, 8 for rate) once trailing zeros are ignored, e.g. ``12.5``, ``.5``,
  ``19.9900``; or scientific notation (``5.7e-05``, as float writers put small numbers) whose
  value the column holds exactly. Refused: ``1.23456`` in a decimal column (it would round).
- boolean: ``true`` or ``false`` in any letter case (``True`` as pandas writes it). Refused:
  ``t``, ``yes``, ``1``, ``0`` (an export of 1/0 must say which it means).
- timestamp: ISO-8601 / RFC 3339, ``YYYY-MM-DD``, ``T`` or a space, ``HH:MM[:SS[.fraction]]``,
  then ``Z`` or an offset (``+02:00``, ``+0200``, ``+02``), which is honoured; none means UTC.
  A fraction finer than microseconds must be zeros. Refused: a date alone, ``24:00``, leap
  seconds, ``epoch``, ``infinity``, unix seconds.
- date: ``YYYY-MM-DD`` only, a real calendar day. Refused: ``2026-02-30``, ``2026-2-3``, a
  timestamp (``2026-02-28T00:00:00Z``), so one date has one spelling and keys stay unique.
- string: as written. A key may not start or end with whitespace nor hold a control
  character (``bad_key``): `` A1`` and ``A1`` would be two keys for one account. No text value
  may hold a NUL character (``control_character``): tools downstream cut text at NUL.
- currency codes (``code="currency"``): three letters (ISO 4217), stored in capitals: codes
  are case-insensitive (Stripe writes ``usd``), so ``usd`` and ``USD`` are one currency and one
  key, compared after that normalisation. Refused: ``US``, ``USD `` (a space is not a code).

Parquet's typed columns and JSON's numbers and booleans reach these rules as text (see
``files``) and pass them like the same values written in a CSV.
"""

from __future__ import annotations

from upsell.contract import Column

SQL_TYPE = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18, 4)",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "rate": "DECIMAL(18, 8)",
}
SCALE = {"decimal": 4, "rate": 8}
TYPE_WORDS = {
    "integer": "a whole number",
    "decimal": "a decimal number with at most 4 digits after the point",
    "boolean": "true or false",
    "timestamp": "an ISO-8601 timestamp (YYYY-MM-DDTHH:MM:SS, offset or Z)",
    "date": "a real YYYY-MM-DD date",
    "rate": "a decimal number with at most 8 digits after the point",
}
# Patterns of the accepted text (RE2, matched against the whole value).
SCIENTIFIC = r"[+-]?\d(\.\d{1,16})?[eE][+-]?\d{1,3}"
INTEGER = r"[+-]?\d{1,19}(\.0*)?"
DATE = r"\d{4}-\d{2}-\d{2}"
TIMESTAMP = (
    DATE + r"[Tt ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6}0*)?)?"
    r"([Zz]|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)?"
)
CODES = {"currency": (r"[A-Za-z]{3}", "a three-letter ISO 4217 currency code")}
# A key's text is its identity: no edge whitespace (Unicode spaces too), no control characters.
ODD_KEY = r"^[\s\p{Z}]|[\s\p{Z}]$|[\x00-\x1f\x7f]"


def decimal_pattern(scale: int) -> str:
    """Plain notation whose digits after the point, trailing zeros aside, fit ``scale``."""
    return rf"[+-]?(\d+(\.\d{{0,{scale}}}0*)?|\.\d{{1,{scale}}}0*)"


def matches(expr: str, pattern: str) -> str:
    return f"regexp_full_match({expr}, '{pattern}')"


def parse(col: Column, expr: str) -> str:
    """SQL turning the text ``expr`` into the column's type; NULL unless the text is a value
    of that type as the contract spells it (see the module's docstring)."""
    if col.type == "string":
        return cast(col, expr)
    return f"(CASE WHEN {accepted(col, expr)} THEN {cast(col, expr)} END)"


def normal(col: Column, expr: str) -> str:
    """SQL of a text value as the contract compares it: codes in capitals, the rest as is."""
    return f"upper({expr})" if col.code else expr


def cast(col: Column, expr: str) -> str:
    """SQL casting the text ``expr`` to the column's type: the value of any text ``accepted``
    takes (alone, it is lenient: it is applied to rows the rules have passed)."""
    if col.type == "string":
        return normal(col, expr)
    if col.type == "timestamp":  # an offset is honoured; none means UTC (session time zone)
        return f"TRY_CAST(TRY_CAST(upper({expr}) AS TIMESTAMPTZ) AS TIMESTAMP)"
    return f"TRY_CAST({expr} AS {SQL_TYPE[col.type]})"


def accepted(col: Column, expr: str) -> str:
    """SQL: whether the text ``expr`` (not NULL) is spelled as a value of the column's type
    (a spelling with no such value, 2026-02-30 or an overflow, fails the ``cast``)."""
    if col.type == "boolean":
        return f"lower({expr}) IN ('true', 'false')"
    if col.type in ("date", "timestamp"):
        return matches(expr, DATE if col.type == "date" else TIMESTAMP)
    value = cast(col, expr)
    plain = INTEGER if col.type == "integer" else decimal_pattern(SCALE[col.type])
    # An integer's plain spelling is checked first by writing it back: as fast as a cast,
    # where a pattern costs twice as much on 25 M rows of usage. Scientific notation is taken
    # when the column holds its value exactly: read as the column's type and read as a
    # double, it is the same double.
    canonical = f"CAST({value} AS VARCHAR) = {expr} OR " if col.type == "integer" else ""
    return (
        f"({canonical}{matches(expr, plain)} OR "
        f"({matches(expr, SCIENTIFIC)} AND CAST({value} AS DOUBLE) = TRY_CAST({expr} AS DOUBLE)))"
    )
