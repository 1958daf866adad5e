import datetime as dt
import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from countyworks.core.identifiers import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    id_number_birth_date,
    id_number_sex,
    make_credit_code,
    make_id_number,
    mask_bank_account,
    mask_id_number,
    mask_phone,
    normalize_credit_code,
    organization_code_check_char,
    random_credit_code,
    random_id_number,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_phone,
)
from countyworks.core.parsing import InvalidValue


def message(func, *args, **kwargs) -> str:
    with pytest.raises(InvalidValue) as info:
        func(*args, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- 统一社会信用代码

# Published codes of well-known companies and institutions (both check characters hold).
KNOWN_CREDIT_CODES = [
    "91440300708461136T",  # 华为技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "91440300MA5H8REU3K",  # post-2015 'MA' style, from a public TLS certificate
    "12440600MB2C07549J",  # 事业单位 (机构编制部门 1, 类别 2)
]


@pytest.mark.parametrize("code", KNOWN_CREDIT_CODES)
def test_known_credit_codes_validate(code):
    assert validate_credit_code(code) == code
    assert validate_credit_code(code, check_org_code=True) == code
    assert credit_code_check_char(code[:17]) == code[17]
    assert organization_code_check_char(code[8:16]) == code[16]


def test_credit_code_normalization():
    assert normalize_credit_code(" ９１４４０３００ ７０８４６１１３６ｔ ") == "91440300708461136T"
    assert validate_credit_code("91440300708461136t") == "91440300708461136T"
    assert validate_credit_code("'91440300708461136T") == "91440300708461136T"
    assert validate_credit_code("9144 0300 7084 6113 6T") == "91440300708461136T"


def test_check_char_zero_case():
    # (31 - 0) % 31 == 0: a sum divisible by 31 gives check char '0', not index 31.
    assert credit_code_check_char("0" * 17) == "0"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("", "统一社会信用代码不能为空"),
        (None, "统一社会信用代码不能为空"),
        ("9144030070846113", "统一社会信用代码应为18位，当前为16位"),
        ("91440300708461136TT", "统一社会信用代码应为18位，当前为19位"),
        ("91440300708461I36T", "统一社会信用代码含有非法字符“I”（不使用 I、O、Z、S、V）"),
        ("91440300708461-36T", "统一社会信用代码含有非法字符“-”（不使用 I、O、Z、S、V）"),
        ("B1440300708461136T", "统一社会信用代码第1位（登记管理部门代码）不正确"),
        ("9144A300708461136T", "统一社会信用代码第3–8位（行政区划码）应为数字"),
        ("91440300708461136U", "统一社会信用代码校验位不正确，请核对是否有填错的字符"),
        (
            9.1440300708461e17,
            "统一社会信用代码被 Excel 当成了数字（可能已丢失位数），请把该列设为文本格式后重新填写",
        ),
    ],
)
def test_credit_code_messages(raw, expected):
    assert message(validate_credit_code, raw) == expected


def test_credit_code_message_does_not_reveal_check_char():
    text = message(validate_credit_code, "91440300708461136U")
    assert "T" not in text


def test_org_code_check_is_opt_in():
    first16 = "91440704MA4W6AB1"
    wrong_org = next(c for c in "0123456789X" if c != organization_code_check_char(first16[8:]))
    code = make_credit_code(first16 + wrong_org)
    assert validate_credit_code(code) == code
    assert message(validate_credit_code, code, check_org_code=True) == (
        "统一社会信用代码第9–17位（组织机构代码）校验不正确"
    )


def test_credit_code_check_char_rejects_bad_input():
    assert "前17位" in message(credit_code_check_char, "9144030070846113")
    assert "前17位" in message(credit_code_check_char, "9144030070846113I")


credit_first17 = st.builds(
    lambda dept, kind, region, body: dept + kind + region + body,
    st.sampled_from("123456789ANY"),
    st.sampled_from(CREDIT_CODE_ALPHABET),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(CREDIT_CODE_ALPHABET, min_size=9, max_size=9),
)


