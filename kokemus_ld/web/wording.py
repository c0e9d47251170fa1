"""Numbers in words a reader expects: age ranges, hours, durations and schedules, in fi/sv/en.

The data keeps quantities as typed values (xsd:duration, integers); pages show them the way
the source page would ("4 krt / vuosi", "18–29-vuotiaat", "4–5 kk").
"""

from __future__ import annotations

import re

from .i18n import has, t

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")
_UNITS = ("Y", "M", "W", "D", "H", "MIN")


def parse_duration(value: str | None) -> tuple[int, str] | None:
    """(amount, unit) of a one-component xsd:duration (`P4M` -> (4, "M")); None otherwise."""
    match = _DURATION.match(value or "")
    if not match:
        return None
    parts = [(int(n), unit) for n, unit in zip(match.groups(), _UNITS) if n]
    if len(parts) != 1:
        return None
    amount, unit = parts[0]
    if unit == "D" and amount % 7 == 0:
        return amount // 7, "W"
    return amount, unit


def span(low, high) -> str:
    """`16`, `4–5`, `18–` or `–29` for a closed or open range."""
    low_s = "" if low is None else _number(low)
    high_s = "" if high is None else _number(high)
    if low_s and low_s == high_s:
        return low_s
    return f"{low_s}–{high_s}"


def _number(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def qualified(text: str, qualifier: str | None) -> str:
    """A quantity with its qualifier word first ("noin 100")."""
    return f"{qualifier.lower()} {text}" if qualifier else text


def ages(low, high, qualifier: str | None, lang: str) -> str | None:
    """"18–29-vuotiaat" / "18–29 år" / "aged 18–29"; None when no age is given."""
    if low is None and high is None:
        return None
    return qualified(t("ages_fmt", lang).format(span(low, high)), qualifier)


def hours(low, high, unit_id: str | None, unit_label: str | None, qualifier: str | None, lang: str) -> str:
    """"noin 100 tuntia", "40 oppituntia"; the unit's own label when no wording is known."""
    key = f"unit_{unit_id}"
    unit = t(key, lang) if unit_id and has(key) else (unit_label or "").lower()
    return qualified(f"{span(low, high)} {unit}".strip(), qualifier)


def duration_range(low: str | None, high: str | None, lang: str) -> str | None:
    """"4–5 kk" for P4M..P5M; "2 h" for PT2H; None when nothing is given."""
    first, second = parse_duration(low), parse_duration(high)
    if first is None and second is None:
        return None
    if first and second and first[1] == second[1]:
        return f"{span(first[0], second[0])} {t('dur_' + first[1], lang)}"
    shown = [f"{d[0]} {t('dur_' + d[1], lang)}" for d in (first, second) if d]
    return "–".join(shown)


def schedule(count, frequency: str | None, qualifier: str | None, mode: str | None, lang: str) -> str | None:
    """"4 krt / vuosi, lähimuotoinen"; "1 krt / 2 vko"; None when nothing is given."""
    period = parse_duration(frequency)
    if count is None and period is None:
        return None
    text = f"{_number(count)} {t('times', lang)}" if count is not None else ""
    if period:
        amount, unit = period
        per_key = f"per_P1{unit}"
        per = t(per_key, lang) if amount == 1 and has(per_key) else f"{amount} {t('dur_' + unit, lang)}"
        text = f"{text} / {per}" if text else per
    text = qualified(text, qualifier)
    return f"{text}, {mode.lower()}" if mode else text
