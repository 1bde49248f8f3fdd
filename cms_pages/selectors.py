"""Reads for the public pages: filtering projects, a project's stories, home-page counts.

Every function here runs a bounded number of queries whatever the amount of content.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from cms_pages.models import (
    AnnualReportPage,
    Category,
    District,
    FigureAction,
    FigureRecord,
    ProjectPage,
    ProjectStatus,
    ProjectStoryPage,
)
from duties.rules import add_months
from fundsite.inputs import year_parse

# Chinese charity rules: running projects disclose progress at least every three months
# (calendar months, as every clock in duties.rules counts them). Kept for callers of the old name.
DISCLOSURE_INTERVAL_DAYS = 92
DISCLOSURE_INTERVAL_MONTHS = 3


@dataclass
class ProjectFilters:
    """The project-index filters a visitor chose, already validated."""

    year: int | None = None
    category: Category | None = None
    district: District | None = None
    status: str | None = None
    years: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    districts: list = field(default_factory=list)
    statuses: list = field(default_factory=list)

    @property
    def active(self):
        return any(v is not None for v in (self.year, self.category, self.district, self.status))

    def querystring(self, **changes):
        """The filters as a URL query, with ``changes`` applied (None removes one)."""
        from urllib.parse import urlencode

        values = {
            "year": self.year,
            "category": self.category.slug if self.category else None,
            "district": self.district.slug if self.district else None,
            "status": self.status,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def project_filter_options(params):
    """Validate the index page's query parameters; unknown values are dropped with a message."""
    errors = []
    categories = list(Category.objects.all())
    districts = list(District.objects.all())
    years = sorted(
        {y for y in ProjectPage.objects.live().values_list("cohort_year", flat=True) if y}, reverse=True
    )
    filters = ProjectFilters(
        years=years, categories=categories, districts=districts, statuses=list(ProjectStatus.choices)
    )

    raw_year = params.get("year", "").strip()
    if raw_year:
        try:
            # ASCII digits only: "²²²²".isdigit() is true, yet int() refuses it.
            filters.year = year_parse(raw_year, low=1000, high=9999)
        except ValidationError:
            errors.append(f"年度“{raw_year[:20]}”无效，应为四位数字，已忽略。")
    raw_category = params.get("category", "").strip()
    if raw_category:
        filters.category = next((c for c in categories if c.slug == raw_category), None)
        if filters.category is None:
            errors.append(f"没有类别“{raw_category[:20]}”，已忽略。")
    raw_district = params.get("district", "").strip()
    if raw_district:
        filters.district = next((d for d in districts if d.slug == raw_district), None)
        if filters.district is None:
            errors.append(f"没有区县“{raw_district[:20]}”，已忽略。")
    raw_status = params.get("status", "").strip()
    if raw_status:
        if raw_status in ProjectStatus.values:
            filters.status = raw_status
        else:
            errors.append(f"没有状态“{raw_status[:20]}”，已忽略。")
    return filters, errors


def project_list(*, index_page=None, filters=None):
    """Live projects, newest cohort first, narrowed by ``filters``."""
    projects = ProjectPage.objects.live().public()
    if index_page is not None:
        projects = projects.child_of(index_page)
    if filters is not None:
        if filters.year:
            projects = projects.filter(cohort_year=filters.year)
        if filters.category:
            projects = projects.filter(category=filters.category)
        if filters.district:
            projects = projects.filter(district=filters.district)
        if filters.status:
            projects = projects.filter(status=filters.status)
    return (
        projects.select_related("category", "district", "organisation", "hero_image")
        .prefetch_related("hero_image__renditions")
        .order_by("-cohort_year", "path")
    )


def project_stories(project):
    """A project's live stories, newest first, with their cover images ready to render."""
    return (
        ProjectStoryPage.objects.child_of(project).live().public()
        .select_related("cover_image")
        .prefetch_related("cover_image__renditions")
        .order_by("-date", "-pk")
    )


def disclosure_due_date(last_story_date):
    """The day a running project's next progress disclosure falls due (every three months)."""
    if last_story_date is None:
        return None
    return add_months(last_story_date, DISCLOSURE_INTERVAL_MONTHS)


def _disclosure_cutoff(today):
    """The earliest last-story day that is not yet overdue today: due(day) >= today exactly from it on."""
    day = add_months(today, -DISCLOSURE_INTERVAL_MONTHS)
    while disclosure_due_date(day) < today:
        day += timedelta(days=1)
    while disclosure_due_date(day - timedelta(days=1)) >= today:
        day -= timedelta(days=1)
    return day


def disclosure_is_overdue(project, last_story_date, *, today=None):
    """Running projects must disclose progress at least every three months."""
    if project.status != ProjectStatus.RUNNING:
        return False
    today = today or timezone.localdate()
    if last_story_date is None:
        return True
    return disclosure_due_date(last_story_date) < today


def disclosure_overdue_projects(*, today=None):
    """Running projects whose last progress story is over three months old, most overdue first."""
    today = today or timezone.localdate()
    last_story = (
        ProjectStoryPage.objects.live().filter(path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1)
        .order_by("-date").values("date")[:1]
    )
    cutoff = _disclosure_cutoff(today)
    return (
        ProjectPage.objects.live().filter(status=ProjectStatus.RUNNING)
        .annotate(last_story_date=Subquery(last_story))
        .filter(Q(last_story_date__lt=cutoff) | Q(last_story_date__isnull=True))
        .order_by(F("last_story_date").asc(nulls_first=True), "title")
    )


