"""import_reviews: a labelled archive becomes reviewed scans, once, through the upload path."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from diagnosis.models import Scan, ScanReview
from mlcore.testing import labelled_xray_folder, xray_png


@pytest.fixture
def archive(tmp_path):
    """site/normal/ (3, lower case) and site/PNEUMONIA/ (2), one level down, plus a broken
    image and a file that is no image at all."""
    root = tmp_path / "archive"
    labelled_xray_folder(root / "site", normal=3, pneumonia=2)
    (root / "site" / "NORMAL").rename(root / "site" / "normal")
    (root / "site" / "PNEUMONIA" / "broken.png").write_bytes(b"not a picture")
    (root / "site" / "PNEUMONIA" / "notes.txt").write_text("ignored")
    return root


def run(**options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_reviews", stdout=out, **options)
    return out.getvalue()


def test_imports_each_image_as_a_scan_reviewed_with_its_folder(archive, reviewer, model):
    output = run(data_dir=archive, owner="alice", batch_size=2, progress_every=2)

    scans = Scan.objects.filter(owner=reviewer)
    assert sorted(scans.values_list("original_filename", "review_finding")) == [
        ("site-0.png", "normal"),
        ("site-0.png", "pneumonia"),
        ("site-1.png", "normal"),
        ("site-1.png", "pneumonia"),
        ("site-2.png", "normal"),
    ]
    assert all(scan.reviewed_by == reviewer and scan.content_sha256 for scan in scans)
    assert "Imported 5 scans" in output and "rejected 1" in output
    assert "rejected broken.png:" in output
    assert "2/6 files" in output and "6/6 files" in output  # progress every 2 files


def test_progress_at_each_multiple_and_no_log_noise_at_the_default_verbosity(
    archive, reviewer, model, caplog
):
    caplog.set_level(1, logger="nobody")  # capture whatever the command lets through
    output = run(data_dir=archive, owner="alice", batch_size=4, progress_every=3)

    progress = [line.split(" files")[0] for line in output.splitlines() if " files:" in line]
    assert progress == ["3/6", "6/6"]  # the batch of 4 ends at 3: the line says what it says
    assert not [r for r in caplog.records if r.levelno < 30 and r.name.startswith("diagnosis")]


def test_verbosity_2_shows_the_apps_info_lines(archive, reviewer, model, caplog):
    caplog.set_level(1, logger="nobody")
    run(data_dir=archive, owner="alice", verbosity=2)
    assert any(r.name.startswith("diagnosis") and r.levelno == 20 for r in caplog.records)


def test_a_second_run_adds_nothing(archive, reviewer, model):
    run(data_dir=archive, owner="alice")
    reviews = ScanReview.objects.count()

    output = run(data_dir=archive, owner="alice")

    assert Scan.objects.count() == 5 and ScanReview.objects.count() == reviews
    assert "Imported 0 scans" in output and "skipped 5 already uploaded" in output


def test_a_duplicate_without_a_review_gets_it_and_a_clinicians_review_is_kept(
    archive, reviewer, alice_api, model
):
    normal = archive / "site" / "normal"
    uploaded = [
        alice_api.post("/api/scans/", {"image": (normal / name).open("rb")}, "multipart")
        for name in ("site-0.png", "site-1.png")
    ]
    first, second = (Scan.objects.get(pk=r.json()["id"]) for r in uploaded)
    Scan.objects.filter(pk=second.pk).update(review_finding="pneumonia", review_comment="seen")

    output = run(data_dir=archive, owner="alice")

    assert Scan.objects.count() == 5
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.review_finding == "normal"
    assert (second.review_finding, second.review_comment) == ("pneumonia", "seen")
    assert "skipped 2 already uploaded (1 of them given the missing review)" in output


def test_a_reviewer_without_permission_is_refused_in_one_line(archive, alice, bob, model):
    """bob is in no group (and could not see alice's scans); alice alone is no reviewer."""
    with pytest.raises(CommandError, match="may not review") as error:
        run(data_dir=archive, owner="alice", reviewer="bob")

    assert "\n" not in str(error.value)
    with pytest.raises(CommandError, match="may not review"):
        run(data_dir=archive, owner="alice")
    assert not Scan.objects.exists()


def test_staff_may_review_another_owners_import(archive, alice, staff, model):
    run(data_dir=archive, owner="alice", reviewer="carol")

    assert set(Scan.objects.values_list("owner__username", "reviewed_by__username")) == {
        ("alice", "carol")
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"owner": "nobody"}, "No user named 'nobody'"),
        ({"owner": "alice", "data_dir": "missing"}, "does not exist"),
        ({"owner": "alice", "data_dir": "empty"}, "No images in NORMAL/ or PNEUMONIA/"),
    ],
)
def test_errors_are_one_line(archive, alice, tmp_path, options, message):
    (tmp_path / "empty").mkdir()
    options["data_dir"] = tmp_path / options["data_dir"] if "data_dir" in options else archive
    with pytest.raises(CommandError, match=message) as error:
        run(**options)
    assert "\n" not in str(error.value)


def test_without_a_model_nothing_is_imported(archive, reviewer):
    with pytest.raises(CommandError, match="No model installed"):
        run(data_dir=archive, owner="alice")
    assert not Scan.objects.exists()


def test_the_same_bytes_twice_in_one_archive_count_once(archive, reviewer, model):
    shutil.copy(
        archive / "site" / "normal" / "site-0.png", archive / "site" / "normal" / "copy.png"
    )
    (archive / "site" / "normal" / "extra.png").write_bytes(xray_png(seed=77))

    output = run(data_dir=archive, owner="alice")

    assert Scan.objects.count() == 6
    assert "skipped 1 already uploaded" in output
