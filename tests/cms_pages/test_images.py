"""Image uploads: what each bad upload gets, and the consent rule for photos of people."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cms_pages.models import FundImage
from tests.cms_pages.conftest import make_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


def upload(admin_client, content, name="photo.png", **fields):
    data = {"title": "上传测试", "file": SimpleUploadedFile(name, content), "collection": 1, **fields}
    return admin_client.post("/admin/images/add/", data)


def test_a_real_image_is_accepted(admin_client):
    response = upload(admin_client, make_png().read())
    assert response.status_code == 302
    assert FundImage.objects.filter(title="上传测试").count() == 1


def test_a_file_that_is_not_an_image_is_refused_with_a_message(admin_client):
    response = upload(admin_client, b"%PDF-1.4 not really an image", name="photo.png")
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors and "有效的图片" in errors[0]
    assert not FundImage.objects.exists()


def test_a_decompression_bomb_is_refused_with_a_message(admin_client):
    # A 10,000 × 10,000 one-bit PNG is a few kilobytes on disk but 100 megapixels decoded.
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")
    assert buffer.tell() < 100_000
    response = upload(admin_client, buffer.getvalue(), name="bomb.png")
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors and "像素" in errors[0]
    assert not FundImage.objects.exists()


def test_a_photo_of_people_needs_a_consent_record(admin_client):
    response = upload(admin_client, make_png().read(), depicts_people="on", consent_record="")
    assert response.status_code == 200
    assert "必须填写肖像使用同意记录" in str(response.context["form"].errors)
    assert not FundImage.objects.exists()

    response = upload(admin_client, make_png().read(), depicts_people="on",
                      consent_record="监护人书面同意书，2021-05-01，档案 A-17")
    assert response.status_code == 302
    assert FundImage.objects.get().consent_record.startswith("监护人书面同意书")
