from django.core.management import call_command


def test_schema_generates_without_warnings(db, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    schema = out.read_text()
    assert "/api/scans/" in schema
    assert "/pneumonia/predict" in schema
    assert "format: binary" in schema  # the upload shows as a file picker


def test_swagger_ui_is_served_without_a_cdn(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "swagger-ui" in text
    assert "cdn" not in text.lower()
