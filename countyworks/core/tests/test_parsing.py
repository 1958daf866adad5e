import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from countyworks.core.parsing import (
    InvalidValue,
    format_date,
    is_blank,
    normalize_text,
    parse_amount_wan,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_int,
)

FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def message(func, *args, **kwargs) -> str:
    with pytest.raises(InvalidValue) as info:
        func(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    return str(info.value)


# --------------------------------------------------------------------------- normalize_text / is_blank


@pytest.mark.parametrize(
    "raw, expected",
    [
        (None, ""),
        ("", ""),
        ("  江海区  ", "江海区"),
        ("ＡＢＣ１２３", "ABC123"),
        ("Ａ\u3000Ｂ", "A B"),
        ("a \t\n  b", "a b"),
        ("江海区、蓬江区。", "江海区、蓬江区。"),  # CJK punctuation untouched
        ("“外海街道”", "“外海街道”"),
        ("（１２）", "(12)"),  # full-width ASCII punctuation converted
        ("\ufeff项目\u200b名称", "项目名称"),
        (12000.0, "12000"),
        (1.5, "1.5"),
        (0.1 + 0.2, "0.3"),
        (42, "42"),
        (Decimal("12.50"), "12.5"),
        (Decimal("1E+3"), "1000"),
        (dt.date(2024, 3, 7), "2024-03-07"),
        (dt.datetime(2024, 3, 7), "2024-03-07"),
        (dt.datetime(2024, 3, 7, 9, 30), "2024-03-07 09:30:00"),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


@given(st.text())
def test_normalize_text_is_idempotent_and_half_width(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert not any("\uff01" <= c <= "\uff5e" or c == "\u3000" for c in once)


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "\t\n", "\u200b"])
def test_is_blank(raw):
    assert is_blank(raw)


@pytest.mark.parametrize("raw", ["0", 0, 0.0, "-", dt.date(2024, 1, 1)])
def test_is_not_blank(raw):
    assert not is_blank(raw)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "raw",
    [
        "2024/3/7",
        "2024-03-07",
        "2024-3-7",
        "2024年3月7日",
        "2024年03月07日",
        "2024年3月7号",
        "2024.3.7",
        "20240307",
        "2024-03-07 00:00:00",
        "2024-03-07T08:15:00",
        "2024/3/7 9:30",
        "２０２４／３／７",
        "２０２４年３月７日",
        " 2024 - 03 - 07 ",
        "2024年 3月 7日",
        45358,
        45358.0,
        45358.75,
        Decimal("45358"),
        "45358",
        20240307,
        20240307.0,
        dt.date(2024, 3, 7),
        dt.datetime(2024, 3, 7, 23, 59),
    ],
)
def test_parse_date_accepted_forms(raw):
    assert parse_date(raw) == dt.date(2024, 3, 7)


@pytest.mark.parametrize("raw", [None, "", "  ", "\u3000"])
def test_parse_date_blank(raw):
    assert parse_date(raw) is None


def test_parse_date_excel_serial_edges():
    assert parse_date(1) == dt.date(1900, 1, 1)
    assert parse_date(59) == dt.date(1900, 2, 28)
    assert parse_date(61) == dt.date(1900, 3, 1)
    assert parse_date(2958465) == dt.date(9999, 12, 31)
    for bad in (0, -1, 60, 2958466, 19000100.5):
        with pytest.raises(InvalidValue):
            parse_date(bad)


def test_parse_date_numeric_text_is_not_a_serial_outside_range():
    with pytest.raises(InvalidValue):
        parse_date("12345")  # 5 digits but below 20000
    with pytest.raises(InvalidValue):
        parse_date("2024")
    assert parse_date("20240307") == dt.date(2024, 3, 7)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2024/13/45", "无法识别的日期“2024/13/45”，请使用 2024-03-07 格式"),
        ("2024-02-30", "日期“2024-02-30”不存在，请使用 2024-03-07 格式"),
        ("20230229", "日期“20230229”不存在，请使用 2024-03-07 格式"),
        ("下周一", "无法识别的日期“下周一”，请使用 2024-03-07 格式"),
        ("3/7/2024", "无法识别的日期“3/7/2024”，请使用 2024-03-07 格式"),
        ("2024-03/07", "无法识别的日期“2024-03/07”，请使用 2024-03-07 格式"),
        (60, "无法识别的日期“60”，请使用 2024-03-07 格式"),
        (True, "无法识别的日期“是”，请使用 2024-03-07 格式"),
    ],
)
def test_parse_date_messages(raw, expected):
    assert message(parse_date, raw) == expected


