"""Images with a consent record: many photos show children and elderly people."""

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.images.models import AbstractImage, AbstractRendition, Image


class FundImage(AbstractImage):
    """A photo or illustration, with who is shown and whether they agreed."""

    depicts_people = models.BooleanField(
        "画面中有可辨认的人", default=False,
        help_text="受益人常为儿童和老人：有可辨认的人时必须填写同意记录。",
    )
    consent_record = models.TextField(
        "肖像使用同意记录", blank=True,
        help_text="谁在何时以何种方式同意公开使用（如：监护人书面同意书，2021-05-01，存档编号）。",
    )
    is_illustration = models.BooleanField(
        "示意图", default=False, help_text="生成的示意图片，不是项目现场照片。"
    )
    credit = models.CharField("图片来源", max_length=255, blank=True)

    admin_form_fields = Image.admin_form_fields + (
        "depicts_people", "consent_record", "is_illustration", "credit",
    )

    class Meta(AbstractImage.Meta):
        verbose_name = "图片"
        verbose_name_plural = "图片"

    def clean(self):
        super().clean()
        if self.depicts_people and not self.consent_record.strip():
            raise ValidationError({"consent_record": "画面中有可辨认的人时，必须填写肖像使用同意记录。"})


class FundRendition(AbstractRendition):
    """A resized copy of a FundImage."""

    image = models.ForeignKey(FundImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)
