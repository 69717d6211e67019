"""Knowledge-base fixtures: the per-process search index is forgotten after each test, since a
test's articles roll back with its transaction."""

from collections.abc import Iterator
from typing import Any

import pytest

from pengcheng.core.actors import SYSTEM
from pengcheng.knowledge import search, services
from pengcheng.knowledge.models import Article


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    search.reset()
    yield
    search.reset()


def article(body: str, *, publish: bool = True, **fields: Any) -> Article:
    return services.create_article(SYSTEM, services.ArticleInput(body=body, **fields), publish=publish)


BODIES = {
    "fund": "职工租房可以申请提取住房公积金，每月提取一次，额度以当月缴存额为限，可通过网上业务系统办理。",
    "medical": "参保人员长期异地居住的，可以办理异地就医备案，备案后在就医地定点医疗机构直接结算医疗费用。",
    "snow": "暴雪天气尽量减少外出，远离广告牌和老树，驾车要减速慢行，注意防寒保暖。",
    "land": "土地登记是指将国有土地使用权、集体土地所有权等土地权利记载于土地登记簿公示的行为。",
}