def test_parse_date_long_garbage_is_shortened_in_message():
    text = message(parse_date, "这是一段很长很长的备注文字" * 5)
    assert "…" in text and len(text) < 60


dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31))
DATE_FORMATS = [
    "{y}/{m}/{d}",
    "{y}-{m:02d}-{d:02d}",
    "{y}-{m}-{d}",
    "{y}年{m}月{d}日",
    "{y}年{m:02d}月{d:02d}日",
    "{y}.{m}.{d}",
    "{y}{m:02d}{d:02d}",
    "{y}-{m:02d}-{d:02d} 00:00:00",
    "{y}/{m}/{d} 9:30",
]


@given(dates, st.sampled_from(DATE_FORMATS), st.booleans(), st.sampled_from(["", " ", "\u3000", "  \t"]))
def test_parse_date_round_trip_text(day, fmt, fullwidth, pad):
    text = fmt.format(y=day.year, m=day.month, d=day.day)
    if fullwidth:
        text = text.translate(FULLWIDTH_DIGITS)
    assert parse_date(pad + text + pad) == day


@given(dates, st.sampled_from(["/", "-", "."]), st.sampled_from(["", " ", "  "]))
def test_parse_date_round_trip_spaces_around_separators(day, sep, space):
    text = f"{day.year}{space}{sep}{space}{day.month}{space}{sep}{space}{day.day}"
    assert parse_date(text) == day


@given(dates, st.floats(min_value=0, max_value=0.999))
def test_parse_date_round_trip_excel_serial(day, fraction):
    serial = (day - EXCEL_EPOCH).days
    assert parse_date(serial) == day
    assert parse_date(serial + fraction) == day
    if 20000 <= serial <= 80000:
        assert parse_date(str(serial)) == day
        assert parse_date(str(serial).translate(FULLWIDTH_DIGITS)) == day


@given(dates)
def test_format_date_round_trip(day):
    assert parse_date(format_date(day)) == day
    assert format_date(dt.datetime.combine(day, dt.time(13, 5))) == day.isoformat()


def test_format_date():
    assert format_date(dt.date(2024, 3, 7)) == "2024-03-07"
    assert format_date(dt.date(5, 1, 2)) == "0005-01-02"
    assert format_date(None) == ""


# --------------------------------------------------------------------------- amounts (万元)


@pytest.mark.parametrize(
    "raw, expected",
    [
        (12000, "12000"),
        (12000.0, "12000"),
        (0.1 + 0.2, "0.3"),
        (Decimal("12.50"), "12.5"),
        ("12,000", "12000"),
        ("12，000", "12000"),
        ("1.2亿", "12000"),
        ("1.2亿元", "12000"),
        ("12000万", "12000"),
        ("12000万元", "12000"),
        ("5000000元", "500"),
        ("1234.56元", "0.1235"),  # 4 places of 万元 = 1 元, rounded half up
        ("３０００", "3000"),
        (" 1 200 ", "1200"),
        ("¥1,200万", "1200"),
        ("￥ 1,200 万元", "1200"),
        ("人民币3千万元", "3000"),
        ("RMB 2百万", "200"),
        ("0.00004", "0"),
        ("0.00005", "0.0001"),
        ("1.23456789", "1.2346"),
    ],
)
def test_parse_amount_wan(raw, expected):
    result = parse_amount_wan(raw)
    assert result == Decimal(expected)
    assert str(result) == expected  # no float noise, no trailing zeros, no exponent


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_parse_amount_blank(raw):
    assert parse_amount_wan(raw) is None


def test_parse_amount_negative():
    assert message(parse_amount_wan, "-5") == "金额不能为负数（“-5”）"
    assert message(parse_amount_wan, -5) == "金额不能为负数（“-5”）"
    assert parse_amount_wan("－5万元", allow_negative=True) == Decimal(-5)
    assert parse_amount_wan("-1.5亿", allow_negative=True) == Decimal(-15000)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("abc", "无法识别的金额“abc”，请填写数字，例如 1200（万元）或 1.2亿"),
        ("万元", "无法识别的金额“万元”，请填写数字，例如 1200（万元）或 1.2亿"),
        ("1.2.3亿", "无法识别的金额“1.2.3亿”，请填写数字，例如 1200（万元）或 1.2亿"),
        ("约", "无法识别的金额“约”，请填写数字，例如 1200（万元）或 1.2亿"),
        ("12,5", "无法识别的金额“12,5”：千位分隔符应每三位一个，例如 1200（万元）或 1.2亿"),
        (float("nan"), "金额“nan”超出范围"),
        ("1" * 20, f"金额“{'1' * 20}”超出范围"),
    ],
)
def test_parse_amount_messages(raw, expected):
    assert message(parse_amount_wan, raw) == expected


