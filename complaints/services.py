"""Writes: a complaint received from the public form, the office's answer, and the flood guard."""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints import workdays
from complaints.models import Complaint

# Working days the office has to answer (2017 MCA platform standards; LAW.md, "Platform baselines").
ANSWER_WORKING_DAYS = 5
# No 0/O, 1/I: a reference read out over the phone is not misheard.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _reference(day) -> str:
    return f"JY{day:%Y%m%d}" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def complaint_due_on(received_on):
    """The last day for an answer: the fifth working day after the day it was received."""
    return workdays.working_days_after(received_on, ANSWER_WORKING_DAYS)


def complaint_submit(*, page, kind, content, name="", phone="", email="", now=None) -> Complaint:
    """Store a complaint about ``page``, start its clock, and acknowledge it by e-mail if one was given."""
    now = now or timezone.now()
    received_on = timezone.localdate(now)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                complaint = Complaint.objects.create(
                    reference=_reference(received_on), kind=kind, page=page, page_title=page.title[:255],
                    content=content, name=name, phone=phone, email=email,
                    received_at=now, due_on=complaint_due_on(received_on),
                )
            break
        except IntegrityError:  # the one-in-a-billion reference collision: draw again
            continue
    else:
        raise RuntimeError("无法生成唯一的受理编号。")
    if complaint.email:
        transaction.on_commit(lambda: _acknowledge(complaint))
    return complaint


def _acknowledge(complaint):
    send_mail(
        subject=f"已收到您的{complaint.get_kind_display()}（受理编号 {complaint.reference}）",
        message=(
            f"{complaint.name or '您好'}：\n\n我们已收到您关于“{complaint.page_title}”的{complaint.get_kind_display()}，"
            f"受理编号 {complaint.reference}。基金办公室将在 {complaint.due_on:%Y-%m-%d} 前答复"
            "（收到之日后五个工作日内）。凭受理编号可在网站上查看办理进度。\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[complaint.email], fail_silently=True,
    )


def complaint_answer(*, complaint: Complaint, answer: str, user=None, now=None) -> Complaint:
    """Record the office's answer (once; it is not changed afterwards) and e-mail it if an address was given."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "请填写答复内容。"})
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.answered_at is not None:
            raise ValidationError({"answer": "这条举报或意见已经答复过，答复不能修改。"})
        locked.answer, locked.answered_at, locked.answered_by = answer, now or timezone.now(), user
        locked.answer_emailed = bool(locked.email)
        locked.save(update_fields=["answer", "answered_at", "answered_by", "answer_emailed"])
    if locked.email:
        transaction.on_commit(lambda: _send_answer(locked))
    return locked


def _send_answer(complaint):
    send_mail(
        subject=f"对您的{complaint.get_kind_display()}的答复（受理编号 {complaint.reference}）",
        message=f"{complaint.name or '您好'}：\n\n关于“{complaint.page_title}”，基金办公室答复如下：\n\n{complaint.answer}\n",
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[complaint.email], fail_silently=True,
    )


def _count(key, window) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def complaint_guard_pass(*, address: str) -> bool:
    """Count one submission; False when this address, or everyone together, sent too many this hour.

    Two counters in the cache: per address (COMPLAINTS_RATE_PER_ADDRESS) and in total
    (COMPLAINTS_RATE_TOTAL), so a flood from many addresses cannot fill the office's list either.
    """
    per_address, window = settings.COMPLAINTS_RATE_PER_ADDRESS
    total, total_window = settings.COMPLAINTS_RATE_TOTAL
    slot = int(timezone.now().timestamp()) // window
    mine = _count(f"complaints:rate:{address}:{slot}", window)
    everyone = _count(f"complaints:rate:all:{int(timezone.now().timestamp()) // total_window}", total_window)
    return mine <= per_address and everyone <= total
