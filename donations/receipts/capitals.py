"""Amounts in Chinese capitals (中文大写金额), as receipts and certificates must show them.

The rules followed are the standard ones for financial documents:
- digits 零壹贰叁肆伍陆柒捌玖, place units 拾佰仟 within a group of four, group units 万 and 亿;
- ``10`` is 壹拾 (the leading 壹 is always written);
- a run of zeros inside the number is written as a single 零; zeros at the end of a group
  or of the integer part are not written; an all-zero group drops its 万;
- 元 after the integer part; 角 and 分 after it; 整 when there are no 角 and 分;
  when 角 is zero but 分 is not, 零 stands for the missing 角 (壹仟零伍元零柒分);
- amounts below one yuan show only 角 and 分 (伍分), zero is 零元整.
"""

from decimal import Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ["", "拾", "佰", "仟"]
GROUPS = ["", "万", "亿"]
MAX_AMOUNT = Decimal("999999999999.99")  # 14 digits, 2 decimal places: the largest money field


def amount_in_capitals(amount: Decimal) -> str:
    """``Decimal("1005.07")`` → ``"壹仟零伍元零柒分"``. Refuses floats, negatives, fractions of a fen."""
    if not isinstance(amount, Decimal):
        raise TypeError("amount must be a Decimal, never a float")
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"amount must be a finite, non-negative yuan amount: {amount}")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"amount has more than two decimal places: {amount}")
    if amount > MAX_AMOUNT:
        raise ValueError(f"amount exceeds {MAX_AMOUNT}: {amount}")
    fen_total = int(amount * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if yuan == 0 and jiao == 0 and fen == 0:
        return "零元整"
    text = _integer_capitals(yuan) + "元" if yuan else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen and yuan:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    if not jiao and not fen:
        text += "整"
    return text


def _integer_capitals(number):
    digits = str(number)
    out, zero_pending, group_has_digit = [], False, False
    for index, char in enumerate(digits):
        position = len(digits) - 1 - index
        digit = int(char)
        if digit == 0:
            zero_pending = bool(out)
        else:
            if zero_pending:
                out.append("零")
            zero_pending = False
            group_has_digit = True
            out.append(DIGITS[digit] + PLACES[position % 4])
        if position % 4 == 0:
            if group_has_digit and position:
                out.append(GROUPS[position // 4])
            group_has_digit = False
    return "".join(out)
