from django import forms

ACCEPT = ".jpg,.jpeg,.png,image/jpeg,image/png"


class ScanUploadForm(forms.Form):
    """Only the field; what makes an upload acceptable is checked in services.scan_create."""

    image = forms.FileField(
        label="Chest X-ray (JPEG or PNG)",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class HistoryFilterForm(forms.Form):
    predicted_class = forms.ChoiceField(
        label="Result",
        required=False,
        choices=[("", "All"), ("pneumonia", "Pneumonia"), ("normal", "Normal")],
    )
