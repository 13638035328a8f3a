"""Static files carry the same framing and script protection as pages."""

import pytest
from django.test import Client

from pneumosite.static_headers import STATIC_CONTENT_SECURITY_POLICY


@pytest.fixture
def static_client(settings) -> Client:
    # Serve from the source folders (no collectstatic in tests); WhiteNoise reads these
    # settings when the client builds its middleware.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    return Client()


@pytest.mark.parametrize(
    "path", ["/static/css/site.css", "/static/js/upload.js", "/static/img/favicon.svg"]
)
def test_static_files_have_csp_and_frame_options(static_client, path):
    response = static_client.get(path)

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == STATIC_CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
