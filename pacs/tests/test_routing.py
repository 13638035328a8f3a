"""Which headers are analysed (pacs.routing, no Django)."""

from __future__ import annotations

import pytest
from pydicom import Dataset
from pydicom.uid import (
    CTImageStorage,
    DigitalXRayImageStorageForPresentation,
    SecondaryCaptureImageStorage,
)

from pacs.routing import route


def header(**values) -> Dataset:
    dataset = Dataset()
    dataset.SOPClassUID = DigitalXRayImageStorageForPresentation
    dataset.Modality, dataset.ViewPosition, dataset.BodyPartExamined = "DX", "PA", "CHEST"
    for name, value in values.items():
        setattr(dataset, name, value)
    return dataset


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"ViewPosition": "AP"},
        {"ViewPosition": ""},
        {"Modality": "CR"},
        {"SOPClassUID": SecondaryCaptureImageStorage},
        {"BodyPartExamined": "ABDOMEN"},
    ],
)
def test_frontal_radiographs_are_analysed(values):
    assert route(header(**values)).analyse


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"ViewPosition": "LL"}, "frontal"),
        ({"Modality": "CT", "SOPClassUID": CTImageStorage}, "storage class"),
        ({"Modality": "OT"}, "CR or DX"),
        ({"Manufacturer": "PneumoScan"}, "our own"),
    ],
)
def test_others_are_skipped_with_a_reason(values, reason):
    routed = route(header(**values))

    assert not routed.analyse
    assert reason in routed.reason


def test_the_body_part_is_only_a_hint():
    assert not route(header(BodyPartExamined="ABDOMEN"), ["CHEST"]).analyse
    assert route(header(BodyPartExamined="CHEST"), ["chest"]).analyse
    assert route(header(BodyPartExamined=""), ["CHEST"]).analyse  # missing: the gate judges
