"""The published build answers through both stores."""


def test_activity_dereferences_as_turtle(client):
    r = client.get("/id/activity/kuule-minua", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/turtle")
    assert "Kuule minua -hanke" in r.get_data(as_text=True)
