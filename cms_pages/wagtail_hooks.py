"""Admin registrations: reference-data snippets and the disclosure-clock dashboard panel."""

from django.contrib import messages
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.models import Page
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from cms_pages.models import AnnualReportPage, Category, District, FigureRecord, Organisation, ReportHeadPin
from cms_pages.selectors import disclosure_overdue_projects
from duties.registry import drafter_for, duty_board


class OrganisationViewSet(SnippetViewSet):
    """Implementing organisations, searchable by name."""

    model = Organisation
    icon = "group"
    list_display = ["name", "unified_social_credit_code"]
    search_fields = ["name"]


class CategoryViewSet(SnippetViewSet):
    """Fields of work used to group projects and money."""

    model = Category
    icon = "tag"
    list_display = ["name", "slug", "sort_order"]


class DistrictViewSet(SnippetViewSet):
    """Districts and counties of the city."""

    model = District
    icon = "site"
    list_display = ["name", "slug", "sort_order"]


class ReferenceDataGroup(SnippetViewSetGroup):
    """One admin menu for the reference data projects point to."""

    items = (OrganisationViewSet, CategoryViewSet, DistrictViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = "项目资料"
    menu_name = "project-reference-data"


register_snippet(ReferenceDataGroup)


class OverdueDisclosurePanel(Component):
    """Running projects whose progress disclosure is over three months old."""

    name = "overdue_disclosures"
    order = 50

    def render_html(self, parent_context=None):
        projects = list(disclosure_overdue_projects()[:20])
        board = _duty_board_html(parent_context.get("request") if parent_context is not None else None)
        if not projects:
            return mark_safe('<section class="panel"><h2>信息公开提醒</h2><p>所有执行中的项目都已按时公开进展。</p>'  # noqa: S308
                             f"{board}</section>")
        rows = format_html_join(
            "", '<tr><td><a href="/admin/pages/{}/">{}</a></td><td>{}</td></tr>',
            ((p.pk, p.title, p.last_story_date or "从未公开") for p in projects),
        )
        return mark_safe(  # noqa: S308
            '<section class="panel"><h2>信息公开提醒：超过三个月未公开进展的项目</h2>'
            '<table class="listing"><thead><tr><th>项目</th><th>最近一次进展</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>{board}</section>"
        )


def _draft_button(duty, csrf_token):
    """A form that generates the draft disclosure for this duty from the ledger, where one is generated."""
    if drafter_for(duty.subject.kind, duty.kind) is None:
        return ""
    return format_html(
        '<form method="post" action="{}"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="subject_kind" value="{}"><input type="hidden" name="subject" value="{}">'
        '<input type="hidden" name="duty" value="{}"><button type="submit" class="button button-small">生成草稿</button></form>',
        reverse("duties_draft_create"), csrf_token, duty.subject.kind, duty.subject.pk, duty.kind,
    )


def _duty_board_html(request=None):
    """Every overdue and near-due duty of LAW.md's table, for campaigns, projects and the fund (escaped)."""
    board = duty_board()
    duties = [(d, "已逾期") for d in board["overdue"]] + [(d, "即将到期") for d in board["near"]]
    if not duties:
        return format_html("<h3>{}</h3><p>{}</p>", "法定公开义务", "没有逾期或即将到期的公开义务。")
    csrf_token = get_token(request) if request is not None else ""
    rows = format_html_join(
        "", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
        ((d.subject.admin_url or d.subject.url or "#", d.subject.title, d.label, d.due_on, status,
          _draft_button(d, csrf_token) if request is not None else "") for d, status in duties[:50]),
    )
    return format_html(
        '<h3>法定公开义务：已逾期 {} 项，即将到期 {} 项</h3><table class="listing"><thead><tr><th>对象</th><th>义务</th>'
        "<th>应于</th><th>状态</th><th>由账本生成公示</th></tr></thead><tbody>{}</tbody></table>",
        len(board["overdue"]), len(board["near"]), rows,
    )


@hooks.register("construct_homepage_panels")
def add_overdue_disclosure_panel(request, panels):
    panels.append(OverdueDisclosurePanel())


def _pages_with_figure_records(pages):
    """Those of ``pages`` that are, or contain, an annual report with a published-figure log or a pinned head."""
    return [
        page for page in pages
        if isinstance(page, Page) and any(
            model.objects.filter(page__in=AnnualReportPage.objects.filter(path__startswith=page.path)).exists()
            for model in (FigureRecord, ReportHeadPin)
        )
    ]


@hooks.register("before_delete_page")
def refuse_deleting_published_figures(request, page):
    # The figure log is append-only (rows PROTECT the report), so say why instead of failing.
    if _pages_with_figure_records([page]):
        messages.error(request, f"“{page.title}”含有已公布数字的年度报告，公布记录不可删除；如需下线，请取消发布。")
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_published_figures(request, action_type, objects, action_class_instance):
    if action_type == "delete" and (blocked := _pages_with_figure_records(objects)):
        titles = "、".join(p.title for p in blocked)
        messages.error(request, f"{titles} 含有已公布数字的年度报告，公布记录不可删除；如需下线，请取消发布。")
        return redirect("wagtailadmin_explore", blocked[0].get_parent().pk)
    return None