amounts = st.decimals(min_value=0, max_value=10**10, places=4, allow_nan=False, allow_infinity=False)


@given(amounts, st.booleans())
@example(Decimal("12000"), False)
@example(Decimal("0.0001"), True)
def test_amount_round_trip(amount, fullwidth):
    def fw(text: str) -> str:
        return text.translate(FULLWIDTH_DIGITS) if fullwidth else text

    yi = format(amount / 10000, "f")
    yuan = format(amount * 10000, "f")
    for text in [
        f"{yi}亿",
        f"{yi}亿元",
        f"{amount}万元",
        f"{amount}万",
        f"{amount:,f}",
        f"{amount:,f}".replace(",", "，"),
        f"¥{amount:,f}万",
        f"{yuan}元",
        f" {amount} ",
    ]:
        assert parse_amount_wan(fw(text)) == amount, text
    assert parse_amount_wan(float(amount)) == amount


# --------------------------------------------------------------------------- decimals and integers


def test_parse_decimal():
    assert parse_decimal("1,234.5") == Decimal("1234.5")
    assert parse_decimal("１２．５") == Decimal("12.5")
    assert parse_decimal(0.1 + 0.2) == Decimal("0.3")
    assert parse_decimal("") is None
    assert parse_decimal("1.23456", max_places=5) == Decimal("1.23456")
    assert parse_decimal("-1.5", allow_negative=True) == Decimal("-1.5")
    assert message(parse_decimal, "1.23456") == "数值“1.23456”最多保留 4 位小数"
    assert message(parse_decimal, "1.5", max_places=0) == "数值“1.5”应为整数"
    assert message(parse_decimal, "-1") == "数值不能为负数（“-1”）"
    assert message(parse_decimal, "十二") == "无法识别的数值“十二”，请填写数字，例如 1234.5"
    assert message(parse_decimal, True) == "数值应为数字，例如 1234.5"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4))
def test_parse_decimal_round_trip(number):
    assert parse_decimal(str(number), allow_negative=True) == number
    assert parse_decimal(f"{number:,f}", allow_negative=True) == number


def test_parse_int():
    assert parse_int(12.0) == 12
    assert parse_int("12.0") == 12
    assert parse_int("１，２００") == 1200
    assert parse_int(" 1 200 ") == 1200
    assert parse_int(Decimal("7")) == 7
    assert parse_int(None) is None
    assert parse_int("-3", allow_negative=True) == -3
    assert message(parse_int, 12.5) == "“12.5”不是整数"
    assert message(parse_int, "12.5") == "“12.5”不是整数"
    assert message(parse_int, "-3") == "数值不能为负数（“-3”）"
    assert message(parse_int, "三个") == "无法识别的整数“三个”，请填写数字，例如 1200"


@given(st.integers(min_value=-(10**14), max_value=10**14))
def test_parse_int_round_trip(number):
    assert parse_int(f"{number:,}", allow_negative=True) == number
    assert parse_int(str(number).translate(FULLWIDTH_DIGITS), allow_negative=True) == number
    assert parse_int(float(number), allow_negative=True) == number


# --------------------------------------------------------------------------- choices

STATUS = {"在建": "building", "已完工": "done", "未开工": "planned"}


def test_parse_choice_by_label_or_value():
    assert parse_choice(" 在建 ", STATUS) == "building"
    assert parse_choice("done", STATUS) == "done"
    assert parse_choice("DONE", STATUS) == "done"
    assert parse_choice("", STATUS) is None
    assert parse_choice(None, STATUS) is None


def test_parse_choice_non_string_values():
    yes_no = {"是": True, "否": False}
    assert parse_choice("是", yes_no) is True
    assert parse_choice(False, yes_no) is False
    levels = {"一级": 1, "二级": 2}
    assert parse_choice(2, levels) == 2
    assert parse_choice("２", levels) == 2
    assert parse_choice(1.0, levels) == 1
    assert parse_choice("ａ", {"A": "a"}) == "a"


def test_parse_choice_message_lists_labels():
    assert message(parse_choice, "停工", STATUS) == "“停工”不是有效选项，可选：在建、已完工、未开工"


