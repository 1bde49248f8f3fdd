"""Reference data shared by many pages: organisations, categories, districts."""

from django.core.validators import RegexValidator
from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

# GB 32100-2015: 18 characters of digits and capitals without I, O, S, V, Z.
USCC_VALIDATOR = RegexValidator(
    r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    "统一社会信用代码应为 18 位数字或大写字母。",
)


class Organisation(index.Indexed, models.Model):
    """An organisation that carries out funded projects."""

    name = models.CharField("名称", max_length=200, unique=True)
    unified_social_credit_code = models.CharField(
        "统一社会信用代码", max_length=18, blank=True, validators=[USCC_VALIDATOR]
    )
    description = models.TextField("简介", blank=True)
    website = models.URLField("网站", blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("unified_social_credit_code"),
        FieldPanel("description"),
        FieldPanel("website"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = "执行机构"
        verbose_name_plural = "执行机构"
        ordering = ["name"]

    def __str__(self):
        return self.name


class ReferenceTerm(models.Model):
    """A named, slugged, ordered term that projects are grouped and filtered by."""

    name = models.CharField("名称", max_length=50, unique=True)
    slug = models.SlugField("网址标识", max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("sort_order")]

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Category(ReferenceTerm):
    """A field of work (关爱老人, 文明交通 …) used to group projects and money."""

    class Meta(ReferenceTerm.Meta):
        verbose_name = "项目类别"
        verbose_name_plural = "项目类别"


class District(ReferenceTerm):
    """A district or county of the city where a project works."""

    class Meta(ReferenceTerm.Meta):
        verbose_name = "区县"
        verbose_name_plural = "区县"
