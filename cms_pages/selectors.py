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
    ProjectPage,
    ProjectStatus,
    ProjectStoryPage,
)
from fundsite.inputs import year_parse

# Chinese charity rules: running projects disclose progress at least every three months.
DISCLOSURE_INTERVAL_DAYS = 92


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
    return last_story_date + timedelta(days=DISCLOSURE_INTERVAL_DAYS)


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
    cutoff = today - timedelta(days=DISCLOSURE_INTERVAL_DAYS)
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
    """Headline counts, featured projects, latest stories and the latest report."""
    projects = ProjectPage.objects.live().public()
    counts = projects.aggregate(
        total=Count("pk"),
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
    """The published figures of a report, in their editorial order, and their public correction log."""
    figures = list(report.published_figures.all())
    return {
        "published_figures": figures,
        "corrections": list(report.figure_records.filter(is_correction=True).order_by("-recorded_at")),
    }


def figure_latest_values(report):
    """Each published figure's last recorded (amount, count), keyed by figure key."""
    latest = {}
    for record in report.figure_records.order_by("recorded_at", "pk"):
        latest[record.key] = (record.amount, record.count)
    return latest


def category_counts():
    """How many live projects each category has, for facets and the home page."""
    return Category.objects.annotate(
        live_projects=Count("projects", filter=Q(projects__live=True))
    ).filter(live_projects__gt=0)


__all__ = [
    "DISCLOSURE_INTERVAL_DAYS", "ProjectFilters", "annual_report_context", "category_counts",
    "disclosure_due_date", "disclosure_is_overdue", "disclosure_overdue_projects", "figure_latest_values", "home_context",
    "project_detail_context", "project_filter_options", "project_list", "project_stories", "story_context",
]