def test_huge_cell_numbers_are_text_or_a_message_never_an_exception():
    """Found by the importer fuzz suite: a cell holding 1e300 raised decimal.InvalidOperation."""
    from countyworks.core.parsing import InvalidValue, normalize_text, parse_decimal

    assert normalize_text(1e300) == "1" + "0" * 300
    assert normalize_text(12000.0) == "12000" and normalize_text(1.25) == "1.25"
    try:
        parse_decimal(1e300)
    except InvalidValue as exc:
        assert str(exc)

# --------------------------------------------------------------------------- office habits


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("约1.5亿", "15000"),
        ("1.5亿元", "15000"),
        ("15000万", "15000"),
        ("1.5 亿", "15000"),
        ("壹亿", "10000"),
        ("壹亿伍仟万元", "15000"),
        ("一亿五千万", "15000"),
        ("一点五亿", "15000"),
        ("1亿5000万", "15000"),
        ("五千万元", "5000"),
        ("两万元", "2"),
        ("伍仟元", "0.5"),
        ("五千", "5000"),  # no 万/亿/元: 万元, like a bare number
        ("人民币壹佰万元整", "100"),
    ],
)
def test_parse_amount_wan_office_forms(raw, expected):
    assert parse_amount_wan(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["约1.5亿", "近1.5亿", "大约1.5亿", "1.5亿左右", "1.5亿余元", "1.5亿多"])
def test_parse_amount_wan_approximate_leaves_a_note(raw):
    from countyworks.core.parsing import collect_notes

    with collect_notes() as notes:
        assert parse_amount_wan(raw) == Decimal(15000)
    assert notes == [f"“{raw}”按15000万元读取（原文为约数）"]


def test_parse_amount_wan_exact_leaves_no_note_and_notes_outside_a_collector_are_dropped():
    from countyworks.core.parsing import collect_notes

    with collect_notes() as notes:
        parse_amount_wan("1.5亿")
        parse_amount_wan("壹亿")
    assert notes == []
    assert parse_amount_wan("约1.5亿") == Decimal(15000)  # no collector: no error either


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("一", 1), ("十", 10), ("十五", 15), ("二十", 20), ("一百零五", 105), ("一千零五", 1005), ("三百五", 350),
        ("一万五", 15000), ("两万", 20000), ("十万", 100000), ("一千二百三十四", 1234), ("壹仟贰佰", 1200),
        ("拾", 10), ("陆佰柒拾捌", 678), ("一亿", 10**8), ("一亿零五万", 100050000), ("一亿五千万", 150000000),
        ("三千万", 30000000), ("二〇二四", 2024), ("一二", 12), ("一点五", Decimal("1.5")),
        ("1亿5000万", 150000000), ("1.5亿", 150000000), ("12万", 120000), ("玖", 9),
    ],
)  # fmt: skip
def test_parse_chinese_number(raw, expected):
    from countyworks.core.parsing import parse_chinese_number

    assert parse_chinese_number(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["", "亿", "万", "一二百", "十万八千里", "一点", "点五", "一点五点", "abc"])
def test_parse_chinese_number_refuses(raw):
    from countyworks.core.parsing import parse_chinese_number

    with pytest.raises(InvalidValue, match="无法识别的数字"):
        parse_chinese_number(raw)


@pytest.mark.parametrize(
    "raw", [2024, 2024.0, Decimal("2024"), "2024", "2024年", "2024 年", "2024年度", "２０２４", "２０２４年", "二〇二四年"]
)
def test_parse_year(raw):
    from countyworks.core.parsing import parse_year

    assert parse_year(raw) == 2024


@pytest.mark.parametrize("raw", ["24", "2024-03", 2024.5, "20245", "明年", True])
def test_parse_year_refuses(raw):
    from countyworks.core.parsing import parse_year

    with pytest.raises(InvalidValue, match="请填写四位年份"):
        parse_year(raw)


@pytest.mark.parametrize("raw", [None, "", " "])
def test_parse_year_blank(raw):
    from countyworks.core.parsing import parse_year

    assert parse_year(raw) is None


@pytest.mark.parametrize(
    "raw, shown", [("2024年3月", "2024年3月"), ("2024年03月份", "2024年03月份"), ("2024-03", "2024-03"),
                   ("2024/3", "2024/3"), ("2024.3", "2024.3"), (2024.03, "2024.03")],
)  # fmt: skip
def test_parse_date_month_only_says_the_day_is_missing(raw, shown):
    assert message(parse_date, raw) == f"日期“{shown}”缺少日：请填写到日，如2024-03-15"


def test_parse_date_month_13_is_still_not_a_date():
    assert message(parse_date, "2024-13") == "无法识别的日期“2024-13”，请使用 2024-03-07 格式"
