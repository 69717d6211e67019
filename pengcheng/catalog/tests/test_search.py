"""Catalogue search: ranking, synonyms, typos, pinyin and filters, over the demo catalogue."""

from pengcheng.catalog import search, selectors
from pengcheng.catalog.services import set_status
from pengcheng.catalog.tests.factories import make_item
from pengcheng.core.actors import SYSTEM


def names(query: str, **filters) -> list[str]:
    return [i.current.name for i in selectors.search_items(query, per_page=10, **filters).items]


def test_exact_name_ranks_first(demo_city) -> None:
    assert names("高龄老人津贴申领")[0] == "高龄老人津贴申领"
    assert names("个体工商户设立登记")[0] == "个体工商户设立登记"


def test_synonyms_find_items_named_differently(demo_city) -> None:
    assert "高龄老人津贴申领" in names("老人")
    assert "个体工商户设立登记" in names("开店")
    assert "灵活就业人员社会保险参保登记" in names("社保")
    assert "新引进人才租房和生活补贴" in names("人才补贴")


def test_a_wrong_character_still_finds_the_item(demo_city) -> None:
    assert names("居住正签注")[0] == "深圳经济特区居住证签注"  # homophone typo
    assert "深圳经济特区居住证签注" in names("居住证签住")


def test_pinyin_queries(demo_city) -> None:
    assert names("gaoling")[0] == "高龄老人津贴申领"
    assert names("ju zhu zheng")[0].startswith("深圳经济特区居住证")


def test_filters_by_district_department_theme_and_audience(demo_city) -> None:
    futian = selectors.search_items("高龄老人津贴", district="440304")
    assert {i.department.code for i in futian.items} == {"440304-ZSJ"}
    nanshan_items = selectors.search_items("", district="440305", per_page=100).items
    assert all(i.division_id in ("440300", "440305") for i in nanshan_items)
    assert {i.department.code for i in selectors.search_items("", department="440300-GAJ", per_page=50).items} == {
        "440300-GAJ"
    }
    assert all("人才" in i.current.themes for i in selectors.search_items("", theme="人才").items)
    companies = selectors.search_items("", audience="enterprise", per_page=100).items
    assert companies and all("enterprise" in i.current.audiences for i in companies)


def test_nonsense_finds_nothing_and_paging_is_stable(demo_city) -> None:
    assert selectors.search_items("qzxv").total == 0
    first = selectors.search_items("补贴", page=1, per_page=5)
    second = selectors.search_items("补贴", page=2, per_page=5)
    assert first.total == second.total > 5
    assert not {i.pk for i in first.items} & {i.pk for i in second.items}


def test_published_and_offline_items_show_up_and_disappear(demo_city) -> None:
    item = make_item(name="无人机飞行活动报备测试事项")
    assert names("无人机飞行")[0] == "无人机飞行活动报备测试事项"
    set_status(SYSTEM, item, "offline")
    assert "无人机飞行活动报备测试事项" not in names("无人机飞行")


def test_terms_carry_pinyin_and_initials() -> None:
    terms = search.terms_for(name="高龄津贴", themes=["老年人"], department="民政局", materials=[], guide="")
    assert terms["py"] == "gaolingjintie"
    assert terms["pyi"] == "gljt"
    assert "bi:高龄" in terms["t"] and "theme:老年人" in terms["t"]
