import json, time, pytest
from django.test import Client
from onetrip.accounts.services import api_token_create
from onetrip.testing import factories

@pytest.mark.django_db
def test_b(world):
    item = factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])
    _, s = api_token_create(user=world.citizen_a, name="t")
    auth={"HTTP_AUTHORIZATION": f"Bearer {s}"}
    c=Client()
    r=c.post("/api/v1/applications", data=json.dumps({"implementation_id": item.id}), content_type="application/json", **auth)
    n=r.json()["number"]
    for label, url in [("detail", f"/api/v1/applications/{n}"), ("verify", f"/api/v1/licences/verify/{r.json()['licence']['verification_code']}"), ("unknown", "/api/v1/nothing")]:
        t=time.perf_counter()
        for i in range(300): c.get(url, **auth)
        print(label, (time.perf_counter()-t)/300*1000, "ms")
    t=time.perf_counter()
    for i in range(100):
        r=c.post("/api/v1/applications", data=json.dumps({"implementation_id": item.id}), content_type="application/json", **auth)
    print("apply", (time.perf_counter()-t)/100*1000, "ms")
