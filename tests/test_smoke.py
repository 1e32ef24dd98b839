def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_base_data_loads(base_data):
    from ecobrain.core.models import Region

    assert Region.objects.filter(parent=base_data).count() == 14
