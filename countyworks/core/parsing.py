"""Tolerant parsing of the values staff type into Excel sheets.

Every parser accepts what a spreadsheet reader hands back (str, int, float,
Decimal, date/datetime or None), treats blank as ``None`` and raises
:class:`InvalidValue` with a short Chinese message that can be shown next to
the offending row/column.  No Django imports: usable from importers, forms,
management commands and benchmarks alike.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "InvalidValue",
    "format_date",
    "is_blank",
    "normalize_text",
    "parse_amount_wan",
    "parse_choice",
    "parse_date",
    "parse_decimal",
    "parse_int",
]

DATE_HINT = "请使用 2024-03-07 格式"


class InvalidValue(ValueError):
    """A cell value that cannot be understood; ``str()`` is the user-facing Chinese message."""

    def __init__(self, message: str, value: object = None):
        super().__init__(message)
        self.message = message
        self.value = value

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- text

# Full-width ASCII block U+FF01..U+FF5E plus the ideographic space; everything
# else (Chinese punctuation such as “、”“。”“：” inside CJK text) is left alone.
_FULLWIDTH = re.compile("[\u3000\uff01-\uff5e]")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")


def _show(text: str, limit: int = 30) -> str:
    """Shorten a value for quoting inside an error message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _float_decimal(value: float) -> Decimal:
    """Excel stores doubles and displays 15 significant digits; strip the binary noise beyond that."""
    return Decimal(f"{value:.15g}") if math.isfinite(value) else Decimal(value)


def _plain(d: Decimal) -> str:
    """Decimal as plain positional text without trailing zeros or exponent: 12000, 1.25."""
    if d == d.to_integral_value():  # (quantize would fail beyond 28 digits: 1e300 is a cell value too)
        return format(d.to_integral_value(), "f")
    return format(d.normalize(), "f")


def normalize_text(value: object) -> str:
    """Cell value → clean text.

    None → ""; full-width ASCII (Ａ１，（）and U+3000) → half-width via NFKC
    applied only to that block; zero-width characters dropped; whitespace runs
    collapsed to one space and stripped.  Whole floats lose their ``.0``
    (12000.0 → "12000"), other floats print with at most 15 significant digits;
    dates print as YYYY-MM-DD (datetimes add the time unless it is midnight).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return _plain(_float_decimal(value)) if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return _plain(value) if value.is_finite() else str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return format_date(value)
        return f"{format_date(value)} {value:%H:%M:%S}"
    if isinstance(value, dt.date):
        return format_date(value)
    text = _FULLWIDTH.sub(lambda m: unicodedata.normalize("NFKC", m.group()), str(value))
    return " ".join(_INVISIBLE.sub("", text).split())


def is_blank(value: object) -> bool:
    """True for None and for values that are empty after :func:`normalize_text`."""
    return normalize_text(value) == ""


# --------------------------------------------------------------------------- dates

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX = 2958465  # 9999-12-31
_TIME = r"(?:(?:\s+|\s*T\s*)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_PATTERNS = [
    re.compile(r"(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})" + _TIME),
    re.compile(r"(\d{4})\s*(年)\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?" + _TIME),
    re.compile(r"(\d{4})()(\d{2})(\d{2})"),
]
_SERIAL_TEXT = re.compile(r"(\d{5})(?:\.\d+)?")


def _from_serial(serial: int, shown: str) -> dt.date:
    """Excel 1900 date system: 1 = 1900-01-01; 60 is Excel's phantom 1900-02-29."""
    if not 1 <= serial <= _EXCEL_MAX or serial == 60:
        raise InvalidValue(f"无法识别的日期“{_show(shown)}”，{DATE_HINT}", shown)
    if serial < 60:
        serial += 1  # before the phantom leap day Excel is off by one
    return _EXCEL_EPOCH + dt.timedelta(days=serial)


def _ymd(year: str, month: str, day: str, shown: str) -> dt.date:
    """Build a date; month 13 is unrecognisable, 2024-02-30 merely does not exist."""
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        raise InvalidValue(f"无法识别的日期“{_show(shown)}”，{DATE_HINT}", shown)
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise InvalidValue(f"日期“{_show(shown)}”不存在，{DATE_HINT}", shown)


