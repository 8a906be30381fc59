from onetrip.testing import factories


def test_pages_render(world, client):
    impl = factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])
    for url in ["/", "/en/", "/guide/", f"/guide/{impl.item.code}/", "/login/", "/verify/?code=XYZ"]:
        r = client.get(url)
        print(url, r.status_code)
        assert r.status_code in (200, 404), r.content[:2000]
    client.force_login(world.citizen_a)
    r = client.get(f"/apply/{impl.id}/")
    assert r.status_code == 200
    r = client.post(f"/apply/{impl.id}/", {"idempotency_key": "k1"})
    assert r.status_code == 302, r.content.decode()[:3000]
    url = r["Location"]
    r = client.get(url)
    print(r.content.decode()[-6000:])
    r = client.post(url + "submit/", {})
    assert r.status_code == 302, r.content.decode()[:3000]
    r = client.get(url)
    html = r.content.decode()
    assert "verification-code" in html
    for u in ["/my/cases/", "/my/licences/", "/messages/"]:
        assert client.get(u).status_code == 200
    client.force_login(world.approver)
    assert client.get("/workbench/").status_code == 200