@given(credit_first17)
def test_make_credit_code_validates(first17):
    code = make_credit_code(first17)
    assert len(code) == 18 and code.startswith(first17)
    assert validate_credit_code(code) == code
    assert validate_credit_code(code.lower()) == code


@given(st.integers(min_value=0, max_value=2**32))
def test_random_credit_code_is_valid_and_realistic(seed):
    code = random_credit_code(random.Random(seed))
    assert validate_credit_code(code, check_org_code=True) == code
    assert code[2:8] == "440704"
    assert code[:2] in {"91", "92", "93", "12", "51", "52"}


@given(credit_first17, st.integers(min_value=0, max_value=17), st.sampled_from(CREDIT_CODE_ALPHABET))
def test_any_single_substitution_breaks_credit_code(first17, position, char):
    code = make_credit_code(first17)
    if code[position] == char:
        char = CREDIT_CODE_ALPHABET[(CREDIT_CODE_ALPHABET.index(char) + 1) % 31]
    changed = code[:position] + char + code[position + 1 :]
    with pytest.raises(InvalidValue):
        validate_credit_code(changed)


# --------------------------------------------------------------------------- 居民身份证号码

CLASSIC_ID = "11010519491231002X"  # the specimen number printed in GB 11643


def test_known_id_number():
    assert validate_id_number(CLASSIC_ID) == CLASSIC_ID
    assert validate_id_number(CLASSIC_ID.lower()) == CLASSIC_ID
    assert validate_id_number(" １１０１０５ １９４９１２３１ ００２ｘ ") == CLASSIC_ID
    assert id_number_birth_date(CLASSIC_ID) == dt.date(1949, 12, 31)
    assert id_number_sex(CLASSIC_ID) == "女"
    assert make_id_number(CLASSIC_ID[:17]) == CLASSIC_ID


def test_id_number_sex_from_17th_digit():
    assert id_number_sex(make_id_number("44070419900101123")) == "男"
    assert id_number_sex(make_id_number("44070419900101124")) == "女"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("", "身份证号不能为空"),
        ("110105194912310", "不支持15位旧身份证号，请填写18位号码"),
        ("11010519491231002", "身份证号应为18位，当前为17位"),
        ("1101051949123100XX", "身份证号前17位应为数字，最后一位为数字或X"),
        ("11010519491231002Y", "身份证号前17位应为数字，最后一位为数字或X"),
        (make_id_number("01010519491231002"), "身份证号前6位（地区码）不正确"),
        (make_id_number("11010519490230002"), "身份证号中的出生日期不正确"),
        (make_id_number("11010518991231002"), "身份证号中的出生日期不正确"),
        (make_id_number("11010529991231002"), "身份证号中的出生日期不正确"),
        ("110105194912310021", "身份证号校验位不正确，请核对是否有填错的数字"),
        (
            1.10105194912310e17,
            "身份证号被 Excel 当成了数字（可能已丢失位数），请把该列设为文本格式后重新填写",
        ),
    ],
)
def test_id_number_messages(raw, expected):
    assert message(validate_id_number, raw) == expected


def test_id_number_birth_today_is_fine_tomorrow_is_not():
    today = dt.date(2024, 3, 7)
    code = make_id_number("44070420240307001")
    assert validate_id_number(code, today=today) == code
    tomorrow = make_id_number("44070420240308001")
    assert message(validate_id_number, tomorrow, today=today) == "身份证号中的出生日期不正确"


def test_id_number_accepts_exact_int():
    code = make_id_number("44070419900101123")
    assert validate_id_number(int(code)) == code


@given(st.integers(min_value=0, max_value=2**32))
def test_random_id_number_validates(seed):
    code = random_id_number(random.Random(seed))
    assert validate_id_number(code) == code
    assert code.startswith("440704")
    assert dt.date(1940, 1, 1) <= id_number_birth_date(code) <= dt.date(2005, 12, 31)


