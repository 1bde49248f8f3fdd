"""Builders for content tests: projects, stories and real image files."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.images import ImageFile
from PIL import Image

from cms_pages.models import Category, District, FundImage, ProjectPage, ProjectStatus, ProjectStoryPage


def make_png(width=64, height=48, colour="#b3261e"):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


@pytest.fixture
def make_image(db):
    def factory(title="照片", **fields):
        image = FundImage(title=title, file=ImageFile(make_png(), name="photo.png"), **fields)
        image.save()
        return image

    return factory


@pytest.fixture
def category(db):
    return Category.objects.create(name="关爱老人", slug="elderly")


@pytest.fixture
def district(db):
    return District.objects.create(name="清徐县", slug="qingxu")


@pytest.fixture
def make_project(project_index, category):
    def factory(title="测试项目", **fields):
        fields.setdefault("summary", "一个测试项目。")
        fields.setdefault("category", category)
        fields.setdefault("status", ProjectStatus.RUNNING)
        page = project_index.add_child(instance=ProjectPage(title=title, **fields))
        page.save_revision().publish()
        return page

    return factory


@pytest.fixture
def make_story():
    def factory(project, *, days_ago=0, title=None, **fields):
        story_date = date.today() - timedelta(days=days_ago)
        story = project.add_child(instance=ProjectStoryPage(
            title=title or f"进展 {story_date}", date=story_date, summary="进展摘要", **fields
        ))
        story.save_revision().publish()
        return story

    return factory
