"""Bad input never answers 500: a table of hostile values against every parameter and field of the public
projects index, search (page and API), the Wagtail API's paging, the giving form, the donor lookup and the
donations API. Each gets a clear 4xx (or the normal page, with a message where it was ignored) and changes
nothing in the database.
"""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction

from donations.models import CampaignPage, Donation, DonationEvent, GatewayNotification
from fundsite.inputs import amount_parse, id_parse, year_parse
from ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

BAD = {
    "superscript": "²",
    "superscript-year": "²⁰²¹",
    "fullwidth": "１２３",
    "arabic-indic": "١٢٣٤",
    "nul": "1\x00",
    "control": "a\x01\x1b\x7f\x85b",
    "30-digits": "9" * 30,
    "2**63": str(2**63),
    "minus-one": "-1",
    "10000-chars": "x" * 10_000,
    "exponent": "1e999999",
    "grouped": "1,0,0,0",
    "three-decimals": "10.000",
    "empty": "",
}
CONTROL = {"nul", "control"}


@pytest.fixture(autouse=True)
def _no_rate_limits():
    cache.clear()
    yield
    cache.clear()


def counts():
    return (Donation.objects.count(), DonationEvent.objects.count(), LedgerEntry.objects.count(),
            GatewayNotification.objects.count())


def send(call):
    """One request in a savepoint, so a database error (the old 500s) cannot poison the next one."""
    cache.clear()  # rate limits are tested elsewhere; here every request must reach the parsers
    try:
        with transaction.atomic():
            return call()
    except Exception as exc:  # noqa: BLE001 - the test client re-raises a view's exception: that is the 500
        return f"500 ({type(exc).__name__}: {str(exc)[:80]})"


def check(results, *, allowed):
    """Every answer is in `allowed`; a list of what was not, to show all at once."""
    wrong = [(label, code) for label, code in results if code not in allowed]
    assert not wrong, wrong


def status(response):
    return response if isinstance(response, str) else response.status_code


def form_control_refusal(response):
    """The giving form answers control characters itself: its page again, the error beside the field, none echoed."""
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "控制字符" in text and "\x00" not in text and "\x01" not in text and 'class="field-errors"' in text


def control_refusal(response):
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "控制字符" in text and "\x00" not in text and "\x01" not in text


# --- the parsers themselves ------------------------------------------------------------------------

@pytest.mark.parametrize("raw", list(BAD.values()) + ["10.5.0", " 1 0", "+10", "0x10", "1_000", "10.", ".5",
                                                     "NaN", "Infinity", "１００"])
def test_amount_parser_refuses_everything_but_plain_ascii_yuan(raw):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        amount_parse(raw)
    assert "金额" in exc.value.messages[0]


@pytest.mark.parametrize("raw,expected", [("100", Decimal("100.00")), ("66.6", Decimal("66.60")),
                                          ("0.01", Decimal("0.01")), (" 12.34 ", Decimal("12.34"))])
def test_amount_parser_keeps_plain_amounts_exact(raw, expected):
    amount = amount_parse(raw)
    assert amount == expected and amount.as_tuple().exponent == -2


@pytest.mark.parametrize("raw", list(BAD.values()) + ["0", "1.0", " 2021x"])
def test_id_and_year_parsers_refuse_everything_but_ascii_digits_in_range(raw):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        id_parse(raw)
    with pytest.raises(ValidationError):
        year_parse(raw)


def test_id_and_year_parsers_accept_the_ordinary():
    assert id_parse("42") == 42 and id_parse(str(2**63 - 1)) == 2**63 - 1
    assert year_parse("2021") == 2021


# --- query parameters of public pages and APIs -------------------------------------------------------

GETS = [
    ("/projects/", ["year", "category", "district", "status", "page"]),
    ("/search/", ["q", "kind", "category", "year", "district", "status", "sort", "page"]),
    ("/api/v3/search/", ["q", "kind", "category", "year", "district", "status", "sort", "page"]),
    ("/api/v3/search/suggest/", ["q"]),
    ("/api/v3/pages/", ["offset", "limit"]),
    ("/api/v3/images/", ["offset", "limit"]),
]