@given(
    st.integers(min_value=0, max_value=2**32),
    st.sampled_from(["440703", "440704", "440705", "110105"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today()),
)
def test_random_id_number_with_region_and_birth(seed, region, birth):
    code = random_id_number(random.Random(seed), region=region, birth=birth)
    assert code[:6] == region
    assert id_number_birth_date(code) == birth
    assert id_number_sex(code) in {"男", "女"}


@given(
    st.integers(min_value=0, max_value=2**32),
    st.integers(min_value=0, max_value=17),
    st.sampled_from("0123456789X"),
)
def test_any_single_substitution_breaks_id_number(seed, position, char):
    code = random_id_number(random.Random(seed))
    if char == code[position] or (char == "X" and position < 17):
        char = str((int(code[position]) + 1) % 10) if code[position] != "X" else "0"
    changed = code[:position] + char + code[position + 1 :]
    with pytest.raises(InvalidValue):
        validate_id_number(changed)


def test_make_id_number_rejects_non_digits():
    assert message(make_id_number, "4407041990010112X") == "身份证号前17位应为数字"


# --------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "8613812345678",
        "１３８１２３４５６７８",
        13812345678,
        13812345678.0,
    ],
)
def test_validate_mobile(raw):
    assert validate_mobile(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "0750-3501234", "abc"])
def test_validate_mobile_rejects(raw):
    assert message(validate_mobile, raw) == "手机号码应为11位数字，以13–19开头"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0750-3501234", "0750-3501234"),
        ("07503501234", "0750-3501234"),
        ("(0750)3501234", "0750-3501234"),
        ("（０７５０）３５０１２３４", "0750-3501234"),
        ("0750 3501 234", "0750-3501234"),
        ("020-83123456", "020-83123456"),
        ("02083123456", "020-83123456"),
        ("010-65123456", "010-65123456"),
        ("010 6512 3456 转 801", "010-65123456-801"),
        ("0750-3501234-8001", "0750-3501234-8001"),
        ("19912345678", "19912345678"),
        ("+86 138-1234-5678", "13812345678"),
    ],
)
def test_validate_phone(raw, expected):
    assert validate_phone(raw) == expected


@pytest.mark.parametrize("raw", ["3501234", "0750-0501234", "075-03501234", "12345", "电话"])
def test_validate_phone_rejects(raw):
    with pytest.raises(InvalidValue):
        validate_phone(raw)


def test_validate_phone_messages():
    assert message(validate_phone, "") == "电话号码不能为空"
    assert (
        message(validate_phone, "3501234")
        == "电话号码格式不正确，请填写手机号或带区号的固话，如 0750-3501234"
    )


# --------------------------------------------------------------------------- masking


def test_mask_examples():
    assert mask_id_number("440704199001011234") == "4407**********1234"
    assert mask_id_number("11010519491231002x") == "1101**********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(13812345678.0) == "138****5678"
    assert mask_phone("0750-3501234") == "*******1234"
    assert mask_bank_account("6222 0212 3456 1234") == "************1234"


@pytest.mark.parametrize("func", [mask_id_number, mask_phone, mask_bank_account])
@pytest.mark.parametrize("raw", [None, "", " "])
def test_mask_empty(func, raw):
    assert func(raw) == ""


@pytest.mark.parametrize("func", [mask_id_number, mask_phone, mask_bank_account])
@given(st.text("0123456789X", max_size=30))
def test_mask_never_reveals_more_than_half(func, raw):
    masked = func(raw)
    assert len(masked) == len(raw)
    visible = sum(c != "*" for c in masked)
    if func is mask_phone and re.fullmatch(r"1[3-9]\d{9}", raw):
        assert visible == 7  # the customary 138****5678 form
    else:
        assert visible <= len(raw) // 2
