"""Editors and moderators upload and choose photos for stories; other staff cannot upload them.

Uploads go through the admin's multiple-upload endpoint, as the browser's drag-and-drop does,
with real PNG files made by Pillow. Each refusal says what the upload gets and that no image
was stored.
"""

import io
import os

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cms_pages.models import FundImage
from tests.cms_pages.conftest import make_png

pytestmark = pytest.mark.django_db

UPLOAD_URL = "/admin/images/multiple/add/"


def login_as(client, group_name):
    user = get_user_model().objects.create_user(f"user-{group_name}", "staff@example.com", "pw")
    user.groups.add(Group.objects.get(name=group_name))
    client.force_login(user)
    return user


def upload(client, content, name="story-photo.png"):
    return client.post(UPLOAD_URL, {"files[]": SimpleUploadedFile(name, content), "collection": "1"})


@pytest.mark.parametrize("group_name", ["编辑", "审核员"])
def test_editors_and_moderators_upload_an_image_and_choose_it(client, group_name):
    user = login_as(client, group_name)
    response = upload(client, make_png().read())
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True, body
    image = FundImage.objects.get(pk=body["image_id"])
    assert image.uploaded_by_user == user and image.width == 64

    chooser = client.get(reverse("wagtailimages_chooser:choose"))
    assert chooser.status_code == 200
    assert "story-photo.png" in chooser.content.decode()
    chosen = client.get(reverse("wagtailimages_chooser:chosen", args=(image.pk,)))
    assert chosen.status_code == 200
    assert str(chosen.json()["result"]["id"]) == str(image.pk)


def test_an_editor_can_complete_the_details_of_an_uploaded_photo(client):
    login_as(client, "编辑")
    image_id = upload(client, make_png().read()).json()["image_id"]
    response = client.post(f"/admin/images/multiple/{image_id}/", {
        f"image-{image_id}-title": "社区助老活动", f"image-{image_id}-collection": "1",
        f"image-{image_id}-tags": "", f"image-{image_id}-depicts_people": "on",
        f"image-{image_id}-consent_record": "本人书面同意，2026-11-01，档案 B-3",
        f"image-{image_id}-credit": "项目方",
    })
    assert response.status_code == 200 and response.json()["success"] is True, response.content
    image = FundImage.objects.get(pk=image_id)
    assert (image.title, image.depicts_people) == ("社区助老活动", True)


def test_finance_staff_cannot_upload_images(client):
    login_as(client, "财务")
    response = upload(client, make_png().read())
    # Refused by the admin's permission check: no upload form, no stored file.
    assert response.status_code in (302, 403)
    assert not FundImage.objects.exists()


def test_an_anonymous_visitor_cannot_upload_images(client):
    response = upload(client, make_png().read())
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not FundImage.objects.exists()


def test_an_oversized_image_gets_a_clear_message_and_is_not_stored(client):
    login_as(client, "编辑")
    limit = settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
    side = int((limit / 3) ** 0.5) + 64
    noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG", compress_level=0)
    assert buffer.tell() > limit
    response = upload(client, buffer.getvalue(), name="huge.png")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is False and "文件过大" in body["error_message"], body
    assert not FundImage.objects.exists()


@pytest.mark.parametrize(("name", "content"), [
    ("photo.png", b"%PDF-1.4 this is not an image"),
    ("notes.txt", "这不是图片".encode()),
    ("empty.png", b""),
])
def test_a_file_that_is_not_an_image_gets_a_clear_message_and_is_not_stored(client, name, content):
    login_as(client, "编辑")
    response = upload(client, content, name=name)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        body = response.json()
        assert body["success"] is False and body["error_message"], body
        assert any(ord(ch) > 0x4e00 for ch in body["error_message"]), body  # said in Chinese
    assert not FundImage.objects.exists()
