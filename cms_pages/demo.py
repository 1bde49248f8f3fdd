"""Demo content from the fund's published reports (fundsite/demo_data/fund_reports.json).

Only facts the reports state are presented as facts; inferred values are flagged as such,
progress stories say which report they retell, and generated pictures are marked as
illustrations. Loading twice changes nothing: every object is looked up before it is made.
"""

import hashlib
import io
from datetime import date
from decimal import Decimal

from django.core.files.images import ImageFile
from wagtail.models import Page, Site

from cms_pages.models import (
    AnnualReportPage,
    Category,
    DisclosureIndexPage,
    District,
    FundImage,
    FundSettings,
    HomeFeaturedProject,
    HomePage,
    Organisation,
    ProjectIndexPage,
    ProjectOrigin,
    ProjectPage,
    ProjectStatus,
    ProjectStoryPage,
    PublishedFigure,
    StandardPage,
    StoryKind,
)

CATEGORY_SLUGS = {
    "平台建设": "platform", "文明交通": "civic-traffic", "关爱老人": "elderly", "关爱儿童": "children",
    "文化传承": "heritage", "健康宣传": "health", "文明实践平台": "civic-practice", "生态环保": "environment",
    "安全教育": "safety", "关爱服务": "care", "文化宣传": "culture", "应急救灾": "disaster-relief",
    "激励回馈": "volunteer-rewards", "医疗救护": "medical",
}
DISTRICT_SLUGS = {
    "小店区": "xiaodian", "迎泽区": "yingze", "杏花岭区": "xinghualing", "尖草坪区": "jiancaoping",
    "万柏林区": "wanbailin", "晋源区": "jinyuan", "清徐县": "qingxu", "阳曲县": "yangqu",
    "娄烦县": "loufan", "古交市": "gujiao",
}
STATUS_BY_LABEL = {label: value for value, label in ProjectStatus.choices}
FIGURE_LABELS = {
    "intersections": ("服务交通路口", "个"),
    "stations": ("城市爱心驿站", "个"),
    "households": ("帮扶失独、孤寡家庭", "户"),
    "home_visits": ("入户服务", "次"),
    "points_per_yuan": ("爱心积分兑换", "分兑 1 元"),
    "posts": ("文明交通示范岗", "个"),
}
PUBLISHED_FIGURE_LABELS = {
    "raised": "年度募集资金",
    "applications_received": "收到项目申报",
    "projects_approved": "立项项目",
    "approved_amount": "立项资助金额",
    "disbursed": "已拨付资金",
    "social_org_applications": "社会组织申报项目",
    "social_org_projects_approved": "社会组织项目立项",
    "social_org_projects_closed": "社会组织项目结项",
    "project_spending_2020_2021": "2020—2021 年项目支出",
    "payable_unpaid": "已立项未支付（应付款）",
    "projects_executed": "执行项目",
    "projects_from_2020": "其中 2020 年度项目",
    "projects_from_2021": "其中 2021 年度项目",
    "projects_closed": "已结项项目",
    "projects_ongoing": "在执行项目",
}
CATEGORY_FIGURE_KEYS = {"关爱老人": "invested-elderly", "关爱儿童": "invested-children"}
# The renditions the public templates ask for (includes/picture.html and OpenGraph), made once
# by the loader so the first visitor does not wait for them.
TEMPLATE_RENDITIONS = [
    f"format-{fmt}|fill-{size}" for fmt in ("webp", "jpeg") for size in ("400x267", "800x533", "1200x800")
] + ["fill-1200x630|format-jpeg"]
# Palette for generated illustrations, one hue per category.
PALETTE = ["#b3261e", "#0969da", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7f86", "#cf222e"]


def report_source(report):
    return f"《{report['title']}》"


def load(context, stdout):
    """Load the fund's content; fills ``context`` for the loaders that follow."""
    facts = context["facts"]
    fund = facts["fund"]
    home = _home(fund)
    _fund_settings(home, fund)
    categories = _categories(facts)
    districts = _districts(fund)
    organisations = _organisations(facts)
    images = _illustrations(categories)
    project_index = _child(home, ProjectIndexPage, "projects", title="资助项目",
                           intro="基金资助的每一个志愿服务项目：做什么、谁来做、在哪里、进展如何、钱花在哪里。")
    disclosure_index = _child(home, DisclosureIndexPage, "disclosure", title="信息公开",
                              intro="基金的年度报告、财务数据和项目公示。数字由资金账本计算，并与当年公布的数字对照。")
    _about_page(home, fund)

    projects = {}
    for report in facts["reports"]:
        for number, item in enumerate(report["projects"], start=1):
            project = _project(project_index, report, number, item, categories, districts, organisations, images)
            projects[item["name"]] = project
            _stories(project, report, item)
    reports = {r["year"]: _annual_report(disclosure_index, r) for r in facts["reports"]}
    _featured(home, projects, facts)

    context.update(home=home, project_index=project_index, disclosure_index=disclosure_index,
                   projects=projects, reports=reports, categories=categories, districts=districts)
    stdout.write(f"内容：{len(projects)} 个项目，{len(reports)} 份年度报告。")


def _home(fund):
    existing = HomePage.objects.first()
    if existing:
        return existing
    root = Page.get_first_root_node()
    # Wagtail's placeholder welcome page has no place in the fund's site; deleting it
    # also deletes the default Site that pointed at it, which is made anew below.
    for welcome in root.get_children().filter(content_type__model="page", content_type__app_label="wagtailcore"):
        if not welcome.get_children().exists():
            welcome.delete()
    home = root.add_child(instance=HomePage(
        title=fund["name"], slug="home",
        tagline="公开每一个资助项目和每一笔钱的去向",
        purpose=f"<p>{fund['purpose']}</p>",
    ))
    home.save_revision().publish()
    Site.objects.filter(is_default_site=True).update(is_default_site=False)
    Site.objects.update_or_create(
        hostname="localhost", port=80,
        defaults={"root_page": home, "is_default_site": True, "site_name": fund["name"]},
    )
    return home


def _fund_settings(home, fund):
    site = Site.objects.get(is_default_site=True)
    settings = FundSettings.for_site(site)
    if settings.fund_full_name:
        return settings
    settings.fund_name = fund["name"]
    settings.fund_full_name = fund["full_name"]
    settings.office = fund["office"]
    settings.executing_unit = fund["executing_unit"]
    settings.guided_by = "、".join(fund["guided_by"])
    settings.foundation_name = "中国志愿服务基金会"
    settings.first_year = fund["first_year"]
    settings.save()
    return settings


def _categories(facts):
    names = []
    for report in facts["reports"]:
        names += [p["category"] for p in report["projects"]]
    result = {}
    for order, name in enumerate(dict.fromkeys(names)):
        result[name], _ = Category.objects.get_or_create(
            name=name, defaults={"slug": CATEGORY_SLUGS[name], "sort_order": order}
        )
    return result


def _districts(fund):
    return {
        name: District.objects.get_or_create(name=name, defaults={"slug": DISTRICT_SLUGS[name], "sort_order": i})[0]
        for i, name in enumerate(fund["districts"])
    }


def _organisations(facts):
    names = {p["organization"] for r in facts["reports"] for p in r["projects"] if p.get("organization")}
    return {name: Organisation.objects.get_or_create(name=name)[0] for name in sorted(names)}


def _illustrations(categories):
    """One generated, clearly labelled illustration per category (no photos of real people)."""
    images = {}
    for index, (name, category) in enumerate(categories.items()):
        title = f"示意图：{name}"
        image = FundImage.objects.filter(title=title).first()
        if image is None:
            image = FundImage(
                title=title, is_illustration=True, depicts_people=False,
                credit="系统生成的示意图，不是项目现场照片",
                file=ImageFile(_illustration_png(index, category.slug), name=f"illustration-{category.slug}.png"),
            )
            image.save()
            image.get_renditions(*TEMPLATE_RENDITIONS)
        images[name] = image
    return images


def _illustration_png(index, seed):
    """A deterministic abstract pattern: circles and bands in the category's hue."""
    from PIL import Image, ImageDraw

    colour = PALETTE[index % len(PALETTE)]
    digest = hashlib.sha256(seed.encode()).digest()
    canvas = Image.new("RGB", (1200, 800), "#f6f8fa")
    draw = ImageDraw.Draw(canvas)
    draw.rectangle([0, 560, 1200, 800], fill=colour)
    for i in range(6):
        x, y, r = digest[i] * 4 + 40, digest[i + 6] * 2 + 60, digest[i + 12] // 3 + 40
        draw.ellipse([x - r, y - r, x + r, y + r], outline=colour, width=10)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    buffer.seek(0)
    return buffer


def _child(parent, model, slug, **fields):
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    page = parent.add_child(instance=model(slug=slug, **fields))
    page.save_revision().publish()
    return page


def _about_page(home, fund):
    body = [
        ("text", f"<p>{fund['full_name']}设立于 {fund['first_year']} 年，由{'、'.join(fund['guided_by'])}指导，"
                 f"{fund['executing_unit']}执行，日常工作由{fund['office']}承担。</p>"
                 f"<h2>基金宗旨</h2><p>{fund['purpose']}</p>"
                 f"<h2>服务范围</h2><p>{'、'.join(fund['districts'])}。</p>"),
    ]
    return _child(home, StandardPage, "about", title="关于基金", intro="基金是谁、做什么、怎样使用善款。", body=body)


def _project(index, report, number, item, categories, districts, organisations, images):
    slug = f"p{report['year']}-{number:02d}"
    existing = ProjectPage.objects.child_of(index).filter(slug=slug).first()
    if existing:
        return existing
    status = STATUS_BY_LABEL.get(item.get("status")) or ProjectStatus.APPROVED
    cohort = item.get("cohort") or report["year"]
    category = categories[item["category"]]
    summary = item.get("summary") or _summary_without_details(item, cohort, status)
    page = ProjectPage(
        title=item["name"], slug=slug, summary=summary,
        category=category,
        district=districts.get(item.get("district")),
        organisation=organisations.get(item.get("organization")),
        organisation_inferred=bool(item.get("organization_inferred")),
        cohort_year=cohort,
        # The 2019 report lists projects without their cohort; 2019 is the report's year.
        cohort_year_inferred=bool(item.get("cohort_inferred")) or "cohort" not in item,
        status=status,
        origin={"fund_initiated": ProjectOrigin.FUND, "social_org": ProjectOrigin.SOCIAL_ORG}.get(item.get("kind"), ""),
        beneficiaries=(item.get("numbers") or {}).get("beneficiaries"),
        key_figures=_key_figures(item),
        body=_project_body(item, report),
        hero_image=images[item["category"]],
        source_note=report_source(report),
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def _summary_without_details(item, cohort, status):
    where = item.get("district") or "太原市"
    return (f"{where}{item['category']}类志愿服务项目，{cohort} 年度立项，"
            f"{ProjectStatus(status).label}。年度报告未载明项目详情。")


def _key_figures(item):
    figures = []
    for key, value in (item.get("numbers") or {}).items():
        if key in FIGURE_LABELS:
            label, unit = FIGURE_LABELS[key]
            figures.append(("figure", {"label": label, "value": str(value), "unit": unit}))
    return figures


def _project_body(item, report):
    paragraphs = []
    if item.get("summary"):
        paragraphs.append(f"<p>{item['summary']}</p>")
    campaign = item.get("campaign") or {}
    if campaign.get("raised_to_date"):
        raised = f"{Decimal(campaign['raised_to_date']):,.2f}"
        goal = f"，目标 {Decimal(campaign['goal']):,.2f} 元" if campaign.get("goal") else ""
        platform = f"（{campaign['platform']}）" if campaign.get("platform") else ""
        launched = f"，{campaign['launched_on']} 上线" if campaign.get("launched_on") else ""
        paragraphs.append(f"<p>募捐情况{platform}：截至报告时已募集 {raised} 元{goal}{launched}。</p>")
    if campaign.get("ends_on"):
        paragraphs.append(f"<p>募捐截止日期：{campaign['ends_on']}。</p>")
    if item.get("payable_unpaid"):
        paragraphs.append(f"<p>报告载明：本项目尚有已立项未支付款项 {Decimal(item['payable_unpaid']):,.2f} 元。</p>")
    paragraphs.append(f"<p class=\"muted\">以上信息摘自{report_source(report)}。</p>")
    return [("text", "".join(paragraphs))]


def _stories(project, report, item):
    """One story per project, retelling what the report says about it."""
    if ProjectStoryPage.objects.child_of(project).exists():
        return
    year = report["year"]
    published = date.fromisoformat(report["published_on"]) if report.get("published_on") else date(year, 12, 31)
    closed = project.status in (ProjectStatus.CLOSED, ProjectStatus.EVALUATED)
    kind = StoryKind.CLOSING if closed else StoryKind.PROGRESS
    if item.get("summary"):
        summary = f"{year} 年度报告记录的进展：{item['summary']}"
    elif closed:
        summary = f"{year} 年度报告确认本项目已结项。"
    else:
        summary = f"{year} 年度报告记录本项目{project.get_status_display()}。"
    date_note = "" if report.get("published_on") else "报告未载明发布日期，本文日期取报告所属年度末。"
    body = [("text", f"<p>{summary}</p><p>项目类别：{project.category.name}；项目状态：{project.get_status_display()}。</p>"
                     f"<p class=\"muted\">本文依据{report_source(report)}整理。{date_note}</p>")]
    story = ProjectStoryPage(
        title=f"{year} 年度{'结项' if closed else '进展'}：{project.title}"[:255],
        slug=f"report-{year}", date=published, kind=kind, summary=summary, body=body,
        source_note=report_source(report),
    )
    project.add_child(instance=story)
    story.save_revision().publish()


def _annual_report(index, report):
    year = report["year"]
    existing = AnnualReportPage.objects.filter(year=year).first()
    if existing:
        return existing
    figures = report["figures"]
    page = AnnualReportPage(
        title=report["title"], slug=str(year), year=year,
        published_on=date.fromisoformat(report["published_on"]) if report.get("published_on") else None,
        summary=_report_summary(report),
        body=[("text", _report_narrative(report))],
        review_process="—".join(report.get("review_process", [])),
        work_mode=report.get("work_mode", ""),
        shortcomings=_html_list(report.get("shortcomings", [])),
        improvements=_html_list(report.get("improvements", [])),
    )
    order = 0
    for key, value in figures.items():
        is_money = isinstance(value, str)
        page.published_figures.add(PublishedFigure(
            key=key.replace("_", "-"), label=PUBLISHED_FIGURE_LABELS.get(key, key), sort_order=order,
            amount=Decimal(value) if is_money else None, count=None if is_money else value,
        ))
        order += 1
    for item in report.get("category_totals", []):
        page.published_figures.add(PublishedFigure(
            key=CATEGORY_FIGURE_KEYS[item["category"]], label=f"{item['category']}类项目投入",
            amount=Decimal(item["invested"]), count=item["projects"], sort_order=order,
        ))
        order += 1
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def _report_summary(report):
    f = report["figures"]
    if report["year"] == 2019:
        return (f"2019 年基金募集 {Decimal(f['raised']):,.2f} 元，收到项目申报 {f['applications_received']} 个，"
                f"立项 {f['projects_approved']} 个，资助 {Decimal(f['approved_amount']):,.2f} 元，"
                f"已拨付 {Decimal(f['disbursed']):,.2f} 元。")
    return (f"{report['year']} 年基金募集 {Decimal(f['raised']):,.2f} 元；2020—2021 年项目支出 "
            f"{Decimal(f['project_spending_2020_2021']):,.2f} 元，已立项未支付 {Decimal(f['payable_unpaid']):,.2f} 元；"
            f"执行项目 {f['projects_executed']} 个，其中已结项 {f['projects_closed']} 个、在执行 {f['projects_ongoing']} 个。")


def _report_narrative(report):
    parts = [f"<p>{_report_summary(report)}</p>"]
    if report.get("work_mode"):
        parts.append(f"<p>工作模式：{report['work_mode']}。</p>")
    if report.get("review_process"):
        parts.append(f"<p>项目经过{'、'.join(report['review_process'])}。</p>")
    categories = {}
    for p in report["projects"]:
        categories.setdefault(p["category"], 0)
        categories[p["category"]] += 1
    listing = "、".join(f"{name} {count} 个" for name, count in categories.items())
    parts.append(f"<p>报告列出的项目按类别：{listing}。</p>")
    parts.append(f"<p class=\"muted\">本页依据{report_source(report)}整理；金额由报告中的“万元”精确换算为元。</p>")
    return "".join(parts)


def _html_list(items):
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>" if items else ""


def _featured(home, projects, facts):
    if home.featured_projects.exists():
        return
    running_2021 = [p for p in projects.values() if p.cohort_year == 2021 and p.status == ProjectStatus.RUNNING]
    for order, project in enumerate(running_2021[:3]):
        HomeFeaturedProject.objects.create(page=home, project=project, sort_order=order)


def pin_reports(context, stdout):
    """Pin each demo report to the signed head of the ledger as it stood once that year's entries were in.

    Runs after the ledger's loader: the reports were published before the ledger existed, so they
    pin here the head the fund would have pinned on publishing them (the entries dated up to the
    report's year end). Pinning the same head again records nothing, so loading twice changes nothing.
    """
    from django.db.models import Max

    from cms_pages.heads import report_head_pin
    from ledger.models import LedgerEntry

    pinned = []
    for year, report in sorted(context["reports"].items()):
        size = LedgerEntry.objects.filter(occurred_on__lte=date(year, 12, 31)).aggregate(last=Max("id"))["last"]
        if size:
            pinned.append(report_head_pin(
                report=report, size=size, note=f"演示内容：按 {year} 年度记录全部入账后的日志规模锁定。",
            ))
    stdout.write(f"年度报告锁定树头：{', '.join(str(p.size) for p in pinned)}。")
