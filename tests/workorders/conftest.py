"""Personas of the city ⇄ district flow (each a member of an organisation) and small builders for orders and files."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ecobrain.core.models import Organisation
from ecobrain.workorders.services import create_workorder
from tests import factories

# A Tuesday morning, China time 10:00 (02:00 UTC): far from any weekend.
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def member(username: str, role: str, org_code: str, *, city_wide: bool = False, districts=(), **fields):
    user = factories.user(username, role, city_wide=city_wide, districts=districts)
    user.organisation = Organisation.objects.get(code=org_code)
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    return user


@pytest.fixture
def city_staff(base_data):
    """执法支队 staff who dispatch orders to the branches and check their results (city-wide)."""
    return member("city", "enforcement_officer", "610400-enforcement", city_wide=True, last_name="市局派单员")


@pytest.fixture
def city_colleague(base_data):
    return member("city2", "enforcement_officer", "610400-enforcement", city_wide=True)


@pytest.fixture
def bureau_leader(base_data):
    return member("boss", "bureau_leader", "610400-bureau", city_wide=True, last_name="局长")


@pytest.fixture
def qindu_handler(qindu):
    """秦都区分局's handler: signs for the branch, assigns, handles."""
    return member("qd", "district_handler", "610402-branch", districts=[qindu], last_name="秦都分局张三")


@pytest.fixture
def qindu_colleague(qindu):
    return member("qd2", "district_handler", "610402-branch", districts=[qindu], last_name="秦都分局李四")


@pytest.fixture
def binzhou_handler(binzhou):
    return member("bz", "district_handler", "610482-branch", districts=[binzhou], last_name="彬州分局王五")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="ecobrain.accounts.backends.ThrottledModelBackend")
    return client


@pytest.fixture
def order(city_staff, qindu, enterprise_in_qindu):
    """An order the city dispatched to 秦都区分局 about a Qindu enterprise (5 working days, manual)."""
    return create_workorder(
        actor=city_staff,
        title="核查企业废气排放",
        district=qindu,
        enterprise=enterprise_in_qindu,
        description="现场核查",
    )


def jpeg_bytes(size=(64, 48), colour="red") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, "PNG")
    return out.getvalue()


def ooxml_bytes(main_part: str, *, macro: bool = False) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(main_part, "<doc/>")
        if macro:
            archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def photo(name: str = "现场照片.jpg") -> SimpleUploadedFile:
    return upload(name, jpeg_bytes(), "image/jpeg")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Attachments go to a fresh directory per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
