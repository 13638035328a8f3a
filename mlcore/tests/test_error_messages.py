"""mlcore's messages: English as raised, their template and values kept for an app to
translate, across a pickle (a sandboxed decode raises them in another process)."""

from __future__ import annotations

import pickle

from mlcore.decode.dicom import DicomError
from mlcore.errors import ImageError, gettext_noop, translated


def test_a_message_keeps_its_template_and_values_through_a_pickle():
    error = DicomError(gettext_noop("The DICOM header has no %(name)s."), name="Rows")
    copy = pickle.loads(pickle.dumps(error))

    assert str(copy) == "The DICOM header has no Rows."
    assert (type(copy), copy.template, copy.params) == (
        DicomError,
        "The DICOM header has no %(name)s.",
        {"name": "Rows"},
    )
    assert translated(
        copy, {"The DICOM header has no %(name)s.": "DICOM 头中没有 %(name)s。"}.get
    ) == ("DICOM 头中没有 Rows。")


def test_a_plain_message_is_its_own_template():
    error = ImageError("The file is empty.")
    assert str(error) == error.template == "The file is empty." and error.params == {}
    assert translated(error, lambda text: text) == "The file is empty."
