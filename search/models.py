"""What editors manage for search: sets of words that mean the same (applied at query time)."""

import re

from django.core.exceptions import ValidationError
from django.db import models

from search.analysis import normalise

_SEPARATORS = re.compile(r"[\s,，、;；/|]+")


def synonym_words(text):
    """The words of a set as typed by an editor (separated by spaces, commas, 、 or /), folded, in order."""
    return list(dict.fromkeys(word for word in (normalise(part) for part in _SEPARATORS.split(text or "")) if word))


class SynonymSet(models.Model):
    """Words that mean the same to someone searching: any one of them finds pages with any other."""

    words = models.CharField(
        "同义词", max_length=500,
        help_text="意思相同的词，用逗号、顿号或空格隔开，例如：自闭症、孤独症。修改后立即用于搜索，无需重建索引。",
    )
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "搜索同义词"
        verbose_name_plural = "搜索同义词"
        ordering = ["pk"]

    def __str__(self):
        return "、".join(synonym_words(self.words))

    def clean(self):
        if len(synonym_words(self.words)) < 2:
            raise ValidationError({"words": "一组同义词至少要有两个词。"})
