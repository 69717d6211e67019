"""Demo knowledge base: the real Beijing government Q&A answers from the shared data when present
(``kb/articles.csv``, read in place), otherwise a few synthetic Shenzhen articles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import Department
from pengcheng.knowledge import services
from pengcheng.knowledge.importer import import_articles
from pengcheng.knowledge.models import Article
from pengcheng.seeding import SeedContext

# The source's (Beijing) department names, mapped to the demo city's departments of the same kind.
DEPARTMENT_ALIASES = {
    "应急局": "440300-YJGLJ",
    "规划自然资源委": "440300-GHZYJ",
    "体育局": "440300-WGLTJ",
    "文物局": "440300-WGLTJ",
    "人力资源社会保障局": "440300-RSJ",
    "北京市人力资源和社会保障局": "440300-RSJ",
    "科委": "440300-KJCXJ",
    "医保局": "440300-YBJ",
    "北京市医疗保障局、首都之窗": "440300-YBJ",
    "交通委": "440300-JTJ",
    "交管局": "440300-GAJ",
    "北京市公安局公安交通管理局": "440300-GAJ",
    "北京公安局公安交通管理局": "440300-GAJ",
    "住房公积金管理中心": "440300-ZJJ",
    "北京住房公积金管理中心": "440300-ZJJ",
    "药监局": "440300-SCJGJ",
    "城市管理委": "440300-CGJ",
    "北京市经济和信息化局": "440300-GXJ",
    "北京市卫生和健康委员会": "440300-WJW",
    "北京市计划生育服务指导中心": "440300-WJW",
    "北京市民政局": "440300-MZJ",
}

SYNTHETIC = [
    (
        "KB-DEMO-001",
        "居住证如何办理？",
        "在深圳居住满一定期限并有合法稳定住所、合法稳定就业或连续就读的，可通过“i深圳”或派出所申领居住证。"
        "需提供身份证、住所证明和近期照片，材料齐全的当场受理，15个工作日内制证。",
        ["居住证怎么申请", "办居住证要什么材料"],
        "440300-GAJ",
    ),
    (
        "KB-DEMO-002",
        "住房公积金怎么提取？",
        "职工购房、租房、退休或离开本市的，可申请提取住房公积金。租房提取可通过“i深圳”或公积金网上业务系统办理，"
        "每月可提取一次，额度以当月缴存额为限。",
        ["租房能提取公积金吗", "公积金提取流程"],
        "440300-ZJJ",
    ),
    (
        "KB-DEMO-003",
        "暴雨天气应注意什么？",
        "暴雨预警发布后，尽量留在室内，远离低洼地带、地下通道和危险边坡；驾车不要涉水通过积水路段；"
        "发现内涝、塌方等险情请拨打110或12345报告。",
        ["下大雨要注意什么", "暴雨预警怎么办"],
        "440300-YJGLJ",
    ),
    (
        "KB-DEMO-004",
        "异地就医如何备案？",
        "参保人长期异地居住或工作的，可通过国家医保服务平台APP或“i深圳”办理异地就医备案，备案后在就医地定点医疗机构"
        "可直接结算。临时外出就医也可线上备案。",
        ["在外地看病怎么报销", "异地就医直接结算"],
        "440300-YBJ",
    ),
]


def _synthetic(ctx: SeedContext) -> int:
    created = 0
    today = timezone.localdate()
    for key, title, body, variants, code in SYNTHETIC:
        if Article.objects.filter(key=key).exists():
            continue
        services.create_article(
            SYSTEM,
            services.ArticleInput(
                key=key,
                title=title,
                body=body,
                variants=variants,
                department=Department.objects.filter(code=code).first(),
                valid_from=today - dt.timedelta(days=30),
            ),
            publish=True,
        )
        created += 1
    return created


def seed_demo(ctx: SeedContext) -> None:
    if ctx.scale < 1 or Article.objects.exists():
        return  # scale 0 (the tests' city) has no demo content
    path = Path(settings.PENGCHENG_SHARED_DATA) / "kb" / "articles.csv"
    if path.is_file():
        summary = import_articles(SYSTEM, path, department_aliases=DEPARTMENT_ALIASES)
        ctx.say(f"knowledge: {summary.created} articles from {path}")
    created = _synthetic(ctx)
    if created:
        ctx.say(f"knowledge: {created} synthetic articles")