@pytest.mark.parametrize("url,name", [(url, name) for url, names in GETS for name in names])
def test_query_parameters_never_answer_500(client, demo_site, url, name):
    """Control characters get a plain 400; everything else the normal page/answer or a 4xx; nothing changes."""
    before = counts()
    results = []
    for label, value in BAD.items():
        response = send(lambda value=value: client.get(url, {name: value}))
        results.append((label, status(response)))
        if label in CONTROL:
            control_refusal(response)
    check(results, allowed={200, 400, 404, 422})
    assert counts() == before


def test_unicode_digit_year_on_projects_is_ignored_with_a_message(client, demo_site):
    response = client.get("/projects/", {"year": "²⁰²¹"})
    assert response.status_code == 200
    assert "无效" in response.content.decode()
    assert response.context["filters"].year is None


@pytest.mark.parametrize("value", ["١٢", "9" * 7, "-1", "x" * 10_000])
def test_odd_search_page_number_shows_page_one_and_says_so(client, demo_site, value):
    response = client.get("/api/v3/search/", {"q": "老人", "page": value})
    assert response.status_code == 200
    body = response.json()
    assert body["page"] == 1 and "页码应为正整数，已显示第 1 页。" in body["messages"]
    assert value not in " ".join(body["messages"])


@pytest.mark.parametrize("offset", [str(2**63), "9" * 30])
def test_huge_api_offset_is_a_400(client, demo_site, offset):
    response = client.get("/api/v3/pages/", {"offset": offset})
    assert response.status_code == 400
    assert "offset" in response.content.decode()


@pytest.mark.parametrize("path", ["/projects/%00/", "/search/%01", "/donations/pay/a%00b/",
                                  "/api/donations/donations/x%00", "/fund/ledger.json%7F"])
def test_control_characters_in_a_path_are_a_plain_400(client, demo_site, path):
    before = counts()
    control_refusal(client.get(path))
    assert counts() == before


# --- the giving form, the donor lookup -----------------------------------------------------------------

GIVE_FIELDS = ["amount", "preset", "method", "donor_name", "message", "phone", "email", "official_receipt_title",
               "taxpayer_number", "wants_official_receipt", "anonymous", "show_name"]
# Where any of the table's values is wrong for the field; elsewhere a plain text may be a legitimate answer.
STRICT = {"amount", "phone", "method", "email"}


@pytest.fixture
def campaign(demo_site):
    return CampaignPage.objects.filter(slug="donate").order_by("depth").first()  # the fund-wide one, under home


@pytest.mark.parametrize("name", GIVE_FIELDS)
def test_giving_form_fields_never_answer_500(client, campaign, name):
    """Each field in turn gets each bad value, the rest a valid gift: refused with 4xx and nothing stored,
    or (for free-text fields) accepted exactly as typed."""
    results = []
    for label, value in BAD.items():
        data = {"amount": "100", "method": "alipay", "donor_name": "张三", "wants_official_receipt": "on",
                "official_receipt_title": "张三", "phone": "13800001234", name: value}
        if name in ("amount", "preset"):
            data.pop("amount" if name == "preset" else "preset", None)
            if name == "preset":
                data["amount"] = ""
        before = counts()
        response = send(lambda data=data: client.post(f"/donate/{campaign.pk}/", data))
        code = status(response)
        results.append((label, code))
        if label in CONTROL:
            form_control_refusal(response)
        if code == 302:
            assert name not in STRICT or (name == "email" and value == ""), f"{name}={label!r} was accepted"
            donation = Donation.objects.latest("id")
            if name in ("donor_name", "message", "official_receipt_title"):
                assert getattr(donation, name) == value.strip(), "stored as typed, never mangled"
            if name == "preset":  # the preset is used only when no amount is typed, and parsed as strictly
                assert label == "empty" or donation.amount == Decimal("100.00")
            continue
        assert counts() == before, f"{name}={label!r} answered {code} but changed the database"
    allowed = {400, 429} if name in STRICT - {"email"} else {302, 400}
    if name == "amount":
        assert all(code == 400 for _, code in results), results
    check(results, allowed=allowed)


def test_giving_form_amount_errors_are_clear_chinese(client, campaign):
    for value, message in [("１２３", "半角数字"), ("١٢٣٤", "半角数字"), ("1,0,0,0", "不含逗号"),
                           ("10.000", "最多两位小数"), ("9" * 30, "金额")]:
        before = counts()
        response = client.post(f"/donate/{campaign.pk}/", {"amount": value, "method": "alipay", "donor_name": "张三"})
        assert response.status_code == 400
        assert message in response.content.decode(), value
        assert counts() == before


