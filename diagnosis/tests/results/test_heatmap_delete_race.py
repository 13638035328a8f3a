"""A heatmap computed while its scan is deleted leaves no orphan file, whichever wins."""

from unittest import mock

import pytest

from diagnosis.errors import ScanGone
from diagnosis.models import Scan
from diagnosis.services import heatmaps, scan_delete, scan_heatmap
from diagnosis.tests.conftest import stored_files


def test_delete_that_read_the_scan_before_its_heatmap_was_stored_removes_the_heatmap(
    alice, make_scan, settings, django_capture_on_commit_callbacks
):
    scan = make_scan(alice, opaque=True)
    read_by_delete = Scan.objects.get(pk=scan.pk)  # the delete request loaded the row first

    scan_heatmap(scan=scan)  # a first view stores the heatmap meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        scan_delete(scan=read_by_delete)

    assert stored_files(settings.MEDIA_ROOT) == []


def test_scan_deleted_between_computing_and_storing_the_heatmap_leaves_no_file(
    alice, make_scan, settings, django_capture_on_commit_callbacks
):
    scan = make_scan(alice, opaque=True)
    real_overlay = heatmaps.overlay_image

    def overlay_then_delete(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            scan_delete(scan=Scan.objects.get(pk=scan.pk))  # another request deletes it
        return real_overlay(*args, **kwargs)

    with (
        mock.patch.object(heatmaps, "overlay_image", overlay_then_delete),
        pytest.raises(ScanGone),
    ):
        scan_heatmap(scan=scan)

    assert stored_files(settings.MEDIA_ROOT) == []
    assert not Scan.objects.filter(pk=scan.pk).exists()
