"""Projects, campaigns and ledger money for the disclosure-duty tests, built as staff would."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cms_pages.models import ProjectPage, ProjectStatus
from donations.models import CampaignPage
from ledger.models import EntryKind
from ledger.services import entry_record


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def make_project(project_index, disclosure_index):
    def factory(title="社区助老服务项目", **fields):
        fields.setdefault("summary", "测试项目")
        fields.setdefault("status", ProjectStatus.RUNNING)
        page = project_index.add_child(instance=ProjectPage(title=title, **fields))
        page.save_revision().publish()
        return page

    return factory


@pytest.fixture
def make_campaign():
    def factory(parent, *, starts_on, ends_on=None, title="助老募捐", **fields):
        page = parent.add_child(instance=CampaignPage(
            title=title, intro="为助老募捐", goal=Decimal("10000.00"), starts_on=starts_on, ends_on=ends_on,
            fundraiser_name="中国志愿服务基金会", filing_number="TEST-FILING-1", **fields,
        ))
        page.save_revision().publish()
        return page

    return factory


def money(project, kind, amount, day, memo="资助"):
    return entry_record(kind=kind, amount=Decimal(amount), occurred_on=day, memo=memo, project_id=project.pk)


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("office", "office@example.org", "pw")


def offline_gift(campaign, staff, amount, day):
    """A bank transfer entered by finance staff, received on ``day``."""
    from datetime import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from wagtail.documents.models import Document

    from donations.services import offline_donation_record

    voucher = Document.objects.create(title="银行回单", file=SimpleUploadedFile("v.pdf", b"%PDF-1.4"))
    received = timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=12))
    return offline_donation_record(campaign=campaign, amount=Decimal(amount), bank_reference=f"BK-{amount}-{day}",
                                   voucher=voucher, recorded_by=staff, received_at=received, donor_name="王五")


__all__ = ["EntryKind", "money", "offline_gift"]