@pytest.mark.parametrize("name", ["out_trade_no", "phone_last4"])
def test_lookup_fields_never_answer_500(client, demo_site, name):
    results = []
    before = counts()
    for label, value in BAD.items():
        data = {"out_trade_no": "20260101ABCDEF123456", "phone_last4": "1234", name: value}
        response = send(lambda data=data: client.post("/donations/lookup/", data))
        results.append((label, status(response)))
        if label in CONTROL:
            control_refusal(response)
    check(results, allowed={400, 404, 429})  # 429: the per-order lookup limit, kept in the shared store
    assert counts() == before


@pytest.mark.parametrize("value", ["²", "9" * 30, str(2**63), "-1", "x" * 10_000])
def test_bad_campaign_ids_in_paths_are_4xx(client, demo_site, value):
    before = counts()
    for url in (f"/donate/{value}/", f"/api/donations/campaigns/{value}/totals"):
        code = status(send(lambda url=url: client.post(url) if url.startswith("/donate") else client.get(url)))
        assert code in (400, 404, 405, 422), (url[:60], code)
    assert counts() == before


# --- the donations API --------------------------------------------------------------------------------

API_FIELDS = ["campaign_id", "amount", "gateway", "channel", "donor_name", "message", "phone", "email",
              "official_receipt_title", "taxpayer_number", "anonymous", "show_name", "wants_official_receipt"]
API_FREE = {"donor_name", "message", "official_receipt_title", "taxpayer_number"}
API_VALUES = {**BAD, "surrogate": "\ud800", "number-30-digits": 10**30, "number-2**63": 2**63, "list": [1, 2],
              "object": {"a": 1}, "null": None, "float-exp": 1e300}


@pytest.mark.parametrize("name", API_FIELDS)
def test_donations_api_fields_never_answer_500(client, campaign, name):
    import json

    results = []
    for label, value in API_VALUES.items():
        payload = {"campaign_id": campaign.pk, "amount": "100", "donor_name": "张三", "wants_official_receipt": True,
                   "official_receipt_title": "张三", "phone": "13800001234", name: value}
        before = counts()
        # json.dumps escapes a lone surrogate as \ud800, as a hostile client would send it.
        response = send(lambda payload=payload: client.post("/api/donations/donations", json.dumps(payload),
                                                             content_type="application/json"))
        code = status(response)
        results.append((label, code))
        if code == 201:
            # Free text (and a taxpayer number of 15-20 digits, or an optional field left empty) may be legitimate.
            assert name in API_FREE or value == "", (name, label)
            assert isinstance(value, str)
            assert not any(0xD800 <= ord(c) <= 0xDFFF or c in "\x00\x01" for c in value)
            continue
        assert counts() == before, f"{name}={label!r} answered {code} but changed the database"
        if (label in CONTROL or label == "surrogate") and name != "campaign_id" and not name.startswith(("anon", "show", "wants")):
            assert code == 422 and "控制字符" in json.dumps(response.json(), ensure_ascii=False), (label, code)
    check(results, allowed={201, 400, 422} if name in API_FREE | {"email", "phone"} else {400, 404, 422})


@pytest.mark.parametrize("field,value,message", [
    ("donor_name", "张" * 10_000, "donor_name：过长，最多 50 个字符"),
    ("campaign_id", "²", "campaign_id：应为整数"),
    ("campaign_id", 2**63, "campaign_id：应不大于"),
    ("amount", 100, "amount：应为字符串"),
    ("message", "你好\x00", "控制字符"),
])
def test_donations_api_says_in_chinese_which_field_is_wrong_and_echoes_nothing(client, campaign, field, value,
                                                                               message):
    import json

    payload = {"campaign_id": campaign.pk, "amount": "100", "donor_name": "张三", field: value}
    before = counts()
    response = client.post("/api/donations/donations", json.dumps(payload), content_type="application/json")
    assert response.status_code == 422
    text = json.dumps(response.json(), ensure_ascii=False)
    assert message in text
    assert "张张张张" not in text and "\\u0000" not in text
    assert counts() == before


@pytest.mark.parametrize("body", [b"--x\r\nbroken", b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--"])
def test_multipart_bodies_to_the_json_api_are_4xx(client, demo_site, body):
    before = counts()
    response = client.generic("POST", "/api/donations/donations", body,
                              content_type="multipart/form-data; boundary=x")
    assert 400 <= response.status_code < 500
    assert counts() == before