def project_detail_context(project):
    """Everything a project page shows besides its own fields."""
    stories = list(project_stories(project))
    gallery = list(
        project.gallery_images.select_related("image").prefetch_related("image__renditions")
    )
    last_story_date = stories[0].date if stories else None
    return {
        "stories": stories,
        "last_story_date": last_story_date,
        "disclosure_overdue": disclosure_is_overdue(project, last_story_date),
        "gallery": gallery,
        "og_image": project.hero_image,
    }


def story_context(story):
    """A story page shows which project it belongs to."""
    return {"project": story.get_parent().specific, "og_image": story.cover_image, "og_type": "article"}


def home_context(home):
    """Headline counts, featured projects, latest stories and the latest report.

    The status counts (申报中, 已立项, 执行中, 已结项 with 结项评估) add up to the total.
    """
    projects = ProjectPage.objects.live().public()
    counts = projects.aggregate(
        total=Count("pk"),
        applying=Count("pk", filter=Q(status=ProjectStatus.APPLYING)),
        approved=Count("pk", filter=Q(status=ProjectStatus.APPROVED)),
        running=Count("pk", filter=Q(status=ProjectStatus.RUNNING)),
        closed=Count("pk", filter=Q(status__in=[ProjectStatus.CLOSED, ProjectStatus.EVALUATED])),
        beneficiaries=Sum("beneficiaries"),
    )
    counts["organisations"] = projects.exclude(organisation=None).values("organisation").distinct().count()
    featured = [
        item.project for item in home.featured_projects.select_related(
            "project", "project__category", "project__district", "project__hero_image"
        ).prefetch_related("project__hero_image__renditions")
        if item.project.live
    ]
    latest_stories = (
        ProjectStoryPage.objects.live().public()
        .select_related("cover_image").prefetch_related("cover_image__renditions")
        .order_by("-date", "-pk")[:6]
    )
    latest_report = AnnualReportPage.objects.live().public().order_by("-year").first()
    return {
        "counts": counts,
        "featured_projects": featured,
        "latest_stories": latest_stories,
        "latest_report": latest_report,
    }


def annual_report_context(report):
    """The published figures of a report, in their editorial order, and their public change log."""
    figures = list(report.published_figures.all())
    latest = figure_latest_states(report=report)
    # A shown figure that differs from the log was changed by some path that left no trace: say so.
    untraced = [
        f for f in figures
        if f.key not in latest or latest[f.key].action == FigureAction.DELETED
        or (latest[f.key].label, latest[f.key].amount, latest[f.key].count) != (f.label, f.amount, f.count)
    ] if latest else []
    history = (
        report.figure_records.exclude(action=FigureAction.PUBLISHED)
        .select_related("recorded_by").prefetch_related("recorded_by__groups")
        .order_by("-recorded_at", "-pk")
    )
    return {"published_figures": figures, "corrections": list(history), "untraced_figures": untraced}


@dataclass
class FigureChange:
    """What one publication would do to one figure, compared with the record log."""

    key: str
    action: str
    label: str = ""
    amount: object = None
    count: object = None
    old_label: str = ""
    old_amount: object = None
    old_count: object = None

    @property
    def needs_reason(self):
        return self.action != FigureAction.PUBLISHED

    @property
    def action_label(self):
        return FigureAction(self.action).label


def figure_latest_states(*, report):
    """Each figure key's newest record (a withdrawn figure's is its withdrawal)."""
    latest = {}
    if report.pk is None:
        return latest
    for record in FigureRecord.objects.filter(page_id=report.pk).order_by("recorded_at", "pk"):
        latest[record.key] = record
    return latest


def figure_latest_record_id(*, report):
    """The id of the report's newest figure record, or None before its first publication."""
    if report.pk is None:
        return None
    return FigureRecord.objects.filter(page_id=report.pk).order_by("-pk").values_list("pk", flat=True).first()


def figure_reason_is_pending(*, report):
    """Whether the report's correction reason was written against the log as it stands (not yet used)."""
    return bool(report.correction_reason) and report.correction_basis == figure_latest_record_id(report=report)


def figure_changes(*, report, figures):
    """Compare figures about to be published (dicts of key, label, amount, count) with the record log."""
    latest = figure_latest_states(report=report)
    first_publication = not latest
    changes, seen = [], set()
    for figure in figures:
        key = figure["key"]
        seen.add(key)
        new = (figure.get("label", ""), figure.get("amount"), figure.get("count"))
        record = latest.get(key)
        if record is None or record.action == FigureAction.DELETED:
            action = FigureAction.PUBLISHED if first_publication else FigureAction.ADDED
            old = ("", None, None)
        else:
            old = (record.label, record.amount, record.count)
            if old == new:
                continue
            action = FigureAction.RENAMED if old[1:] == new[1:] else FigureAction.CORRECTED
        changes.append(FigureChange(key, action, *new, *old))
    for key, record in latest.items():
        if key not in seen and record.action != FigureAction.DELETED:
            changes.append(FigureChange(
                key, FigureAction.DELETED, label="", old_label=record.label,
                old_amount=record.amount, old_count=record.count,
            ))
    return changes


def category_counts():
    """How many live projects each category has, for facets and the home page."""
    return Category.objects.annotate(
        live_projects=Count("projects", filter=Q(projects__live=True))
    ).filter(live_projects__gt=0)


__all__ = [
    "DISCLOSURE_INTERVAL_DAYS", "ProjectFilters", "annual_report_context", "category_counts",
    "disclosure_due_date", "disclosure_is_overdue", "disclosure_overdue_projects", "FigureChange", "figure_changes", "figure_latest_record_id",
    "figure_latest_states", "figure_reason_is_pending", "home_context",
    "project_detail_context", "project_filter_options", "project_list", "project_stories", "story_context",
]
