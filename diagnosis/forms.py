"""The upload form of the pages (the history's filters: diagnosis.filters)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

ACCEPT = ".jpg,.jpeg,.png,.dcm,image/jpeg,image/png,application/dicom"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files (Django's documented pattern for multiple uploads)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        files = [file for file in files if file]
        if not files:
            return super().clean(None, initial)
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class ScanUploadForm(forms.Form):
    """The files and the re-analyse box; what makes an upload acceptable is checked in the
    service."""

    image = MultipleFileField(
        label=_("Chest X-rays (JPEG, PNG or DICOM; several at once welcome)"),
        allow_empty_file=True,  # the service rejects an empty file by name, the rest go on
        widget=MultipleFileInput(attrs={"accept": ACCEPT, "multiple": True}),
    )
    reanalyse = forms.BooleanField(
        label=_(
            "Run the model again on files I uploaded before (otherwise their earlier "
            "results are shown)"
        ),
        required=False,
    )
