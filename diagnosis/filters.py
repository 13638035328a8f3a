"""The history's and the audit trail's filters: one form each, that the pages and the API
both validate with, so that a filter means the same and fails with the same sentence
everywhere."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import AccessEvent
from accounts.selectors import AuditFilters
from diagnosis.models import ID_DIGITS
from diagnosis.selectors import REVIEW_FILTERS, SORTS, ScanFilters

RESULT_CHOICES = [
    ("", _("All")),
    ("pneumonia", _("Pneumonia")),
    ("normal", _("Normal")),
    ("not_recognised", _("Not recognised")),
]
SORT_CHOICES = [(name, label) for name, (label, __) in SORTS.items()]
REVIEW_CHOICES = [("", _("All")), *((name, label) for name, (label, __) in REVIEW_FILTERS.items())]


def is_id(text: str) -> bool:
    """Whether ``text`` can be a row id: 1 to ID_DIGITS ASCII digits (what the API's schema
    states)."""
    return text.isascii() and text.isdigit() and len(text) <= ID_DIGITS


class FilterForm(forms.Form):
    """A list's filters: each problem one sentence naming the filter, dates as YYYY-MM-DD,
    a start date after the end date refused."""

    # Dates as a date input sends them (and as the API's schema states): YYYY-MM-DD.
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                allowed = ", ".join(value for value, __ in field.choices if value)
                # Django fills in %(value)s when it refuses a choice.
                field.error_messages["invalid_choice"] = gettext(
                    "“%%(value)s” is not one of the choices (%(allowed)s)."
                ) % {"allowed": allowed}
            elif isinstance(field, forms.DateField):
                field.error_messages["invalid"] = gettext("Enter a date as YYYY-MM-DD.")

    def problems_by_filter(self) -> dict[str, list[str]]:
        """Sentences per filter, each naming the filter by its label; those about several
        filters (a date range) under "detail" (call after is_valid())."""
        problems = {}
        for name, messages in self.errors.items():
            if name == forms.forms.NON_FIELD_ERRORS:
                problems["detail"] = list(messages)
            else:
                problems[name] = [f"{self.fields[name].label}: {message}" for message in messages]
        return problems

    def problems(self) -> list[str]:
        """Every problem, one sentence each."""
        return [sentence for found in self.problems_by_filter().values() for sentence in found]

    def clean(self):
        cleaned = super().clean()
        start: date | None = cleaned.get("date_from")
        end: date | None = cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(gettext("The start date is after the end date."))
        return cleaned


class HistoryFilterForm(FilterForm):
    """The history's filters, for the pages and the API alike."""

    field_order = ["q", "predicted_class", "date_from", "date_to", "sort", "review", "batch"]

    q = forms.CharField(label=_("File name"), required=False, max_length=255)
    predicted_class = forms.ChoiceField(label=_("Result"), required=False, choices=RESULT_CHOICES)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)
    review = forms.ChoiceField(label=_("Review"), required=False, choices=REVIEW_CHOICES)
    batch = forms.CharField(
        required=False,
        strip=False,
        widget=forms.HiddenInput,
        help_text="Comma-separated scan ids: one upload's results.",
    )

    def clean_batch(self) -> tuple[int, ...]:
        text = self.cleaned_data["batch"]
        parts = text.split(",") if text else []
        if not all(is_id(part) for part in parts):
            raise forms.ValidationError(
                gettext("The batch is a comma-separated list of scan ids (1 to %(most)d digits).")
                % {"most": ID_DIGITS}
            )
        return tuple(int(part) for part in parts)

    def filters(self) -> ScanFilters:
        """The validated filters (call after is_valid())."""
        data = self.cleaned_data
        return ScanFilters(
            filename=data.get("q") or "",
            result=data.get("predicted_class") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sort=data.get("sort") or "newest",
            review=data.get("review") or "",
            ids=data.get("batch") or (),
        )


AUDIT_ACTION_CHOICES = [("", _("All")), *AccessEvent.Action.choices]


class AuditFilterForm(FilterForm):
    """The audit trail's filters, for its page and the API alike."""

    user = forms.CharField(label=_("User"), required=False, max_length=150)
    scan = forms.CharField(label=_("Scan"), required=False, strip=False, max_length=ID_DIGITS)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=AUDIT_ACTION_CHOICES)

    def clean_scan(self) -> int | None:
        text = self.cleaned_data["scan"]
        if text and not is_id(text):
            raise forms.ValidationError(
                gettext("A scan id is 1 to %(most)d digits.") % {"most": ID_DIGITS}
            )
        return int(text) if text else None

    def filters(self) -> AuditFilters:
        """The validated filters (call after is_valid())."""
        data = self.cleaned_data
        return AuditFilters(
            user=data.get("user") or "",
            scan=data.get("scan"),
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
