"""adapt_to_site on reviewed scans, model_versions, and workers switching model at once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import AccessEvent
from diagnosis.active_model import active_name
from diagnosis.models import Scan
from diagnosis.selectors import site_reviews
from mlcore.artifact.files import read_card
from mlcore.site import adaptation
from mlcore.testing import TINY_VERSION, labelled_xray_folder

SITE_VERSION = f"{TINY_VERSION}+site.1"


@pytest.fixture
def reviewed(alice, make_scan, monkeypatch, tmp_path):
    """Scans of 24 clear and 26 hazy generated X-rays, each reviewed with its truth (and no
    configured training data to mix in)."""
    monkeypatch.setenv("PNEUMO_DATA_DIR", str(tmp_path / "no-data"))

    def make(normal: int = 24, pneumonia: int = 26) -> list:
        scans = []
        for index in range(normal + pneumonia):
            opaque = index >= normal
            scan = make_scan(alice, opaque=opaque, seed=100 + index)
            scan.review_finding = "pneumonia" if opaque else "normal"
            scan.save(update_fields=["review_finding"])
            scans.append(scan)
        return scans

    return make


def test_too_few_reviews_are_refused_in_one_line(reviewed, settings):
    reviewed(normal=5, pneumonia=26)
    with pytest.raises(CommandError, match="5 normal and 26 pneumonia") as error:
        call_command("adapt_to_site", install=True)
    assert "\n" not in str(error.value)
    assert not settings.PNEUMO_MODEL_VERSIONS_DIR.exists()


@pytest.mark.parametrize("floor", [1.0, -0.1])
def test_a_specificity_floor_outside_0_to_1_is_refused_in_one_line(reviewed, settings, floor):
    reviewed(normal=5, pneumonia=5)
    with pytest.raises(CommandError, match="--min-specificity must be at least 0 and below 1"):
        call_command("adapt_to_site", install=True, min_specificity=floor)
    assert not settings.PNEUMO_MODEL_VERSIONS_DIR.exists()


@pytest.mark.slow
def test_install_switches_the_running_worker_and_model_versions_rolls_back(
    reviewed, alice, make_scan, settings, capsys
):
    reviewed()
    call_command("adapt_to_site")  # a dry run: figures only
    report = capsys.readouterr().out
    assert "Dry run" in report and f"active {TINY_VERSION} " in report
    assert "Both models on the same 50 site images, each held out" in report
    assert "on the site's 0-100 scale (probability 0." in report
    assert not settings.PNEUMO_MODEL_VERSIONS_DIR.exists()

    call_command("adapt_to_site", install=True)

    assert active_name() == SITE_VERSION
    trail = AccessEvent.objects.filter(action__in=["adapt", "model_activate"], outcome="ok")
    assert {(event.action, event.via) for event in trail} == {
        ("adapt", "command"),
        ("model_activate", "command"),
    }
    assert trail.get(action="adapt").detail == f"{SITE_VERSION} from {TINY_VERSION}"
    assert make_scan(alice, seed=7).model_version == SITE_VERSION  # no restart
    card = read_card(settings.PNEUMO_MODEL_VERSIONS_DIR / SITE_VERSION)
    assert card.threshold_rule.startswith("sensitivity >= 95.0% and specificity >= 90.0%")
    call_command("model_versions")
    listing = capsys.readouterr().out
    assert f"* {SITE_VERSION}: head adapted from {TINY_VERSION}" in listing
    assert "24 normal + 26 pneumonia site images" in listing

    call_command("model_versions", activate="shipped")
    assert make_scan(alice, seed=8).model_version == TINY_VERSION
    with pytest.raises(CommandError) as unknown:
        call_command("model_versions", activate="nope")
    assert str(unknown.value) == (
        f"No model version 'nope' here; the versions are: shipped, {SITE_VERSION}."
    )


def test_a_refused_candidate_exits_1_and_force_installs_it(reviewed, settings, monkeypatch, capsys):
    reviewed()
    monkeypatch.setattr(adaptation, "guardrail_failures", lambda *args: ["a check said no"])

    with pytest.raises(
        CommandError, match="1 check\\(s\\) failed; the active model stays"
    ) as error:
        call_command("adapt_to_site", install=True)
    assert error.value.returncode == 1
    assert "Check failed: a check said no." in capsys.readouterr().out
    assert not settings.PNEUMO_MODEL_VERSIONS_DIR.exists()
    refused = AccessEvent.objects.get(action="adapt")
    assert (refused.outcome, refused.detail) == ("failed", "refused: 1 check(s) failed")

    call_command("adapt_to_site", install=True, force=True)
    card = json.loads(
        (settings.PNEUMO_MODEL_VERSIONS_DIR / SITE_VERSION / "model_card.json").read_text()
    )
    assert card["adaptation"]["forced"] is True
    assert card["adaptation"]["checks_failed"] == ["a check said no"]


def test_evaluate_model_evaluates_the_active_model(model, settings, tmp_path, db):
    site = labelled_xray_folder(tmp_path / "site", 20, 20)
    call_command("set_site_threshold", data_dir=site, target_sensitivity=0.9)
    out = tmp_path / "metrics.json"

    call_command("evaluate_model", data_dir=site, json=out)

    assert json.loads(out.read_text())["model_version"] == active_name() == SITE_VERSION


@pytest.mark.slow
def test_one_reviewer_giving_the_opposite_finding_is_left_out(
    alice, make_scan, monkeypatch, tmp_path, settings, capsys
):
    monkeypatch.setenv("PNEUMO_DATA_DIR", str(tmp_path / "no-data"))
    users = get_user_model().objects
    honest = [users.create_user(name, password="pw-1", is_staff=True) for name in ("li", "wu")]
    poisoner = users.create_user("x", password="pw-1", is_staff=True)
    for index in range(66):
        opaque = index % 2 == 1
        scan = make_scan(alice, opaque=opaque, seed=300 + index)
        reviewer = (*honest, poisoner)[index % 3]
        truth = "pneumonia" if opaque else "normal"
        finding = truth if reviewer != poisoner else {"pneumonia": "normal"}.get(truth, "pneumonia")
        Scan.objects.filter(pk=scan.pk).update(
            review_finding=finding, reviewed_by=reviewer, reviewed_at=timezone.now()
        )

    call_command("adapt_to_site", install=True, min_per_class=10)

    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("x ")]
    assert "LEFT OUT" in line
    card = read_card(settings.PNEUMO_MODEL_VERSIONS_DIR / SITE_VERSION).adaptation
    assert card.left_out == {"x": 22} and card.reviewers == {"li": 22, "wu": 22}
    assert sum(card.site_images.values()) == 44


def test_an_image_uploaded_twice_is_one_review_the_latest(alice, make_row):
    first = make_row(alice, content_sha256="a" * 64, review_finding="normal")
    again = make_row(alice, content_sha256="a" * 64, review_finding="pneumonia")
    Scan.objects.filter(pk=first.pk).update(reviewed_at=timezone.now() - timedelta(days=1))
    Scan.objects.filter(pk=again.pk).update(reviewed_at=timezone.now())

    (review,) = site_reviews()

    assert review.label == 1 and review.agrees  # the model said pneumonia too (make_row)