def parse_date(value: object) -> dt.date | None:
    """Parse a date cell.

    Rules: blank → None; date/datetime objects as is (time dropped); numbers
    are Excel serials 1..2958465 (1900 system, fraction = time of day, serial 60
    rejected), except 8-digit integers 19000101..29991231 which are read as
    YYYYMMDD (a date typed without separators becomes a number in Excel).
    Text: ``2024-03-07``, ``2024/3/7``, ``2024.3.7``, ``2024年3月7日``,
    ``20240307``, each optionally followed by a time (``2024/3/7 9:30``), with
    full-width digits and stray spaces tolerated; 5-digit text 20000..80000 is an
    Excel serial.  Impossible dates such as 2024-02-30 raise InvalidValue.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if is_blank(value):
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        shown = normalize_text(value)
        number = _float_decimal(value) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise InvalidValue(f"无法识别的日期“{shown}”，{DATE_HINT}", value)
        if number == number.to_integral_value() and 19000101 <= number <= 29991231:
            return _ymd(shown[:4], shown[4:6], shown[6:8], shown)
        return _from_serial(int(number), shown)  # int() floors positive serials
    text = normalize_text(value)
    if m := _SERIAL_TEXT.fullmatch(text):
        if 20000 <= int(m.group(1)) <= 80000:
            return _from_serial(int(m.group(1)), text)
    for pattern in _DATE_PATTERNS:
        if m := pattern.fullmatch(text):
            return _ymd(m.group(1), m.group(3), m.group(4), text)
    raise InvalidValue(f"无法识别的日期“{_show(text)}”，{DATE_HINT}", value)


def format_date(d: dt.date | None) -> str:
    """date/datetime → 'YYYY-MM-DD' (None → ''), independent of locale and strftime quirks."""
    if d is None:
        return ""
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


# --------------------------------------------------------------------------- numbers

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:[, ]\d{3})+(?:\.\d*)?")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})


def _number(value: object, what: str, example: str, shown: str | None = None) -> Decimal:
    """Cell → Decimal. Text may use thousands separators (',' '，' or space, in groups of three)."""
    text = normalize_text(value).translate(_MINUS)
    shown = _show(text if shown is None else shown)
    if isinstance(value, bool):
        raise InvalidValue(f"{what}应为数字，例如 {example}", value)
    if isinstance(value, float):
        number = _float_decimal(value)
    elif isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif _NUMBER.fullmatch(text) or _GROUPED.fullmatch(text):
        number = Decimal(re.sub(r"[, ]", "", text))
    elif _NUMBER.fullmatch(re.sub(r"[, ]", "", text)):
        raise InvalidValue(f"无法识别的{what}“{shown}”：千位分隔符应每三位一个，例如 {example}", value)
    else:
        raise InvalidValue(f"无法识别的{what}“{shown}”，请填写数字，例如 {example}", value)
    if not number.is_finite() or number.adjusted() >= 15:
        raise InvalidValue(f"{what}“{shown}”超出范围", value)
    return number


def _check_sign(number: Decimal, allow_negative: bool, what: str, value: object) -> None:
    if number < 0 and not allow_negative:
        raise InvalidValue(f"{what}不能为负数（“{_show(normalize_text(value))}”）", value)


def parse_decimal(value: object, *, allow_negative: bool = False, max_places: int = 4) -> Decimal | None:
    """Parse a plain number (blank → None).

    Full-width digits, thousands separators and Excel float noise are
    tolerated (floats are read at 15 significant digits, as Excel displays
    them).  More than ``max_places`` decimals, or a negative number when not
    allowed, raises InvalidValue.  The result carries no trailing zeros.
    """
    if is_blank(value):
        return None
    number = _number(value, "数值", "1234.5")
    _check_sign(number, allow_negative, "数值", value)
    if number != number.quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP):
        limit = f"最多保留 {max_places} 位小数" if max_places > 0 else "应为整数"
        raise InvalidValue(f"数值“{_show(normalize_text(value))}”{limit}", value)
    return Decimal(_plain(number))


def parse_int(value: object, *, allow_negative: bool = False) -> int | None:
    """Parse an integer (blank → None); 12.0 and '1,200' are fine, 12.5 raises InvalidValue."""
    if is_blank(value):
        return None
    number = _number(value, "整数", "1200")
    _check_sign(number, allow_negative, "数值", value)
    if number != number.to_integral_value():
        raise InvalidValue(f"“{_show(normalize_text(value))}”不是整数", value)
    return int(number)


# Longest suffix first; factor converts the unit into 万元.
_AMOUNT_UNITS = [
    ("千万元", 1000), ("百万元", 100), ("亿元", 10000), ("万元", 1), ("千万", 1000), ("百万", 100),
    ("亿", 10000), ("万", 1), ("元", Decimal("0.0001")),
]  # fmt: skip
_CURRENCY = re.compile(r"^(?:[¥￥]|RMB|CNY|人民币)\s*", re.IGNORECASE)


def parse_amount_wan(value: object, *, allow_negative: bool = False) -> Decimal | None:
    """Parse a money amount and return it in 万元 (blank → None).

    Bare numbers are taken to be 万元 already.  Text may carry a currency
    prefix (¥ ￥ RMB 人民币) and a unit suffix: 亿/亿元 (×10000), 千万 (×1000),
    百万 (×100), 万/万元 (×1), 元 (÷10000); plus full-width digits and thousands
    separators.  The result is rounded half-up to 4 places (= 1 元) and
    printed without trailing zeros: '1.2亿' → Decimal('12000').
    """
    if is_blank(value):
        return None
    factor: Decimal | int = 1
    number_part: object = value
    if isinstance(value, str):
        text = _CURRENCY.sub("", normalize_text(value))
        for unit, unit_factor in _AMOUNT_UNITS:
            if text.endswith(unit):
                text, factor = text[: -len(unit)].strip(), unit_factor
                break
        number_part = text
    number = _number(number_part, "金额", "1200（万元）或 1.2亿", shown=normalize_text(value))
    _check_sign(number, allow_negative, "金额", value)
    return Decimal(_plain((number * factor).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)))


# --------------------------------------------------------------------------- choices


def parse_choice(value: object, choices: dict[str, object]) -> object | None:
    """Map a cell to one of ``choices`` (label → value); blank → None.

    The normalized text must equal a label (case-insensitive for Latin
    letters, full-width tolerated) or the choice value itself / its text form;
    otherwise InvalidValue lists the allowed labels: “X”不是有效选项，可选：a、b、c.
    """
    if is_blank(value):
        return None
    text = normalize_text(value).casefold()
    for label, choice in choices.items():
        if normalize_text(label).casefold() == text:
            return choice
    for choice in choices.values():
        if (type(choice) is type(value) and choice == value) or normalize_text(choice).casefold() == text:
            return choice
    allowed = "、".join(choices)
    raise InvalidValue(f"“{_show(normalize_text(value))}”不是有效选项，可选：{allowed}", value)
