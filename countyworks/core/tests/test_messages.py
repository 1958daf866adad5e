"""Messages are ours: no Django stock phrases or constraint names reach a user."""

import pytest
from django import forms
from django.core.validators import MinValueValidator
from django.utils import translation


class _Form(forms.Form):
    name = forms.CharField(max_length=200)
    amount = forms.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    day = forms.DateField()
    count = forms.IntegerField()


@pytest.mark.parametrize("data, field, message", [
    ({"name": "字" * 5000}, "name", "最多200字，当前5000字"),
    ({"amount": "1" * 20}, "amount", "数值过大：最多14位数字"),
    ({"amount": "-5"}, "amount", "不能小于0"),
    ({"amount": "1.234"}, "amount", "最多保留2位小数"),
    ({"day": "2024-02-30"}, "day", "请填写有效日期，例如 2024-03-29"),
    ({"count": "1.5"}, "count", "请填写整数"),
    ({}, "name", "必填，不能为空"),
])
def test_stock_messages_read_in_our_words(data, field, message):
    with translation.override("zh-hans"):
        form = _Form(data)
        assert not form.is_valid()
        assert message in form.errors[field]


def test_every_error_of_a_form_is_shown_at_once():
    with translation.override("zh-hans"):
        form = _Form({"name": "字" * 300, "amount": "-1", "day": "x", "count": "y"})
        assert not form.is_valid()
        assert set(form.errors) == {"name", "amount", "day", "count"}
