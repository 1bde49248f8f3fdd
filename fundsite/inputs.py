"""Strict parsers for what strangers type: amounts, ids, years and text free of control characters.

This is a leaf module on purpose: it imports Django and pydantic only, never an app, so cms_pages, donations,
ledger and search can all use the same rules without bending the one-way dependencies between apps
(cms_pages, donations -> ledger; search reads pages; ledger imports none of them).

Python's own int() and Decimal() accept far more than a person means by a number: Unicode digits
(``int("١٢٣٤") == 1234``, ``"²".isdigit()`` yet ``int("²")`` raises), underscores, signs, exponents
(``Decimal("1e999999")``) and surrounding whitespace. Every parser here accepts ASCII digits only and bounds
the length before converting, so a bad input always becomes a ValidationError with a Chinese message and
never an exception deeper down (a 500).
"""

import re
from decimal import Decimal
from typing import Annotated

from django import forms
from django.core.exceptions import ValidationError
from pydantic import AfterValidator

CENT = Decimal("0.01")
# Yuan: up to 12 integer digits (far above any bound a form sets) and at most two decimals.
AMOUNT_RE = re.compile(r"(?P<int>[0-9]{1,12})(?:\.(?P<frac>[0-9]{1,2}))?")
DIGITS_RE = re.compile(r"[0-9]+")
ID_MAX = 2**63 - 1  # PostgreSQL bigint; larger ids cannot exist and must not reach the database
YEAR_MIN, YEAR_MAX = 2000, 2100
# C0 controls except tab, newline and carriage return; DEL; C1 controls; lone UTF-16 surrogates.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_MESSAGE = "输入中含有不允许的控制字符（如 NUL），请删除后重试。"


def amount_parse(raw, *, label="金额") -> Decimal:
    """A yuan amount written as ASCII digits with at most one point and two decimals, quantized to 0.01."""
    if isinstance(raw, Decimal | int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise ValidationError(f"{label}须为数字，例如 100 或 66.60。", code="not_numeric")
    text = raw.strip(" ")  # surrounding spaces a form may add; nothing inside
    if not text:
        raise ValidationError(f"请填写{label}。", code="required")
    if len(text) > 16:
        raise ValidationError(f"{label}位数过多。", code="too_long")
    match = AMOUNT_RE.fullmatch(text)
    if match is None:
        if re.fullmatch(r"[0-9]+\.[0-9]{3,}", text):
            raise ValidationError(f"{label}最多两位小数（精确到分）。", code="too_precise")
        if re.fullmatch(r"[0-9]{13,}(\.[0-9]*)?", text):
            raise ValidationError(f"{label}位数过多。", code="too_long")
        raise ValidationError(
            f"{label}只能由半角数字和一个小数点组成，不含逗号、空格或正负号，例如 100 或 66.60。", code="not_numeric"
        )
    return Decimal(text).quantize(CENT)


def int_parse(raw, *, low: int, high: int, label: str) -> int:
    """An integer written in ASCII digits only, within [low, high]; its length is checked before converting."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    text = raw.strip() if isinstance(raw, str) else ""
    if not DIGITS_RE.fullmatch(text) or len(text.lstrip("0")) > len(str(high)) or not low <= int(text) <= high:
        raise ValidationError(f"{label}应为 {low} 至 {high} 之间的整数（半角数字）。", code="invalid")
    return int(text)


def id_parse(raw, *, label="编号") -> int:
    """A database id: ASCII digits, 1 to 2**63-1."""
    return int_parse(raw, low=1, high=ID_MAX, label=label)


def year_parse(raw, *, low=YEAR_MIN, high=YEAR_MAX, label="年度") -> int:
    """A four-digit year in ASCII digits within the site's range."""
    return int_parse(raw, low=low, high=high, label=label)


def has_control_chars(text: str) -> bool:
    """Whether the text holds characters no field accepts (NUL, other controls, lone surrogates)."""
    return bool(CONTROL_RE.search(text))


def text_check(text: str) -> str:
    """The text unchanged, or a ValidationError when it holds control characters."""
    if has_control_chars(text):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")
    return text


def validate_no_control_chars(value) -> None:
    """A Django field validator refusing control characters."""
    if isinstance(value, str):
        text_check(value)


def _clean_text(value: str) -> str:
    if has_control_chars(value):
        raise ValueError(CONTROL_MESSAGE)
    return value


# A pydantic/ninja string that refuses control characters and lone surrogates (which PostgreSQL cannot keep).
CleanStr = Annotated[str, AfterValidator(_clean_text)]


def body_check_exempt(view):
    """Mark a view whose request body must reach it untouched (gateway notifications are stored as received)."""
    view.body_check_exempt = True
    return view



class AmountField(forms.Field):
    """A form field for yuan parsed by amount_parse (Django's DecimalField takes Unicode digits and exponents)."""

    widget = forms.TextInput

    def __init__(self, *, min_value: Decimal | None = Decimal("0.01"), allow_minus=False, **kwargs):
        # allow_minus: a leading minus is read, so that the service can say why a negative amount is refused.
        self.min_value, self.allow_minus = min_value, allow_minus
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        text = str(value).strip()
        if not text:
            return None
        text_check(text)
        label = str(self.label or "金额")
        negative = self.allow_minus and text.startswith("-")
        amount = amount_parse(text[1:] if negative else text, label=label)
        amount = -amount if negative else amount
        if self.min_value is not None and amount < self.min_value:
            raise ValidationError(f"{label}须不小于 {self.min_value} 元。", code="min_value")
        return amount

    def prepare_value(self, value):
        return f"{value:.2f}" if isinstance(value, Decimal) else value


PYDANTIC_MESSAGES = {
    "missing": "缺少此字段",
    "string_type": "应为字符串",
    "string_too_long": "过长，最多 {max_length} 个字符",
    "too_long": "过长，最多 {max_length} 个字符",
    "string_too_short": "过短，至少 {min_length} 个字符",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "greater_than_equal": "应不小于 {ge}",
    "less_than_equal": "应不大于 {le}",
    "json_invalid": "请求正文不是有效的 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
}


def validation_errors_zh(errors: list[dict]) -> list[dict]:
    """Pydantic's (English) validation errors as Chinese messages, keeping where and what type each was."""
    out = []
    for error in errors:
        kind, ctx = error.get("type", ""), error.get("ctx") or {}
        if kind == "value_error":  # our own validators already speak Chinese
            message = str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
        else:
            try:
                message = PYDANTIC_MESSAGES.get(kind, "格式不正确").format(**ctx)
            except (KeyError, IndexError, ValueError):
                message = "格式不正确"
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        out.append({"type": kind, "loc": loc, "msg": f"{'.'.join(loc) or '请求'}：{message}"})
    return out
