"""Chinese capitals for amounts, by the standard rules for financial documents."""

from decimal import Decimal

import pytest

from donations.receipts.capitals import amount_in_capitals


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("100.00", "壹佰元整"),
        ("1191516.30", "壹佰壹拾玖万壹仟伍佰壹拾陆元叁角"),  # the fund's 2021 raised total
        ("0.05", "伍分"),
        ("1005.07", "壹仟零伍元零柒分"),
        ("0.00", "零元整"),
        ("0.01", "壹分"),
        ("0.50", "伍角"),
        ("0.55", "伍角伍分"),
        ("1.00", "壹元整"),
        ("1.01", "壹元零壹分"),
        ("10.00", "壹拾元整"),
        ("11.00", "壹拾壹元整"),
        ("20.00", "贰拾元整"),
        ("110.00", "壹佰壹拾元整"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("10005.00", "壹万零伍元整"),
        ("100500.00", "壹拾万零伍佰元整"),
        ("107000.53", "壹拾万零柒仟元伍角叁分"),
        ("1000000.00", "壹佰万元整"),
        ("1010000.00", "壹佰零壹万元整"),
        ("10000100.00", "壹仟万零壹佰元整"),
        ("50000.00", "伍万元整"),
        ("2391193.17", "贰佰叁拾玖万壹仟壹佰玖拾叁元壹角柒分"),
        ("771886.20", "柒拾柒万壹仟捌佰捌拾陆元贰角"),
        ("100000000.00", "壹亿元整"),
        ("100010000.00", "壹亿零壹万元整"),
        ("200000001.00", "贰亿零壹元整"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        ("5", "伍元整"),  # a Decimal without decimal places is still whole yuan
    ],
)
def test_amount_in_capitals(amount, capitals):
    assert amount_in_capitals(Decimal(amount)) == capitals


def test_float_is_refused():
    with pytest.raises(TypeError, match="Decimal"):
        amount_in_capitals(100.0)


@pytest.mark.parametrize("amount", ["-1.00", "1.001", "1000000000000.00", "NaN", "Infinity"])
def test_bad_amount_is_refused(amount):
    with pytest.raises(ValueError):
        amount_in_capitals(Decimal(amount))
