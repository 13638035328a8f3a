"""Headers for static files: WhiteNoise answers them before the CSP and X-Frame-Options
middleware run, so it adds them itself (WHITENOISE_ADD_HEADERS_FUNCTION)."""

# A static file is never a page: nothing in one may run, load or be framed (an SVG or a
# file opened directly gets no script, and no other site can frame it).
STATIC_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def add_security_headers(headers, path: str, url: str) -> None:
    headers["Content-Security-Policy"] = STATIC_CONTENT_SECURITY_POLICY
    headers["X-Frame-Options"] = "DENY"
