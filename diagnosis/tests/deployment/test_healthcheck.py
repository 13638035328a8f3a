def test_healthcheck_needs_no_login(client, db):
    response = client.get("/healthcheck")

    assert response.status_code == 200
    assert response.content == b"Good to go"


def test_model_readiness_is_503_without_a_model(client, db):
    response = client.get("/healthcheck", {"model": "1"})

    assert response.status_code == 503
    assert "train_model" in response.content.decode()


def test_model_readiness_loads_the_model(client, db, model):
    response = client.get("/healthcheck", {"model": "1"})

    assert response.status_code == 200
    assert response.content.decode().startswith("Good to go (model tiny-test-1)")
