"""The office's list of complaints (answer each within five working days) and the dashboard reminder."""

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList, Panel
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.model import ModelViewSet

from complaints import workdays
from complaints.admin_forms import ComplaintAnswerForm
from complaints.models import Complaint
from complaints.selectors import complaints_due_soon, complaints_overdue


class ClockPanel(Panel):
    """The complaint's reference, when it came, its due day and its state, above the read-only fields."""

    class BoundPanel(Panel.BoundPanel):
        def render_html(self, parent_context=None):
            complaint = self.instance
            if complaint.pk is None:
                return ""
            answered = f"{complaint.answered_at:%Y-%m-%d %H:%M}" if complaint.answered_at else "尚未答复"
            return format_html(
                '<div class="help-block help-info"><p>受理编号 <strong>{}</strong> · 收到 {} · '
                "答复期限 <strong>{}</strong>（收到之日后第五个工作日，跳过周末和法定节假日） · 状态：{} · 答复时间：{}</p>"
                "<p>答复记录后不能修改；提交人留了电子邮箱的，答复同时以邮件发送。</p></div>",
                complaint.reference, f"{timezone.localtime(complaint.received_at):%Y-%m-%d %H:%M}",
                f"{complaint.due_on:%Y-%m-%d}", complaint.clock_status(), answered,
            )


class ComplaintViewSet(ModelViewSet):
    """举报与意见: read each one, write its answer; none is created or deleted here."""

    model = Complaint
    url_prefix = "complaints"
    icon = "mail"
    menu_label = "举报与意见"
    menu_order = 270
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["reference", "kind", "page_title", "received_at", "due_on", "clock_status"]
    list_filter = ["kind"]
    search_fields = ["reference", "page_title", "content"]
    inspect_view_fields = ["reference", "kind", "page_title", "content", "name", "phone", "email",
                           "received_at", "due_on", "answer", "answered_at", "answered_by"]
    edit_handler = ObjectList([
        ClockPanel(),
        FieldPanel("kind", read_only=True), FieldPanel("page", read_only=True),
        FieldPanel("content", read_only=True), FieldPanel("name", read_only=True),
        FieldPanel("phone", read_only=True), FieldPanel("email", read_only=True),
        FieldPanel("answer"),
    ], base_form_class=ComplaintAnswerForm)

    def get_common_view_kwargs(self, **kwargs):
        # Complaints come from the public form only, and none is deleted.
        return super().get_common_view_kwargs(**{"add_url_name": None, "delete_url_name": None, **kwargs})

    def get_urlpatterns(self):
        return [p for p in super().get_urlpatterns() if p.name not in {"add", "delete", "copy"}]


@hooks.register("register_admin_viewset")
def register_complaint_viewset():
    return ComplaintViewSet("complaints_office")


class ComplaintClockPanel(Component):
    """Unanswered complaints on the dashboard: overdue first, then those still within their days."""

    name = "complaint_clock"
    order = 40

    def render_html(self, parent_context=None):
        overdue = list(complaints_overdue()[:20])
        due = list(complaints_due_soon()[:10])
        notice = workdays.table_notice(timezone.localdate())
        notice_html = format_html('<p class="help-block help-warning">{}</p>', notice) if notice else ""
        if not overdue and not due:
            return format_html('<section class="panel"><h2>{}</h2>{}<p>{}</p></section>',
                               "举报与意见", notice_html, "没有待答复的举报或意见。")
        rows = format_html_join(
            "", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
            ((reverse("complaints_office:edit", args=[c.pk]), c.reference, c.page_title, f"{c.due_on:%Y-%m-%d}", "已逾期" if c in overdue else "待答复")
             for c in overdue + due),
        )
        title = f"举报与意见：{len(overdue)} 件已逾期未答复" if overdue else "举报与意见：待答复"
        return format_html(
            '<section class="panel"><h2>{}</h2>{}<table class="listing"><thead><tr><th>受理编号</th><th>所涉页面</th>'
            "<th>答复期限</th><th>状态</th></tr></thead><tbody>{}</tbody></table></section>", title, notice_html, rows,
        )


@hooks.register("construct_homepage_panels")
def add_complaint_clock_panel(request, panels):
    if request.user.has_perm("complaints.change_complaint"):
        panels.append(ComplaintClockPanel())
