"""Validation, generation and masking of Chinese identifiers.

* 统一社会信用代码 — GB 32100-2015 (with the GB 11714 organisation code inside it)
* 居民身份证号码 — GB 11643-1999 (ISO 7064 MOD 11-2 check digit)
* mainland mobile and landline telephone numbers

Validators normalize first (full-width → half-width, spaces removed, upper
case) and return the canonical form, or raise :class:`InvalidValue` with a
Chinese message.  Pure Python, no Django imports.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from .parsing import InvalidValue, normalize_text

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "credit_code_check_char",
    "id_number_birth_date",
    "id_number_sex",
    "make_credit_code",
    "make_id_number",
    "mask_bank_account",
    "mask_id_number",
    "mask_phone",
    "normalize_credit_code",
    "organization_code_check_char",
    "random_credit_code",
    "random_id_number",
    "validate_credit_code",
    "validate_id_number",
    "validate_mobile",
    "validate_phone",
]


def _compact(value: object, what: str) -> str:
    """Half-width, no whitespace, upper case; a leading apostrophe (Excel 'force text') dropped.

    A float of 16+ digits means Excel turned a long digit string into a number
    and lost digits beyond the 15th, so it is refused with a hint rather than
    guessed (shorter whole floats such as 13812345678.0 are exact and fine).
    """
    if isinstance(value, float) and abs(value) >= 1e15:
        raise InvalidValue(
            f"{what}被 Excel 当成了数字（可能已丢失位数），请把该列设为文本格式后重新填写", value
        )
    return normalize_text(value).replace(" ", "").lstrip("'").upper()


# --------------------------------------------------------------------------- 统一社会信用代码

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
# 登记管理部门代码 (GB 32100-2015 appendix A): 1 机构编制, 2 外交, 3 司法行政, 4 文化,
# 5 民政, 6 旅游, 7 宗教, 8 工会, 9 市场监管（工商）, A 中央军委改革和编制办公室, N 农业, Y 其他.
_REGISTRATION_DEPARTMENTS = "123456789ANY"
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def normalize_credit_code(value: object) -> str:
    """Strip, convert full-width to half-width, drop spaces, upper-case (no validation)."""
    return _compact(value, "统一社会信用代码")


def credit_code_check_char(first17: str) -> str:
    """GB 32100 check character: C18 = (31 − Σ value(cᵢ)·wᵢ mod 31) mod 31, as a character of the alphabet."""
    code = normalize_credit_code(first17)
    if len(code) != 17 or any(c not in CREDIT_CODE_ALPHABET for c in code):
        raise InvalidValue("统一社会信用代码前17位应由数字和大写字母（不含 I、O、Z、S、V）组成", first17)
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(code, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def organization_code_check_char(body8: str) -> str:
    """GB 11714 check character of the 9-char organisation code (positions 9–17 of a credit code).

    C9 = 11 − Σ value(cᵢ)·wᵢ mod 11 with weights 3,7,9,10,5,8,4,2 and value
    0–9 for digits, 10–35 for A–Z; 10 is written 'X' and 11 is written '0'.
    """
    total = sum(int(c, 36) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    return {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))


def validate_credit_code(value: object, *, check_org_code: bool = False) -> str:
    """Validate a 统一社会信用代码 and return it normalized.

    Rules: 18 characters from 0-9 A-Z without I O Z S V; 1st char a registration
    department code (1–9, A, N, Y); chars 3–8 digits (administrative division);
    18th char the GB 32100 check character.  With ``check_org_code`` the GB 11714
    check of the embedded organisation code (17th char) is enforced as well —
    real codes follow it, but a few legacy codes reportedly do not, so it is off
    by default (the 18th char alone already catches every single-character typo).
    """
    code = normalize_credit_code(value)
    if not code:
        raise InvalidValue("统一社会信用代码不能为空", value)
    if len(code) != 18:
        raise InvalidValue(f"统一社会信用代码应为18位，当前为{len(code)}位", value)
    if bad := [c for c in code if c not in CREDIT_CODE_ALPHABET]:
        raise InvalidValue(f"统一社会信用代码含有非法字符“{bad[0]}”（不使用 I、O、Z、S、V）", value)
    if code[0] not in _REGISTRATION_DEPARTMENTS:
        raise InvalidValue("统一社会信用代码第1位（登记管理部门代码）不正确", value)
    if not code[2:8].isdigit():
        raise InvalidValue("统一社会信用代码第3–8位（行政区划码）应为数字", value)
    if credit_code_check_char(code[:17]) != code[17]:
        raise InvalidValue("统一社会信用代码校验位不正确，请核对是否有填错的字符", value)
    if check_org_code and organization_code_check_char(code[8:16]) != code[16]:
        raise InvalidValue("统一社会信用代码第9–17位（组织机构代码）校验不正确", value)
    return code


def make_credit_code(first17: str) -> str:
    """Append the GB 32100 check character to 17 characters (for fixtures and benchmarks)."""
    code = normalize_credit_code(first17)
    return code + credit_code_check_char(code)


def random_credit_code(rng: random.Random, *, region: str = "440704") -> str:
    """A realistic valid code: mostly 91 (企业), some 92/93/12/51/52; post-2015 'MA…' or
    legacy 8-digit organisation codes; both check characters correct."""
    prefix = rng.choice(["91"] * 6 + ["92", "93", "12", "51", "52"])
    if rng.random() < 0.6:
        body = "MA" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(6))
    else:
        body = f"{rng.randrange(10**8):08d}"
    org_check = organization_code_check_char(body)
    return make_credit_code(prefix + region + body + org_check)


# --------------------------------------------------------------------------- 居民身份证号码

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"\d{17}[\dX]")


def _id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2: '10X98765432'[Σ dᵢ·wᵢ mod 11]."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: object, *, today: dt.date | None = None) -> str:
    """Validate an 18-digit 居民身份证号码 and return it normalized ('x' → 'X').

    Rules: 17 digits + check char (digit or X); region code (first 6) not
    starting with 0; birth date (chars 7–14) a real date between 1900-01-01 and
    today; check char per ISO 7064 MOD 11-2.  15-digit first-generation numbers
    are refused with a hint.
    """
    code = _compact(value, "身份证号")
    if not code:
        raise InvalidValue("身份证号不能为空", value)
    if len(code) == 15 and code.isdigit():
        raise InvalidValue("不支持15位旧身份证号，请填写18位号码", value)
    if len(code) != 18:
        raise InvalidValue(f"身份证号应为18位，当前为{len(code)}位", value)
    if not _ID_SHAPE.fullmatch(code):
        raise InvalidValue("身份证号前17位应为数字，最后一位为数字或X", value)
    if code[0] == "0":
        raise InvalidValue("身份证号前6位（地区码）不正确", value)
    try:
        birth = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        raise InvalidValue("身份证号中的出生日期不正确", value)
    if not dt.date(1900, 1, 1) <= birth <= (today or _today()):
        raise InvalidValue("身份证号中的出生日期不正确", value)
    if _id_check_char(code[:17]) != code[17]:
        raise InvalidValue("身份证号校验位不正确，请核对是否有填错的数字", value)
    return code


def id_number_birth_date(value: object) -> dt.date:
    """Birth date encoded in chars 7–14 of a (validated) ID number."""
    code = validate_id_number(value)
    return dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))


def id_number_sex(value: object) -> str:
    """'男' if the 17th digit (sequence code) is odd, else '女'."""
    return "男" if int(validate_id_number(value)[16]) % 2 else "女"


def make_id_number(first17: str) -> str:
    """Append the MOD 11-2 check character to 17 digits (for fixtures and benchmarks)."""
    code = _compact(first17, "身份证号")
    if len(code) != 17 or not code.isdigit():
        raise InvalidValue("身份证号前17位应为数字", first17)
    return code + _id_check_char(code)


def random_id_number(rng: random.Random, *, region: str = "440704", birth: dt.date | None = None) -> str:
    """A valid ID number for ``region``; birth date uniform in 1940–2005 unless given."""
    if birth is None:
        start = dt.date(1940, 1, 1)
        birth = start + dt.timedelta(days=rng.randrange((dt.date(2005, 12, 31) - start).days + 1))
    return make_id_number(f"{region}{birth:%Y%m%d}{rng.randint(1, 999):03d}")


# --------------------------------------------------------------------------- telephone numbers

_MOBILE = re.compile(r"1[3-9]\d{9}")
# Area codes 010 and 02X have three digits, every other one four; local numbers start with 2–9.
_LANDLINE = re.compile(r"(010|02\d|0[3-9]\d\d)-?([2-9]\d{6,7})(?:(?:-|转|#|EXT\.?)(\d{1,6}))?")


def _phone_text(value: object) -> str:
    text = _compact(value, "电话号码").replace("(", "").replace(")", "").replace("（", "").replace("）", "")
    return re.sub(r"^(?:\+86|0086)-?", "", text)


def validate_mobile(value: object) -> str:
    """Mainland mobile number 1[3-9] followed by nine digits → its 11 digits; spaces, '-' and a +86 prefix tolerated."""
    digits = _phone_text(value).replace("-", "")
    if not digits:
        raise InvalidValue("手机号码不能为空", value)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not _MOBILE.fullmatch(digits):
        raise InvalidValue("手机号码应为11位数字，以13–19开头", value)
    return digits


def validate_phone(value: object) -> str:
    """Mobile number (→ 11 digits) or landline with area code (→ '0750-3501234', extension '-801').

    Landline rule: area code 010/02X (3 digits) or 0 + three digits (4 digits), then a
    7–8 digit local number not starting with 0/1; brackets, spaces and '-' tolerated.
    """
    text = _phone_text(value)
    if not text:
        raise InvalidValue("电话号码不能为空", value)
    if text.replace("-", "").startswith("1"):
        return validate_mobile(value)
    if m := _LANDLINE.fullmatch(text):
        return "-".join(part for part in m.groups() if part)
    raise InvalidValue("电话号码格式不正确，请填写手机号或带区号的固话，如 0750-3501234", value)


# --------------------------------------------------------------------------- masking


def _mask(text: str, head: int, tail: int) -> str:
    """Keep ``head``/``tail`` characters but never reveal more than half of ``text``."""
    budget = len(text) // 2
    tail = min(tail, budget)
    head = min(head, budget - tail)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def mask_id_number(value: object) -> str:
    """'440704199001011234' → '4407**********1234' (first 4, last 4); short input shows at most half."""
    return _mask(normalize_text(value).replace(" ", "").upper(), 4, 4)


def mask_phone(value: object) -> str:
    """Mobile → '138****5678' (the customary 3+4); anything else keeps at most its last 4, never over half."""
    text = re.sub(r"[\s\-()]", "", normalize_text(value))
    if _MOBILE.fullmatch(text):
        return f"{text[:3]}****{text[7:]}"
    return _mask(text, 0, 4)


def mask_bank_account(value: object) -> str:
    """'6222 0212 3456 1234' → '************1234': spaces dropped, last 4 kept, never over half."""
    return _mask(re.sub(r"[\s\-]", "", normalize_text(value)), 0, 4)


def _today():
    from .clock import today  # lazily: the rest of this module needs no Django

    return today()
