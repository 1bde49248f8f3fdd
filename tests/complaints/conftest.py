"""A project page and a campaign page in a real page tree, for the complaint form to sit on."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cms_pages.models import ProjectPage
from donations.models import CampaignPage


@pytest.fixture
def project(project_index):
    return project_index.add_child(instance=ProjectPage(title="壹元救护车志愿服务项目", slug="ambulance", summary="测试项目"))


@pytest.fixture
def campaign(project):
    return project.add_child(instance=CampaignPage(
        title="壹元救护车募捐", slug="give", intro="为救护车募捐", goal=Decimal("10000.00"),
        starts_on=timezone.localdate() - timedelta(days=10), ends_on=timezone.localdate() + timedelta(days=20),
        fundraiser_name="中国志愿服务基金会", fundraiser_uscc="TESTUSCC000000000X", qualification="测试资格",
        filing_number="TEST-FILING-1",
    ))


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
