"""Tolerant parsing of the values staff type into Excel sheets.

Every parser accepts what a spreadsheet reader hands back (str, int, float,
Decimal, date/datetime or None), treats blank as ``None`` and raises
:class:`InvalidValue` with a short Chinese message that can be shown next to
the offending row/column.  No Django imports: usable from importers, forms,
management commands and benchmarks alike.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "InvalidValue",
    "collect_notes",
    "format_date",
    "is_blank",
    "normalize_text",
    "parse_amount_wan",
    "parse_chinese_number",
    "parse_choice",
    "parse_date",
    "parse_decimal",
    "parse_int",
    "parse_year",
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


# --------------------------------------------------------------------------- notes

# A parser that reads a value but wants the reader told how (an approximate amount taken at face
# value) adds a note here; outside ``collect_notes`` notes are dropped.
_NOTES: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("parsing_notes", default=None)


@contextlib.contextmanager
def collect_notes() -> Iterator[list[str]]:
    """Collect the notes (warnings, not errors) of the parsers called inside the block."""
    notes: list[str] = []
    token = _NOTES.set(notes)
    try:
        yield notes
    finally:
        _NOTES.reset(token)


def _note(message: str) -> None:
    notes = _NOTES.get()
    if notes is not None:
        notes.append(message)


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
# A month without its day: 2024年3月, 2024年3月份, 2024-03, 2024/3, 2024.3 (a number in Excel too).
_MONTH_ONLY = re.compile(r"(\d{4})\s*(?:年\s*(\d{1,2})\s*月份?|[-/.]\s*(\d{1,2}))")


def _month_only(text: str, value: object) -> None:
    """Raise the "day is missing" message for a year-and-month where a day is required."""
    m = _MONTH_ONLY.fullmatch(text)
    if m and 1900 <= int(m.group(1)) <= 2100 and 1 <= int(m.group(2) or m.group(3)) <= 12:
        example = f"{m.group(1)}-{int(m.group(2) or m.group(3)):02d}-15"
        raise InvalidValue(f"日期“{_show(text)}”缺少日：请填写到日，如{example}", value)


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
    Excel serial.  Impossible dates such as 2024-02-30 raise InvalidValue; a
    month without a day (``2024年3月``, ``2024-03``, a number 2024.03) raises
    InvalidValue saying the day is missing.
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
        if number != number.to_integral_value():
            _month_only(shown, value)  # 2024.03 typed into a number cell
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
    _month_only(text, value)
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


# --------------------------------------------------------------------------- Chinese numerals

_CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "三": 3, "叁": 3,
    "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CN_CHARS = set(_CN_DIGITS) | set(_CN_SMALL) | set(_CN_BIG) | {"点", "點"}
_CN_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\d]")


def parse_chinese_number(text: str) -> Decimal:
    """Chinese numerals (and Arabic digits mixed with 十百千万亿) → Decimal.

    一千二百 → 1200, 壹亿 → 100000000, 一亿五千万 → 150000000, 两万 → 20000, 十五 → 15,
    一千零五 → 1005, 一点五亿 → 150000000, 1亿5000万 → 150000000, 一万五 → 15000 (the unit
    after a trailing digit is implied), and without any unit the digits are positional:
    二〇二四 → 2024.  Capital forms 壹贰叁肆伍陆柒捌玖拾佰仟 and 〇/两 are accepted.
    Anything else raises InvalidValue.
    """
    shown = _show(text)
    bad = InvalidValue(f"无法识别的数字“{shown}”", text)
    text = text.replace(" ", "")
    if not text or any(not ch.isdigit() and ch not in _CN_CHARS and ch != "." for ch in text):
        raise bad
    if not any(ch in _CN_SMALL or ch in _CN_BIG for ch in text):  # positional: 二〇二四, 一点五
        whole, _, frac = text.replace("點", "点").partition("点")
        if not whole or (_ and not frac):
            raise bad
        try:
            digits = "".join(str(_CN_DIGITS.get(ch, ch)) for ch in whole)
            digits += "." + "".join(str(_CN_DIGITS.get(ch, ch)) for ch in frac) if frac else ""
            return Decimal(digits)
        except ArithmeticError:
            raise bad from None
    total = below_yi = section = Decimal(0)
    current: Decimal | None = None
    last_unit, after_unit = 0, False
    tokens = _CN_TOKEN.findall(text)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok[0].isdigit() or tok in _CN_DIGITS:
            if current is not None:
                raise bad  # two numbers in a row: 一二百
            if tok[0].isdigit():
                current, after_unit = Decimal(tok), False
            elif _CN_DIGITS[tok] == 0:
                last_unit, after_unit = 0, False  # 一千零五: the zero only separates
                continue
            else:
                current, after_unit = Decimal(_CN_DIGITS[tok]), last_unit > 10 and not tokens[i:]
            if i < len(tokens) and tokens[i] in ("点", "點"):  # 一点五亿
                frac = ""
                i += 1
                while i < len(tokens) and tokens[i] in _CN_DIGITS:
                    frac += str(_CN_DIGITS[tokens[i]])
                    i += 1
                if not frac:
                    raise bad
                current += Decimal("0." + frac)
        elif tok in _CN_SMALL:
            section += (Decimal(1) if current is None else current) * _CN_SMALL[tok]
            current, last_unit = None, _CN_SMALL[tok]
        elif tok in _CN_BIG:
            block = section + (current or 0)
            if tok in ("万", "萬"):
                if block == 0:
                    raise bad
                below_yi += block * _CN_BIG[tok]
            else:
                block += below_yi
                if block == 0:
                    raise bad
                total += block * _CN_BIG[tok]
                below_yi = Decimal(0)
            section, current, last_unit = Decimal(0), None, _CN_BIG[tok]
        else:
            raise bad  # a stray 点
    if current is not None and after_unit:  # 一万五 = 15000, 三百五 = 350
        current *= Decimal(last_unit) / 10
    return total + below_yi + section + (current or 0)


# --------------------------------------------------------------------------- years

_YEAR = re.compile(r"(\d{4})(?:\s*年度?)?")


def parse_year(value: object) -> int | None:
    """A year cell → int (blank → None): 2024, 2024.0, "2024", "2024年", "2024 年", "2024年度",
    "２０２４", "二〇二四年".  Anything else (24, 2024.5, "2024-03") raises InvalidValue; the
    caller checks the range it allows."""
    if is_blank(value):
        return None
    text = normalize_text(value)
    bad = InvalidValue(f"无法识别的年度“{_show(text)}”，请填写四位年份，如 2024", value)
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime)):
        raise bad
    if m := _YEAR.fullmatch(text):
        return int(m.group(1))
    cn = re.sub(r"\s*年度?$", "", text)
    if cn and all(ch in _CN_DIGITS for ch in cn) and len(cn) == 4:
        return int("".join(str(_CN_DIGITS[ch]) for ch in cn))
    raise bad


# --------------------------------------------------------------------------- amounts

# Longest suffix first; factor converts the unit into 万元.
_AMOUNT_UNITS = [
    ("千万元", 1000), ("百万元", 100), ("亿元", 10000), ("万元", 1), ("千万", 1000), ("百万", 100),
    ("亿", 10000), ("万", 1), ("元", Decimal("0.0001")),
]  # fmt: skip
_CURRENCY = re.compile(r"^(?:[¥￥]|RMB|CNY|人民币)\s*", re.IGNORECASE)
# Words that make an amount approximate: 约1.5亿, 大约、近、将近1.5亿, 1.5亿左右, 1亿余元, 1亿多.
_APPROX_BEFORE = re.compile(r"^(?:大约|约|将近|近|接近)\s*")
_APPROX_AFTER = re.compile(r"\s*(?:左右|上下)$")
_APPROX_INSIDE = re.compile(r"(?<=[\d十百千万亿拾佰仟萬億])\s*[余多]\s*(?=(?:[万亿萬億]?元?)$)")


def _approximate(text: str) -> tuple[str, bool]:
    """Strip the approximation words from an amount; report whether there were any."""
    stripped = _APPROX_AFTER.sub("", _APPROX_BEFORE.sub("", text))
    stripped = _APPROX_INSIDE.sub("", stripped)
    return stripped, stripped != text


def parse_amount_wan(value: object, *, allow_negative: bool = False) -> Decimal | None:
    """Parse a money amount and return it in 万元 (blank → None).

    Bare numbers are taken to be 万元 already.  Text may carry a currency
    prefix (¥ ￥ RMB 人民币) and a unit suffix: 亿/亿元 (×10000), 千万 (×1000),
    百万 (×100), 万/万元 (×1), 元 (÷10000); plus full-width digits and thousands
    separators.  Chinese numerals are read (壹亿 → 10000, 一亿五千万 → 15000,
    五千万元 → 5000; without 万/亿/元 they are 万元 like a bare number).  An
    approximate amount (约1.5亿, 近1.5亿, 1.5亿左右, 1亿余元, 1亿多) is read at
    face value and leaves a note (see ``collect_notes``): “约1.5亿”按15000万元读取
    （原文为约数）.  The result is rounded half-up to 4 places (= 1 元) and
    printed without trailing zeros: '1.2亿' → Decimal('12000').
    """
    if is_blank(value):
        return None
    factor: Decimal | int = 1
    number_part: object = value
    shown = normalize_text(value)
    approximate = False
    if isinstance(value, str):
        text, approximate = _approximate(_CURRENCY.sub("", shown))
        text = _CURRENCY.sub("", text)
        whole = text
        for unit, unit_factor in _AMOUNT_UNITS:
            if text.endswith(unit):
                text, factor = text[: -len(unit)].strip(), unit_factor
                break
        number_part = text
        if any(ch in _CN_CHARS for ch in text) and not _NUMBER.fullmatch(text):
            number_part, factor = _chinese_amount(whole, shown), 1
    number = _number(number_part, "金额", "1200（万元）或 1.2亿", shown=shown)
    _check_sign(number, allow_negative, "金额", value)
    result = Decimal(_plain((number * factor).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)))
    if approximate:
        _note(f"“{_show(shown)}”按{_plain(result)}万元读取（原文为约数）")
    return result


def _chinese_amount(text: str, shown: str) -> Decimal:
    """An amount written with Chinese numerals → 万元: with 万/亿 or 元 the number is in 元
    (一亿五千万 → 15000), without them it is 万元 already (五千 → 5000)."""
    sign = -1 if text[:1] == "-" else 1
    text = text.removesuffix("整")  # 壹佰万元整, as on a cheque
    body = text.lstrip("+-").removesuffix("元")
    in_yuan = text.endswith("元") or any(ch in _CN_BIG for ch in body)
    try:
        number = parse_chinese_number(body)
    except InvalidValue:
        raise InvalidValue(f"无法识别的金额“{_show(shown)}”，请填写数字，例如 1200（万元）或 1.2亿", shown) from None
    return sign * (number / 10000 if in_yuan else number)


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
