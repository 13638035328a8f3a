"""The site in English by default and in Simplified Chinese from the browser's
Accept-Language or the switcher; the API's messages follow Accept-Language; and the
catalog translates every string the code marks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parents[3]
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.5"}


def test_english_by_default_chinese_from_the_browser(alice_client, alice, make_row):
    scan = make_row(alice)
    english = alice_client.get(scan.get_absolute_url()).content.decode()
    assert ('<html lang="en">' in english and "Clinician&#x27;s review" in english) or (
        "Clinician's review" in english
    )
    chinese = alice_client.get(scan.get_absolute_url(), **ZH).content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert "临床医生审阅" in chinese and "模型版本" in chinese and "肺炎" in chinese
    upload = alice_client.get(reverse("diagnosis:upload"), **ZH).content.decode()
    assert "胸部X光片筛查" in upload and "一次最多 32 个文件" in upload


def test_the_report_and_site_pages_in_chinese(alice_client, alice, make_row):
    scan = make_row(alice, review_finding="pneumonia", reviewed_by=alice)
    report = alice_client.get(reverse("diagnosis:scan-report", args=[scan.pk]), **ZH)
    assert "PneumoScan 报告" in report.content.decode() and "确认为<strong>肺炎</strong>" in (
        report.content.decode()
    )
    site = alice_client.get(reverse("diagnosis:model-site"), **ZH).content.decode()
    assert "模型在本院的表现" in site and "灵敏度" in site and "95% 区间" in site


def test_the_model_card_in_chinese(alice_client, settings, db):
    from mlcore.artifact.files import SHIPPED_MODEL_DIR

    settings.PNEUMO_MODEL_DIR = SHIPPED_MODEL_DIR
    card = alice_client.get(reverse("diagnosis:model-card"), **ZH).content.decode()
    assert "模型卡" in card and "预期用途" in card and "广州市妇女儿童医疗中心" in card
    assert "测试集（官方测试集的公开一半）" in card


def test_filter_problems_and_error_pages_in_chinese(alice_client, db):
    history = alice_client.get(
        reverse("diagnosis:scan-history"),
        {"date_from": "2026-05-02", "date_to": "2026-05-01", "predicted_class": "x"},
        **ZH,
    ).content.decode()
    assert "起始日期晚于截止日期。" in history
    assert "结果: “x”不在可选值之中（pneumonia, normal, not_recognised）。" in history
    missing = alice_client.get("/scans/999999/", **ZH)
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()


def test_the_switcher_keeps_the_choice(alice):
    client = Client()
    client.force_login(alice)
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/scans/"})
    assert response.status_code == 302 and response["Location"] == "/scans/"
    assert "历史记录" in client.get("/scans/").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "History" in client.get("/scans/").content.decode()
    anonymous = Client()  # the login page has the switcher too
    anonymous.post(reverse("set_language"), {"language": "zh-hans", "next": "/accounts/login/"})
    assert "用户名" in anonymous.get(reverse("login")).content.decode()


def test_the_apis_messages_follow_accept_language(db):
    english = APIClient().get(reverse("api:scan-list")).json()["detail"]
    chinese = APIClient().get(reverse("api:scan-list"), **ZH).json()["detail"]
    assert english == "Authentication credentials were not provided."
    assert chinese != english and "认证" in chinese


def test_messages_after_an_upload_are_in_the_users_language(alice, model):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(alice)
    empty = SimpleUploadedFile("empty.png", b"", "image/png")
    from mlcore.testing import xray_png

    good = SimpleUploadedFile("good.png", xray_png(seed=3), "image/png")
    words = SimpleUploadedFile("words.jpg", b"not an image, just words", "image/jpeg")
    page = client.post(
        reverse("diagnosis:upload"), {"image": [good, empty, words]}, follow=True, **ZH
    )
    text = page.content.decode()
    assert "已分析 3 个文件中的 1 个。" in text
    assert "empty.png 未被分析：文件为空。" in text  # the app's own check
    assert "words.jpg 未被分析：该文件不是可读取的 JPEG、PNG 或 DICOM 图像。" in text  # mlcore's


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("xgettext"), reason="no GNU gettext: apt-get install gettext")
def test_every_marked_string_is_translated(tmp_path, settings):
    """makemessages over the code, into a copy of the catalog: nothing left untranslated."""
    catalog = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", catalog)
    settings.LOCALE_PATHS = [catalog]
    ignore = [".venv/*", "staticfiles/*", "var/*", "test-artifacts/*", "*/tests/*", "bench/*"]
    call_command(
        "makemessages",
        locale=["zh_Hans"],
        ignore_patterns=ignore,
        no_location=True,
        no_obsolete=True,
        verbosity=0,
    )
    po = catalog / "zh_Hans" / "LC_MESSAGES" / "django.po"
    for selection in ("--untranslated", "--only-fuzzy"):
        found = subprocess.run(
            ["msgattrib", selection, "--no-wrap", str(po)], capture_output=True, text=True
        ).stdout
        entries = [line for line in found.splitlines() if line.startswith("msgid ")]
        assert entries in ([], ['msgid ""']), found[:3000]  # the header, at most
