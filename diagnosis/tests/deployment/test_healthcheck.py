"""The health check: "ok" or "not ready" for anyone, the reason for staff only."""


def test_healthcheck_needs_no_login_and_says_only_ok(client, db):
    response = client.get("/healthcheck")

    assert response.status_code == 200
    assert response.content == b"ok"


def test_model_readiness_is_503_without_a_model_and_the_reason_is_for_staff(client, db, staff):
    anonymous = client.get("/healthcheck", {"model": "1"})
    client.force_login(staff)
    operator = client.get("/healthcheck", {"model": "1"})

    assert anonymous.status_code == operator.status_code == 503
    assert anonymous.content == b"not ready"  # no version, no path
    assert "train_model" in operator.content.decode()


def test_model_readiness_loads_the_model(client, db, model, staff):
    assert client.get("/healthcheck", {"model": "1"}).content == b"ok"
    client.force_login(staff)

    response = client.get("/healthcheck", {"model": "1"})

    assert response.status_code == 200
    assert response.content.decode() == "ok: model tiny-test-1"
