"""The admin in Chinese: our catalogue (fundsite/locale) for what Wagtail leaves in English, compiled and current;
payment notifications, refunds and certificates listed under Chinese headings with 是/否; moderation e-mail
subjects in Chinese."""

import gettext
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from donations.models import GatewayNotification

LOCALE = Path(__file__).resolve().parents[1] / "fundsite" / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries(path):
    """(msgctxt, msgid, msgstr or msgstr[0]) of a .po file; enough of the format for the files we write."""
    entries, current, key = [], {}, None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[0\])?) "(.*)"$', line)
        if match:
            key = match.group(1)
            starts_entry = key == "msgctxt" or (key == "msgid" and any(k.startswith("msgstr") for k in current))
            if starts_entry and current:
                entries.append(current)
                current = {}
            current[key] = match.group(2)
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
    if current:
        entries.append(current)

    def unescape(text):
        return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)

    return [(e.get("msgctxt"), unescape(e["msgid"]), unescape(e.get("msgstr", e.get("msgstr[0]", ""))),
             unescape(e.get("msgid_plural", ""))) for e in entries if e.get("msgid")]


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_compiled_catalogue_is_current(domain):
    """Every entry of the .po is in the committed .mo with the same translation (recompile: make messages)."""
    entries = po_entries(LOCALE / f"{domain}.po")
    assert entries
    with open(LOCALE / f"{domain}.mo", "rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    for ctx, msgid, msgstr, _plural in entries:
        assert msgstr, f"untranslated: {msgid}"
        got = compiled.pgettext(ctx, msgid) if ctx else compiled.gettext(msgid)
        assert got == msgstr, f"{domain}.mo is stale for {msgid!r}: run make messages"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_translations_keep_the_placeholders(domain):
    """Each translation names the placeholders of its English (singular or plural form), and only those."""
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    for _ctx, msgid, msgstr, plural in po_entries(LOCALE / f"{domain}.po"):
        english = set(placeholder.findall(msgid)) | set(placeholder.findall(plural))
        assert set(placeholder.findall(msgstr)) <= english, (msgid, msgstr)
        assert set(placeholder.findall(msgid)) <= set(placeholder.findall(msgstr)), (msgid, msgstr)


@pytest.mark.parametrize(("english", "chinese"), [
    ("Autosave is paused", "自动保存已暂停"),
    ("Schedule to publish", "定时发布"),
    ("Saved", "已保存"),
    ("Invalid schedule", "时间表无效"),
    ("Go to the first error", "转到第一个错误"),
])
def test_strings_wagtail_leaves_in_english_read_in_chinese(english, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese


def test_moderation_email_subject_is_chinese(home):
    from wagtail.models import Task, Workflow

    with translation.override("zh-hans"):
        subject = render_to_string("wagtailadmin/notifications/workflow_state_submitted_subject.txt", {
            "page": home, "workflow": Workflow(name="审核发布"), "task": Task(name="审核"),
        }).strip()
    assert subject == f"页面“{home.title}”已提交至审核流程“审核发布”"


@pytest.fixture
def finance_client(client, db, django_user_model, home):
    user = django_user_model.objects.create_user("cashier", password="pw")
    user.groups.add(Group.objects.get(name="财务"))
    client.force_login(user)
    return client


def test_payment_notifications_are_listed_under_chinese_headings_with_yes_no(finance_client):
    verified = GatewayNotification.objects.create(gateway="alipay", out_trade_no="T-VERIFIED", verified=True)
    GatewayNotification.objects.create(gateway="wechatpay", out_trade_no="T-FORGED", verified=False)
    body = finance_client.get(reverse("donations_notification:index")).content.decode()
    for heading in ("收到时间", "支付渠道", "订单号", "验签通过", "处理结果"):
        assert heading in body
    cells = re.findall(r"<td[^>]*>\s*(是|否|True|False)\s*</td>", body)
    assert sorted(cells) == ["否", "是"]
    for english in (">Gateway<", ">Verified<", ">Outcome<", "True", "False"):
        assert english not in body
    inspect = finance_client.get(reverse("donations_notification:inspect", args=[verified.pk])).content.decode()
    assert "验签通过" in inspect and "来源地址" in inspect and "Remote addr" not in inspect


def test_refund_and_certificate_filters_are_labelled_in_chinese(finance_client):
    refunds = finance_client.get(reverse("donations_refund:index")).content.decode()
    receipts = finance_client.get(reverse("donations_receipt:index")).content.decode()
    assert "状态" in refunds and ">Status<" not in refunds
    assert "年度" in receipts and ">Year<" not in receipts
