"""The form on campaign and project pages: shown, CSRF-checked, bad input refused clearly, floods stopped."""

import re

import pytest
from django.test import Client

from complaints.models import Complaint

pytestmark = pytest.mark.django_db

GOOD = {"kind": "report", "content": "拨付给本项目的款项去向不清楚，请公开票据。", "name": "王先生",
        "phone": "13800001234", "email": "wang@example.com"}


def post(client, page, **changes):
    return client.post("/complaints/", {"page": str(page.pk), **GOOD, **changes})


@pytest.mark.parametrize("which", ["project", "campaign"])
def test_every_project_and_campaign_page_carries_the_form_and_its_counts(client, request, which):
    page = request.getfixturevalue(which)
    html = client.get(page.url).content.decode()
    assert 'action="/complaints/"' in html and 'name="csrfmiddlewaretoken"' in html
    assert f'name="page" value="{page.pk}"' in html
    assert "五个工作日内" in html and "本页已收到 <strong>0</strong> 件" in html


def test_a_submission_is_stored_acknowledged_and_e_mailed(client, project, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, project)
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/complaints/{complaint.reference}/"
    page = client.get(response["Location"]).content.decode()
    assert complaint.reference in page and f"{complaint.due_on:%Y-%m-%d}" in page and "办理中" in page
    assert GOOD["content"] not in page and GOOD["phone"] not in page  # the status page shows no personal data
    assert len(mailoutbox) == 1 and complaint.reference in mailoutbox[0].subject
    assert mailoutbox[0].to == ["wang@example.com"]
    assert "本页已收到 <strong>1</strong> 件" in client.get(project.url).content.decode()


def test_without_an_e_mail_no_mail_is_sent(client, project, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, project, email="", name="", phone="")
    assert Complaint.objects.count() == 1 and mailoutbox == []


@pytest.mark.parametrize(("changes", "message"), [
    ({"content": ""}, "请填写内容"),
    ({"content": "短"}, "至少写 5 个字"),
    ({"content": "长" * 2001}, "最多 2000 字"),
    ({"kind": "other"}, "请选择"),
    ({"email": "not-an-address"}, "电子邮箱格式不正确"),
    ({"phone": "call me"}, "电话只能包含"),
    ({"page": "abc"}, "页面编号无效"),
    ({"page": "9" * 30}, "页面编号无效"),
    ({"page": "999999"}, "没有找到可以提交"),
])
def test_bad_input_is_refused_with_a_clear_message_and_stores_nothing(client, project, changes, message):
    response = client.post("/complaints/", {"page": str(project.pk), **GOOD, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Complaint.objects.count() == 0


def test_a_page_of_another_type_cannot_be_complained_about(client, project, home):
    response = post(client, home)
    assert response.status_code == 400 and Complaint.objects.count() == 0


def test_markup_is_escaped_when_echoed(client, project):
    response = post(client, project, content="<script>alert(1)</script>", email="x")
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_the_form_needs_its_csrf_token(project):
    client = Client(enforce_csrf_checks=True)
    response = post(client, project)
    assert response.status_code == 403 and Complaint.objects.count() == 0


def test_a_flood_from_one_address_is_stopped(client, project, settings):
    settings.COMPLAINTS_RATE_PER_ADDRESS = (3, 3600)
    statuses = [post(client, project).status_code for _ in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert Complaint.objects.count() == 3


def test_behind_the_sites_proxy_each_client_has_its_own_count(project, settings):
    settings.COMPLAINTS_RATE_PER_ADDRESS = (1, 3600)
    settings.TRUSTED_PROXY_HOPS = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    first = [post(Client(**proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"), project).status_code for n in (1, 2)]
    again = post(Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.1"), project).status_code
    assert first == [302, 302] and again == 429 and Complaint.objects.count() == 2


def test_a_flood_from_many_addresses_is_stopped_by_the_total(project, settings):
    settings.COMPLAINTS_RATE_TOTAL = (2, 3600)
    statuses = [post(Client(REMOTE_ADDR=f"10.0.0.{n}"), project).status_code for n in range(4)]
    assert statuses == [302, 302, 429, 429] and Complaint.objects.count() == 2


@pytest.mark.parametrize("reference", ["JY20260101AAAAAA", "nonsense", "JY2026" + "9" * 40, "jy20260101aaaaaa"])
def test_an_unknown_or_malformed_reference_is_not_found(client, reference):
    assert client.get(f"/complaints/{reference}/").status_code == 404


def test_the_status_page_shows_the_answer_once_given(client, project):
    from complaints.services import complaint_answer

    post(client, project)
    complaint = Complaint.objects.get()
    complaint_answer(complaint=complaint, answer="已核实：款项于三月拨付，票据已公开。")
    html = client.get(f"/complaints/{complaint.reference}/").content.decode()
    assert "办公室答复" in html and "票据已公开" in html and "（按时）" in html
    assert re.search(r"已答复 <strong>1</strong> 件，其中按时答复 <strong>1</strong>", client.get(project.url).content.decode())
