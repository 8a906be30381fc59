"""The public service guide pages: browse by department, theme and region; the item guide
with fetched materials, fees, limits, channels and the instant-approval badge; English."""

from onetrip.catalog.models import Material
from onetrip.testing import factories


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def test_guide_filters_by_department_theme_and_region(world, client) -> None:  # type: ignore[no-untyped-def]
    # given an item of civil affairs in 西湖区 and one of market regulation in 余杭区
    senior = factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])
    shop = factories.implementation(dept=world.market, name="个体工商户登记", applicant_kind="both")
    shop.item.theme = "business_start"
    shop.item.save()
    # then each filter keeps the right one
    everything = html(client.get("/guide/"))
    assert senior.item.name in everything and shop.item.name in everything
    by_dept = html(client.get("/guide/", {"dept": "market_regulation"}))
    assert shop.item.name in by_dept and senior.item.name not in by_dept
    by_theme = html(client.get("/guide/", {"theme": "retirement"}))
    assert senior.item.name in by_theme and shop.item.name not in by_theme
    by_region = html(client.get("/guide/", {"region": "330110"}))
    assert shop.item.name in by_region and senior.item.name not in by_region
    by_query = html(client.get("/guide/", {"q": "个体"}))
    assert shop.item.name in by_query and senior.item.name not in by_query
    # and the instant item carries its badges in the list
    assert "智能秒办" in everything and "一证通办" in everything


def test_item_guide_marks_fetched_materials_and_shows_limits_fees_channels(world, client) -> None:  # type: ignore[no-untyped-def]
    implementation = factories.implementation(
        dept=world.civil,
        rules=[factories.SENIOR_RULE],
        promised=3,
        statutory=20,
        materials=[
            {
                "name": "户籍地址",
                "source": "registry",
                "registry_field": "population.household_address",
            },
            {"name": "一寸照片", "source": "upload", "deferrable": True},
        ],
    )
    implementation.fee = 10
    implementation.fee_note = "工本费"
    implementation.window = False
    implementation.save()
    page = html(client.get(f"/guide/{implementation.item.code}/"))
    assert page.count("已为您自动获取") == 1
    assert "需上传" in page and "容缺后补" in page
    assert "3 个工作日" in page and "20 个工作日" in page
    assert "¥10.00" in page and "工本费" in page
    assert "网上办" in page and "掌上办" in page and "窗口办" not in page
    assert "0 次（跑零次）" in page
    assert 'data-testid="instant-badge"' in page
    assert f"/apply/{implementation.id}/" in page


def test_item_guide_in_english_uses_the_english_names(world, client) -> None:  # type: ignore[no-untyped-def]
    implementation = factories.implementation(dept=world.civil)
    Material.objects.filter(implementation=implementation, name="户籍地址").update(
        name_en="Household address"
    )
    page = html(client.get(f"/en/guide/{implementation.item.code}/"))
    assert '<html lang="en">' in page
    assert "Test item" in page and "Household address" in page
    assert "Fetched for you" in page and "working days" in page
    assert "已为您自动获取" not in page


def test_unknown_item_is_404(client, db) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/guide/XK99999999/").status_code == 404


def test_implementation_of_another_item_is_404(world, client) -> None:  # type: ignore[no-untyped-def]
    a = factories.implementation(dept=world.civil)
    b = factories.implementation(dept=world.market)
    assert client.get(f"/guide/{a.item.code}/{b.id}/").status_code == 404
    assert client.get(f"/guide/{a.item.code}/{a.id}/").status_code == 200
