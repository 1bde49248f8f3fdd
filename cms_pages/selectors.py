"""Reads for the public pages: filtering projects, a project's stories, home-page counts.

Every function here runs a bounded number of queries whatever the amount of content.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from cms_pages.models import (
    AnnualReportPage,
    Category,
    District,
    ProjectPage,
    ProjectStatus,
    ProjectStoryPage,
)


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
        if raw_year.isdigit() and len(raw_year) == 4:
            filters.year = int(raw_year)
        else:
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


def project_detail_context(project):
    """Everything a project page shows besides its own fields."""
    stories = list(project_stories(project))
    gallery = list(
        project.gallery_images.select_related("image").prefetch_related("image__renditions")
    )
    return {
        "stories": stories,
        "last_story_date": stories[0].date if stories else None,
        "gallery": gallery,
    }


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
    """The published figures of a report, in their editorial order."""
    return {"published_figures": list(report.published_figures.all())}


def category_counts():
    """How many live projects each category has, for facets and the home page."""
    return Category.objects.annotate(
        live_projects=Count("projects", filter=Q(projects__live=True))
    ).filter(live_projects__gt=0)


__all__ = [
    "ProjectFilters", "annual_report_context", "category_counts", "home_context",
    "project_detail_context", "project_filter_options", "project_list", "project_stories",
]
