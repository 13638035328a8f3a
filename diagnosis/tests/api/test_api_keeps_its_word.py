"""What the schema promises, held where a generated client would trip: one error shape,
JSON on every path under /api/, ids no row can have, the export's two formats."""

from __future__ import annotations

import pytest

SCANS = "/api/scans/"
HUGE = "9" * 20  # past any 64-bit integer: the database must never see it


@pytest.mark.parametrize(
    "path", ["/api/scans/0.5/review/", "/api/scans/null,null/", "/api/nothing/", "/api/scans/-1/"]
)
def test_a_path_under_api_that_names_nothing_is_a_json_404(alice_api, path):
    response = alice_api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.parametrize("suffix", ["", "image/", "heatmap/", "review/"])
def test_an_id_no_row_can_have_is_a_json_404(alice_api, suffix):
    response = alice_api.get(f"{SCANS}{HUGE}/{suffix}")

    assert response.status_code in (404, 405)  # review/ takes POST and DELETE only
    assert response.json()["detail"]


def test_an_id_no_row_can_have_is_the_404_page_on_the_site(alice_client):
    response = alice_client.get(f"/scans/{HUGE}/")

    assert response.status_code == 404
    assert b"<html" in response.content.lower()


@pytest.mark.parametrize("path", [SCANS, f"{SCANS}export/"])
def test_a_batch_filter_of_ids_no_row_can_have_is_a_400(alice_api, path):
    response = alice_api.get(path, {"batch": HUGE})

    assert response.status_code == 400
    assert "batch" in response.json()


@pytest.mark.parametrize("path", ["/scans/", "/scans/export.csv"])
def test_the_pages_say_so_rather_than_crash(alice_client, path):
    response = alice_client.get(path, {"batch": HUGE})

    assert response.status_code in (200, 400)
    if path == "/scans/":
        assert "comma-separated list of scan ids" in response.content.decode()


def test_field_errors_have_the_one_error_shape(alice_api, model):
    response = alice_api.post(f"{SCANS}batch/", {}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "images: This field is required."
    assert body["images"] == ["This field is required."]


@pytest.mark.parametrize("value", ["0", "ten", "null", "-3"])
def test_a_page_size_that_is_not_a_count_is_a_400(alice_api, value):
    response = alice_api.get(SCANS, {"page_size": value})

    assert response.status_code == 400
    assert response.json()["page_size"] == ["page_size is a whole number from 1 up."]


def test_the_export_is_a_list_or_csv_and_nothing_else(alice_api, make_scan, alice):
    make_scan(alice)

    listed = alice_api.get(f"{SCANS}export/")
    as_csv = alice_api.get(f"{SCANS}export/", {"as": "csv"})
    other = alice_api.get(f"{SCANS}export/", {"as": "xml"})

    assert isinstance(listed.json(), list) and len(listed.json()) == 1
    assert as_csv["Content-Type"] == "text/csv"
    assert other.status_code == 400 and "as" in other.json()


def test_the_schema_states_the_export_and_the_errors(client, db):
    schema = client.get("/api/schema/?format=json").json()
    export = schema["paths"]["/api/scans/export/"]["get"]["responses"]
    error = schema["components"]["schemas"]["Error"]

    assert set(export["200"]["content"]) == {"application/json", "text/csv"}
    assert export["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert error["required"] == ["detail"] and error["additionalProperties"]["type"] == "array"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            signed_in = "auth" not in operation["tags"]  # the token: how one signs in
            if path.startswith("/api/") and signed_in:
                assert {"401", "429"} <= set(operation["responses"]), (method, path)


def test_a_non_text_note_is_refused(alice_api, make_scan, alice):
    scan = make_scan(alice)

    response = alice_api.patch(f"{SCANS}{scan.pk}/", {"notes": 0}, format="json")

    assert response.status_code == 400
    assert "notes" in response.json()
