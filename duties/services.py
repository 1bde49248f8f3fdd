"""Telling the fund office what is overdue or near due, by e-mail."""

from django.conf import settings
from django.core.mail import send_mail

from duties.registry import duty_board

__all__ = ["office_reminder_send", "office_reminder_text"]


def _line(duty, site):
    where = f"{site}{duty.subject.admin_url}" if duty.subject.admin_url else ""
    met = "" if duty.met_by is None else f"（上次：{duty.met_by.title}）"
    return f"- {duty.due_on:%Y-%m-%d} {duty.subject.title}：{duty.label}{met} {where}".rstrip()


def office_reminder_text(board) -> str:
    site = getattr(settings, "SITE_BASE_URL", "").rstrip("/")
    parts = [f"截至 {board['today']:%Y年%m月%d日} 的信息公开义务提醒。", ""]
    if board["overdue"]:
        parts += [f"已逾期（{len(board['overdue'])} 项）：", *(_line(d, site) for d in board["overdue"]), ""]
    if board["near"]:
        parts += [f"即将到期（{len(board['near'])} 项）：", *(_line(d, site) for d in board["near"]), ""]
    parts.append("公开后，页面上的公开义务和后台首页的提醒会自动更新。")
    return "\n".join(parts)


def office_reminder_send(*, today=None, recipients=None) -> int:
    """E-mail the office the overdue and near-due duties; returns how many were listed (nothing sent when none)."""
    recipients = list(recipients if recipients is not None else settings.DUTIES_OFFICE_EMAIL)
    board = duty_board(today=today)
    count = len(board["overdue"]) + len(board["near"])
    if not count or not recipients:
        return count if recipients else 0
    subject = f"信息公开提醒：{len(board['overdue'])} 项已逾期，{len(board['near'])} 项即将到期"
    send_mail(subject, office_reminder_text(board), settings.DEFAULT_FROM_EMAIL, recipients)
    return count
