from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from diagnosis.models import Scan, Ward
from diagnosis.services import (
    MAX_REVIEW_COMMENT,
    scan_delete,
    scan_review,
    scan_review_clear,
    scan_set_notes,
    scans_delete,
)

# What the admin edits; everything else a scan holds comes from its upload.
EDITABLE = ("notes", "review_finding", "review_comment")
REVIEW_FIELDS = {"review_finding", "review_comment"}


class ScanAdminForm(forms.ModelForm):
    class Meta:
        model = Scan
        fields = EDITABLE

    def clean_review_comment(self) -> str:
        comment = self.cleaned_data["review_comment"].strip()
        if len(comment) > MAX_REVIEW_COMMENT:
            raise forms.ValidationError(f"At most {MAX_REVIEW_COMMENT} characters.")
        return comment


@admin.register(Scan)
class ScanAdmin(admin.ModelAdmin):
    """Scans are read-only here except the notes and the review; they are added by
    uploading (the site's form, the API or import_reviews), never by hand."""

    form = ScanAdminForm
    list_display = (
        "id",
        "owner",
        "created_at",
        "original_filename",
        "predicted_class",
        "pneumonia_probability",
        "model_version",
    )
    list_filter = ("predicted_class", "model_version")
    search_fields = ("original_filename", "owner__username")
    # Stored images have no public URL; they are viewed through the site's own pages.
    exclude = ("image", "thumbnail")
    readonly_fields = [
        field.name
        for field in Scan._meta.fields
        if field.name not in {"image", "thumbnail", *EDITABLE}
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Scan, form: forms.Form, change: bool) -> None:
        """Through the services: the notes alone, the review with its history row and
        reviewer (the staff member saving it)."""
        if "notes" in form.changed_data:
            scan_set_notes(scan=obj, notes=obj.notes, editor=request.user)
        if REVIEW_FIELDS & set(form.changed_data):
            if obj.review_finding:
                scan_review(
                    scan=obj,
                    reviewer=request.user,
                    finding=obj.review_finding,
                    comment=obj.review_comment,
                )
            else:
                scan_review_clear(scan=obj, reviewer=request.user)

    def delete_model(self, request: HttpRequest, obj: Scan) -> None:
        scan_delete(scan=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Scan]) -> None:
        scans_delete(scans=queryset)


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    """Wards: a reviewer of a ward sees and reviews its members' scans, without staff."""

    list_display = ("name",)
    filter_horizontal = ("members", "reviewers")
