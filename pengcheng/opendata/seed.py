"""Demo seed: the themes, and about 60 Shenzhen-style datasets from 15+ departments.

The data is synthetic and deterministic (``ctx.rng``), with the city's real district, street and
community names and codes. Every file goes through the same path as an officer's upload: read, scan
for personal data, review (the seed records its decisions, as an officer would), load.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from pengcheng.core import identifiers
from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import Department, Division, DivisionLevel
from pengcheng.opendata import services
from pengcheng.opendata.models import Dataset, DatasetState, Theme, UsageCount, VersionStatus
from pengcheng.seeding import SeedContext

# (name, title, English title, EU data theme)
THEMES = [
    ("economy", "经济建设", "Economy and finance", "ECON"),
    ("transport", "交通出行", "Transport", "TRAN"),
    ("education", "教育科技", "Education, culture and science", "EDUC"),
    ("health", "医疗卫生", "Health", "HEAL"),
    ("social", "社会保障", "Population and society", "SOCI"),
    ("environment", "生态环境", "Environment", "ENVI"),
    ("urban", "城建住房", "Regions and cities", "REGI"),
    ("safety", "公共安全", "Justice and public safety", "JUST"),
    ("culture", "文化休闲", "Culture and tourism", "EDUC"),
    ("government", "机构团体", "Government and public sector", "GOVE"),
    ("credit", "信用服务", "Credit and market supervision", "ECON"),
    ("energy", "资源能源", "Energy and resources", "ENER"),
]


def ensure_themes() -> None:
    for name, title, title_en, eu in THEMES:
        Theme.objects.update_or_create(name=name, defaults={"title": title, "title_en": title_en, "eu_theme": eu})


@dataclass(frozen=True)
class Spec:
    dept: str  # department code suffix under 440300, or a full code
    name: str
    title: str
    title_en: str
    theme: str
    frequency: str
    tags: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (header, generator)
    rows: int = 120
    fmt: str = "CSV"
    notes: str = ""
    decisions: tuple[tuple[str, str, str], ...] = ()  # (column, action, justification)


FACILITY_SUFFIX = {
    "park": "公园",
    "parking": "停车场",
    "school": "学校",
    "kindergarten": "幼儿园",
    "clinic": "社区健康服务中心",
    "library": "图书馆",
    "shelter": "应急避难场所",
    "toilet": "公共厕所",
    "station": "公交站",
    "hall": "政务服务中心",
    "elderly": "长者服务中心",
    "sports": "体育中心",
    "law": "律师事务所",
    "notary": "公证处",
    "tax": "办税服务厅",
    "veteran": "退役军人服务站",
    "pharmacy": "大药房",
    "waste": "垃圾分类投放点",
    "market": "农贸市场",
    "factory": "产业园",
}
ROADS = [
    "深南大道",
    "滨河大道",
    "北环大道",
    "红荔路",
    "福华路",
    "华强北路",
    "南海大道",
    "科苑路",
    "沙河西路",
    "宝安大道",
    "龙岗大道",
    "布吉路",
    "梅林路",
    "皇岗路",
    "新洲路",
    "民治大道",
    "光明大道",
    "坪山大道",
    "盐田路",
    "东门路",
]
COMPANY_WORDS = [
    "华创",
    "腾飞",
    "前海",
    "鹏程",
    "深蓝",
    "湾区",
    "星河",
    "海纳",
    "嘉信",
    "睿智",
    "鼎新",
    "汇通",
    "智联",
    "云帆",
    "恒泰",
]
INDUSTRY_WORDS = ["科技", "电子", "贸易", "物流", "生物医药", "新能源", "智能制造"]
ENTERPRISE_KINDS = ["有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "外商投资企业"]
FOOD_KINDS = ["粮食加工品", "乳制品", "饮料", "糕点", "调味品", "速冻食品", "酒类"]
SCHOOL_KINDS = ["公办", "民办"]
POLLUTANTS = ["优", "良", "轻度污染"]


@dataclass
class Gen:
    rng: random.Random
    streets: list[Division]
    communities: list[Division]
    districts: dict[str, str]
    row: int = 0
    street: Division | None = None

    def place(self) -> Division:
        self.street = self.rng.choice(self.streets)
        return self.street

    def value(self, kind: str) -> Any:
        rng = self.rng
        head, _, arg = kind.partition(":")
        street = self.street or self.place()
        district = self.districts.get(street.code[:6], "")
        if head == "district":
            return district
        if head == "district_code":
            return street.code[:6]
        if head == "street":
            return street.name
        if head == "community":
            options = [c for c in self.communities if c.code.startswith(street.code)] or self.communities
            return rng.choice(options).name
        if head == "facility":
            return f"{street.name.removesuffix('街道')}{FACILITY_SUFFIX[arg]}" + (
                f"（{self.row}）" if self.row % 3 == 0 else ""
            )
        if head == "address":
            return f"深圳市{district}{street.name}{rng.choice(ROADS)}{rng.randint(1, 3999)}号"
        if head == "landline":
            return f"0755-{rng.randint(2000, 8999)}{rng.randint(1000, 9999)}"
        if head == "lon":
            return round(rng.uniform(113.78, 114.55), 6)
        if head == "lat":
            return round(rng.uniform(22.45, 22.84), 6)
        if head == "int":
            low, high = (int(x) for x in arg.split("-"))
            return rng.randint(low, high)
        if head == "float":
            low_f, high_f = (float(x) for x in arg.split("~"))
            return round(rng.uniform(low_f, high_f), 2)
        if head == "choice":
            return rng.choice(arg.split("|"))
        if head == "date":
            start = dt.date(int(arg or 2015), 1, 1)
            return (start + dt.timedelta(days=rng.randint(0, 3000))).isoformat()
        if head == "day":
            return (dt.date(2024, 1, 1) + dt.timedelta(days=self.row)).isoformat()
        if head == "month":
            return f"{2022 + self.row // 12 % 3}-{self.row % 12 + 1:02d}"
        if head == "year":
            return 2015 + self.row % 10
        if head == "seq":
            return f"{arg}{self.row + 1:05d}"
        if head == "company":
            return f"深圳市{rng.choice(COMPANY_WORDS)}{rng.choice(INDUSTRY_WORDS)}有限公司"
        if head == "credit":
            body = f"{rng.randint(10_000_000, 99_999_999)}"
            return identifiers.make_credit_code("9", "1", "440399", body[:8])
        if head == "person":
            from pengcheng.core.seed import GIVEN, SURNAMES

            return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        if head == "mobile":
            return f"1990{rng.randint(0, 9_999_999):07d}"
        raise ValueError(f"unknown generator {kind!r}")


SPECS: list[Spec] = [
    Spec(
        "SCJGJ",
        "market-entities",
        "市场主体登记信息",
        "Registered market entities",
        "credit",
        "DAILY",
        ("企业", "登记", "市场主体"),
        (
            ("企业名称", "company"),
            ("统一社会信用代码", "credit"),
            ("企业类型", f"choice:{'|'.join(ENTERPRISE_KINDS)}"),
            ("成立日期", "date:2010"),
            ("注册资本（万元）", "int:10-50000"),
            ("所属区", "district"),
            ("登记机关", "choice:市市场监督管理局|区市场监督管理局"),
        ),
        rows=400,
        decisions=(("统一社会信用代码", "justify", "统一社会信用代码属于企业登记公示信息，依法向社会公开。"),),
    ),
    Spec(
        "SCJGJ",
        "food-production-licences",
        "食品生产许可证信息",
        "Food production licences",
        "credit",
        "WEEKLY",
        ("食品安全", "许可证"),
        (
            ("许可证编号", "seq:SC1044403"),
            ("生产者名称", "company"),
            ("食品类别", f"choice:{'|'.join(FOOD_KINDS)}"),
            ("发证日期", "date:2019"),
            ("有效期至", "date:2024"),
            ("所属区", "district"),
        ),
    ),
    Spec(
        "SCJGJ",
        "farmers-markets",
        "农贸市场名录",
        "Farmers' markets",
        "economy",
        "QUARTERLY",
        ("农贸市场", "民生"),
        (
            ("市场名称", "facility:market"),
            ("所属区", "district"),
            ("街道", "street"),
            ("摊位数", "int:40-400"),
            ("经度", "lon"),
            ("纬度", "lat"),
        ),
    ),
    Spec(
        "JTJ",
        "public-car-parks",
        "公共停车场信息",
        "Public car parks",
        "transport",
        "MONTHLY",
        ("停车", "交通"),
        (
            ("停车场名称", "facility:parking"),
            ("所属区", "district"),
            ("街道", "street"),
            ("地址", "address"),
            ("泊位数", "int:30-1200"),
            ("收费标准（元/小时）", "float:2~15"),
            ("经度", "lon"),
            ("纬度", "lat"),
        ),
        rows=300,
        decisions=(("地址", "justify", "停车场为公共设施，其地址为公开信息，不涉及个人。"),),
    ),
    Spec(
        "JTJ",
        "bus-stops",
        "公交站点",
        "Bus stops",
        "transport",
        "MONTHLY",
        ("公交", "站点", "地图"),
        (
            ("站点名称", "facility:station"),
            ("所属区", "district"),
            ("街道", "street"),
            ("线路数", "int:1-28"),
            ("经度", "lon"),
            ("纬度", "lat"),
        ),
        rows=300,
        fmt="GEOJSON",
    ),
    Spec(
        "JTJ",
        "taxi-operations-monthly",
        "出租车运营月度统计",
        "Taxi operations by month",
        "transport",
        "MONTHLY",
        ("出租车", "统计"),
        (
            ("月份", "month"),
            ("营运车辆数", "int:15000-22000"),
            ("载客次数（万次）", "float:900~1500"),
            ("平均里程（公里）", "float:7~12"),
            ("新能源车占比（%）", "float:95~100"),
        ),
        rows=36,
    ),
    Spec(
        "JTJ",
        "road-congestion-index",
        "道路交通拥堵指数",
        "Road congestion index",
        "transport",
        "DAILY",
        ("交通", "拥堵"),
        (("日期", "day"), ("所属区", "district"), ("早高峰指数", "float:1.2~2.4"), ("晚高峰指数", "float:1.3~2.6")),
        rows=365,
    ),
    Spec(
        "WJW",
        "medical-institutions",
        "医疗机构名录",
        "Medical institutions",
        "health",
        "MONTHLY",
        ("医疗", "医院"),
        (
            ("机构名称", "facility:clinic"),
            ("机构类别", "choice:综合医院|专科医院|社区健康服务中心|门诊部"),
            ("所属区", "district"),
            ("街道", "street"),
            ("床位数", "int:0-1500"),
            ("联系电话", "landline"),
            ("经度", "lon"),
            ("纬度", "lat"),
        ),
        rows=300,
    ),
    Spec(
        "WJW",
        "vaccination-clinics",
        "预防接种门诊",
        "Vaccination clinics",
        "health",
        "MONTHLY",
        ("疫苗", "接种"),
        (
            ("门诊名称", "facility:clinic"),
            ("所属区", "district"),
            ("街道", "street"),
            ("服务时间", "choice:周一至周五 8:30-17:30|周二至周日 8:30-12:00"),
            ("联系电话", "landline"),
        ),
    ),
    Spec(
        "WJW",
        "births-by-district",
        "各区出生人口统计",
        "Births by district",
        "health",
        "ANNUAL",
        ("人口", "出生"),
        (
            ("年份", "year"),
            ("所属区", "district"),
            ("出生人数", "int:8000-40000"),
            ("二孩及以上占比（%）", "float:40~60"),
        ),
        rows=90,
    ),
    Spec(
        "JYJ",
        "primary-secondary-schools",
        "中小学校名录",
        "Primary and secondary schools",
        "education",
        "ANNUAL",
        ("学校", "教育"),
        (
            ("学校名称", "facility:school"),
            ("办学性质", f"choice:{'|'.join(SCHOOL_KINDS)}"),
            ("学段", "choice:小学|初中|九年一贯制|高中"),
            ("所属区", "district"),
            ("街道", "street"),
            ("班级数", "int:12-96"),
            ("经度", "lon"),
            ("纬度", "lat"),
        ),
        rows=300,
        fmt="XLSX",
    ),
    Spec(
        "JYJ",
        "kindergartens",
        "幼儿园名录",
        "Kindergartens",
        "education",
        "ANNUAL",
        ("幼儿园", "学前教育"),
        (
            ("幼儿园名称", "facility:kindergarten"),
            ("办学性质", "choice:公办|普惠性民办|民办"),
            ("所属区", "district"),
            ("学位数", "int:90-540"),
            ("联系电话", "landline"),
        ),
    ),
    Spec(
        "JYJ",
        "school-places-applications",
        "学位申请统计",
        "School place applications",
        "education",
        "ANNUAL",
        ("学位", "统计"),
        (
            ("年份", "year"),
            ("所属区", "district"),
            ("小一申请数", "int:5000-30000"),
            ("初一申请数", "int:4000-25000"),
            ("满足率（%）", "float:85~100"),
        ),
        rows=90,
    ),
    Spec(
        "STHJJ",
        "air-quality-daily",
        "空气质量日报",
        "Daily air quality",
        "environment",
        "DAILY",
        ("空气质量", "AQI", "环境"),
        (
            ("日期", "day"),
            ("监测站", "street"),
            ("AQI", "int:15-160"),
            ("PM2.5（μg/m³）", "int:5-90"),
            ("PM10（μg/m³）", "int:10-140"),
            ("臭氧（μg/m³）", "int:20-200"),
            ("等级", f"choice:{'|'.join(POLLUTANTS)}"),
        ),
        rows=730,
    ),
    Spec(
        "STHJJ",
        "river-water-quality",
        "河流水质监测",
        "River water quality",
        "environment",
        "MONTHLY",
        ("水质", "河流"),
        (
            ("月份", "month"),
            ("河流", "choice:深圳河|茅洲河|龙岗河|观澜河|坪山河|大沙河|西乡河"),
            ("断面", "street"),
            ("水质类别", "choice:II类|III类|IV类|V类"),
            ("溶解氧（mg/L）", "float:4~9"),
            ("氨氮（mg/L）", "float:0.1~2.0"),
        ),
        rows=240,
    ),
    Spec(
        "STHJJ",
        "noise-monitoring",
        "区域环境噪声监测",
        "Environmental noise",
        "environment",
        "QUARTERLY",
        ("噪声", "环境"),
        (
            ("月份", "month"),
            ("所属区", "district"),
            ("昼间等效声级（dB）", "float:50~65"),
            ("夜间等效声级（dB）", "float:42~55"),
        ),
        rows=108,
    ),
    Spec(
        "SWJ",
        "reservoir-levels",
        "水库水位信息",
        "Reservoir water levels",
        "energy",
        "DAILY",
        ("水库", "水位", "水务"),
        (
            ("日期", "day"),
            ("水库", "choice:深圳水库|西丽水库|铁岗水库|石岩水库|公明水库|清林径水库"),
            ("水位（米）", "float:20~80"),
            ("蓄水量（万立方米）", "float:1000~15000"),
        ),
        rows=365,
    ),
    Spec(
        "SWJ",
        "tap-water-quality",
        "供水水质公示",
        "Tap water quality",
        "energy",
        "MONTHLY",
        ("供水", "水质"),
        (
            ("月份", "month"),
            ("水厂", "choice:笔架山水厂|梅林水厂|东湖水厂|南山水厂|大涌水厂"),
            ("浊度（NTU）", "float:0.05~0.5"),
            ("余氯（mg/L）", "float:0.3~0.8"),
            ("合格率（%）", "float:99~100"),
        ),
        rows=60,
    ),
    Spec(
        "RSJ",
        "vocational-training-institutions",
        "职业技能培训机构",
        "Vocational training institutions",
        "social",
        "QUARTERLY",
        ("培训", "就业"),
        (
            ("机构名称", "company"),
            ("统一社会信用代码", "credit"),
            ("培训工种", "choice:电工|焊工|育婴员|养老护理员|计算机程序设计员|中式烹调师"),
            ("所属区", "district"),
            ("联系电话", "landline"),
        ),
        decisions=(("统一社会信用代码", "justify", "培训机构为依法登记的法人，信用代码依法公示。"),),
    ),
    Spec(
        "RSJ",
        "social-insurance-service-points",
        "社保经办服务网点",
        "Social insurance service points",
        "social",
        "MONTHLY",
        ("社保", "服务网点"),
        (
            ("网点名称", "facility:hall"),
            ("所属区", "district"),
            ("街道", "street"),
            ("办公时间", "choice:周一至周五 9:00-18:00|周一至周六 9:00-17:00"),
            ("联系电话", "landline"),
        ),
    ),
    Spec(
        "RSJ",
        "employment-statistics",
        "城镇新增就业统计",
        "New urban employment",
        "economy",
        "MONTHLY",
        ("就业", "统计"),
        (
            ("月份", "month"),
            ("所属区", "district"),
            ("新增就业人数", "int:1000-9000"),
            ("失业人员再就业", "int:200-2000"),
        ),
        rows=108,
    ),
    Spec(
        "MZJ",
        "elderly-care-institutions",
        "养老机构名录",
        "Elderly care institutions",
        "social",
        "QUARTERLY",
        ("养老", "民政"),
        (
            ("机构名称", "facility:elderly"),
            ("所属区", "district"),
            ("街道", "street"),
            ("床位数", "int:20-600"),
            ("性质", "choice:公办|公建民营|民办"),
            ("联系电话", "landline"),
        ),
    ),
    Spec(
        "MZJ",
        "marriage-registration-offices",
        "婚姻登记处",
        "Marriage registration offices",
        "social",
        "ANNUAL",
        ("婚姻登记", "民政"),
        (
            ("登记处", "facility:hall"),
            ("所属区", "district"),
            ("办公时间", "choice:周一至周五 9:00-12:00 14:00-18:00"),
            ("联系电话", "landline"),
        ),
        rows=12,
    ),
    Spec(
        "MZJ",
        "community-service-centres",
        "社区党群服务中心",
        "Community service centres",
        "government",
        "QUARTERLY",
        ("社区", "服务"),
        (
            ("社区", "community"),
            ("街道", "street"),
            ("所属区", "district"),
            ("服务面积（平方米）", "int:300-3000"),
            ("联系电话", "landline"),
        ),
        rows=400,
    ),
    Spec(
        "ZJJ",
        "affordable-housing-projects",
        "保障性住房项目",
        "Affordable housing projects",
        "urban",
        "QUARTERLY",
        ("住房", "保障房"),
        (
            ("项目名称", "facility:factory"),
            ("所属区", "district"),
            ("街道", "street"),
            ("套数", "int:200-3000"),
            ("类型", "choice:公共租赁住房|保障性租赁住房|共有产权住房"),
            ("计划竣工", "date:2023"),
        ),
    ),
    Spec(
        "ZJJ",
        "construction-permits",
        "建筑工程施工许可",
        "Construction permits",
        "urban",
        "WEEKLY",
        ("施工许可", "建设"),
        (
            ("许可证编号", "seq:440300202"),
            ("建设单位", "company"),
            ("所属区", "district"),
            ("建筑面积（平方米）", "int:2000-300000"),
            ("发证日期", "date:2021"),
        ),
        rows=300,
    ),
    Spec(
        "GHZYJ",
        "land-supply-plan",
        "年度土地供应计划",
        "Land supply plan",
        "urban",
        "ANNUAL",
        ("土地", "规划"),
        (
            ("年份", "year"),
            ("所属区", "district"),
            ("用途", "choice:居住|商业|工业|公共设施"),
            ("面积（公顷）", "float:1~80"),
        ),
        rows=90,
    ),
    Spec(
        "GHZYJ",
        "place-names",
        "标准地名信息",
        "Standard place names",
        "urban",
        "IRREG",
        ("地名", "行政区划"),
        (("社区", "community"), ("街道", "street"), ("所属区", "district"), ("区划代码", "district_code")),
        rows=400,
    ),
    Spec(
        "CGJ",
        "city-parks",
        "公园名录",
        "City parks",
        "culture",
        "QUARTERLY",
        ("公园", "休闲"),
        (
            ("公园名称", "facility:park"),
            ("类型", "choice:综合公园|社区公园|郊野公园|自然公园"),
            ("所属区", "district"),
            ("面积（公顷）", "float:0.5~300"),
            ("经度", "lon"),
            ("纬度", "lat"),
        ),
        rows=300,
    ),
    Spec(
        "CGJ",
        "public-toilets",
        "公共厕所",
        "Public toilets",
        "urban",
        "MONTHLY",
        ("公厕", "地图"),
        (
            ("名称", "facility:toilet"),
            ("所属区", "district"),
            ("街道", "street"),
            ("开放时间", "choice:24小时|6:00-23:00"),
            ("经度", "lon"),
            ("纬度", "lat"),
        ),
        rows=300,
        fmt="GEOJSON",
    ),
    Spec(
        "CGJ",
        "waste-sorting-points",
        "垃圾分类集中投放点",
        "Waste sorting points",
        "environment",
        "MONTHLY",
        ("垃圾分类", "环境"),
        (
            ("投放点", "facility:waste"),
            ("社区", "community"),
            ("街道", "street"),
            ("所属区", "district"),
            ("投放时段", "choice:7:00-9:00 19:00-21:00|全天"),
        ),
        rows=400,
    ),
    Spec(
        "YJGLJ",
        "emergency-shelters",
        "应急避难场所",
        "Emergency shelters",
        "safety",
        "ANNUAL",
        ("应急", "避难场所", "地图"),
        (
            ("名称", "facility:shelter"),
            ("类型", "choice:室内|室外"),
            ("所属区", "district"),
            ("可容纳人数", "int:200-20000"),
            ("经度", "lon"),
            ("纬度", "lat"),
        ),
        fmt="GEOJSON",
    ),
    Spec(
        "YJGLJ",
        "production-safety-stats",
        "安全生产事故统计",
        "Workplace safety statistics",
        "safety",
        "MONTHLY",
        ("安全生产", "统计"),
        (("月份", "month"), ("所属区", "district"), ("事故起数", "int:0-20"), ("死亡人数", "int:0-5")),
        rows=108,
    ),
    Spec(
        "WGLTJ",
        "public-libraries",
        "公共图书馆",
        "Public libraries",
        "culture",
        "ANNUAL",
        ("图书馆", "文化"),
        (
            ("名称", "facility:library"),
            ("所属区", "district"),
            ("藏书量（册）", "int:5000-500000"),
            ("开放时间", "choice:9:00-21:00|9:30-20:30"),
            ("联系电话", "landline"),
        ),
    ),
    Spec(
        "WGLTJ",
        "sports-venues",
        "公共体育场馆",
        "Public sports venues",
        "culture",
        "ANNUAL",
        ("体育", "场馆"),
        (
            ("场馆名称", "facility:sports"),
            ("所属区", "district"),
            ("场地类型", "choice:游泳馆|篮球场|足球场|羽毛球馆|综合馆"),
            ("免费开放", "choice:是|否"),
        ),
    ),
    Spec(
        "WGLTJ",
        "a-level-scenic-spots",
        "A级旅游景区",
        "Rated tourist attractions",
        "culture",
        "ANNUAL",
        ("旅游", "景区"),
        (
            ("景区名称", "facility:park"),
            ("等级", "choice:5A|4A|3A"),
            ("所属区", "district"),
            ("年接待游客（万人次）", "float:5~900"),
        ),
        rows=40,
        fmt="JSON",
    ),
    Spec(
        "KJCXJ",
        "high-tech-enterprises",
        "国家高新技术企业名单",
        "High-tech enterprises",
        "economy",
        "ANNUAL",
        ("高新技术企业", "科技"),
        (
            ("企业名称", "company"),
            ("统一社会信用代码", "credit"),
            ("认定年份", "year"),
            ("技术领域", "choice:电子信息|生物与新医药|新材料|高技术服务|先进制造与自动化|新能源与节能"),
        ),
        rows=400,
        decisions=(("统一社会信用代码", "justify", "高新技术企业认定结果依规定向社会公示，包含信用代码。"),),
    ),
    Spec(
        "KJCXJ",
        "research-platforms",
        "科技创新载体",
        "Research and innovation platforms",
        "education",
        "ANNUAL",
        ("科研", "实验室"),
        (
            ("载体名称", "facility:factory"),
            ("级别", "choice:国家级|省级|市级"),
            ("类型", "choice:重点实验室|工程技术研究中心|新型研发机构"),
            ("所属区", "district"),
        ),
    ),
    Spec(
        "GXJ",
        "industrial-parks",
        "工业园区名录",
        "Industrial parks",
        "economy",
        "ANNUAL",
        ("产业", "园区"),
        (
            ("园区名称", "facility:factory"),
            ("所属区", "district"),
            ("占地面积（公顷）", "float:5~300"),
            ("主导产业", "choice:电子信息|智能制造|生物医药|新材料|数字经济"),
        ),
    ),
    Spec(
        "GXJ",
        "industrial-output-monthly",
        "规模以上工业增加值",
        "Industrial value added",
        "economy",
        "MONTHLY",
        ("工业", "统计"),
        (
            ("月份", "month"),
            ("所属区", "district"),
            ("增加值（亿元）", "float:50~600"),
            ("同比增长（%）", "float:-5~15"),
        ),
        rows=108,
    ),
    Spec(
        "SWUJ",
        "commercial-complexes",
        "大型商业综合体",
        "Shopping centres",
        "economy",
        "ANNUAL",
        ("商业", "消费"),
        (("名称", "company"), ("所属区", "district"), ("商业面积（万平方米）", "float:3~40"), ("开业年份", "year")),
    ),
    Spec(
        "FGW",
        "farm-produce-prices",
        "主要农产品价格监测",
        "Farm produce prices",
        "economy",
        "WEEKLY",
        ("价格", "民生"),
        (("日期", "day"), ("品种", "choice:大米|猪肉|鸡蛋|青菜|西红柿|鲜鱼|食用油"), ("均价（元/公斤）", "float:4~60")),
        rows=500,
    ),
    Spec(
        "SFJ",
        "law-firms",
        "律师事务所名录",
        "Law firms",
        "safety",
        "QUARTERLY",
        ("律师", "法律服务"),
        (
            ("律所名称", "facility:law"),
            ("负责人", "person"),
            ("执业律师数", "int:3-600"),
            ("所属区", "district"),
            ("联系电话", "landline"),
        ),
        decisions=(("负责人", "mask", ""),),
    ),
    Spec(
        "SFJ",
        "notary-offices",
        "公证机构",
        "Notary offices",
        "safety",
        "ANNUAL",
        ("公证", "法律服务"),
        (("机构名称", "facility:notary"), ("所属区", "district"), ("公证员人数", "int:5-80"), ("联系电话", "landline")),
        rows=12,
    ),
    Spec(
        "CZJ",
        "budget-execution",
        "一般公共预算执行情况",
        "Budget execution",
        "economy",
        "MONTHLY",
        ("财政", "预算"),
        (
            ("月份", "month"),
            ("科目", "choice:一般公共服务|教育|科学技术|社会保障和就业|卫生健康|城乡社区"),
            ("预算数（亿元）", "float:10~500"),
            ("执行数（亿元）", "float:5~480"),
        ),
        rows=216,
        fmt="XLSX",
    ),
    Spec(
        "ZSJ",
        "government-service-volumes",
        "政务服务事项办件量统计",
        "Government service volumes",
        "government",
        "MONTHLY",
        ("政务服务", "一网通办"),
        (
            ("月份", "month"),
            ("所属区", "district"),
            ("受理量", "int:20000-200000"),
            ("办结量", "int:19000-199000"),
            ("网上办理率（%）", "float:85~99"),
        ),
        rows=108,
    ),
    Spec(
        "ZSJ",
        "service-halls",
        "政务服务大厅",
        "Government service halls",
        "government",
        "QUARTERLY",
        ("政务服务", "大厅"),
        (
            ("大厅名称", "facility:hall"),
            ("所属区", "district"),
            ("街道", "street"),
            ("窗口数", "int:5-120"),
            ("经度", "lon"),
            ("纬度", "lat"),
        ),
    ),
    Spec(
        "RX12345",
        "hotline-requests-by-category",
        "12345热线诉求分类统计",
        "12345 hotline requests by category",
        "government",
        "MONTHLY",
        ("12345", "热线", "民意速办"),
        (
            ("月份", "month"),
            ("所属区", "district"),
            ("诉求类别", "choice:城市管理|交通运输|劳动保障|住房建设|市场监管|生态环境"),
            ("诉求量", "int:500-30000"),
            ("满意率（%）", "float:95~99.9"),
        ),
        rows=400,
    ),
    Spec(
        "RX12345",
        "hotline-case-samples",
        "12345热线典型诉求样本",
        "12345 hotline sample requests",
        "government",
        "MONTHLY",
        ("12345", "热线"),
        (
            ("工单编号", "seq:SZ2024"),
            ("诉求类别", "choice:噪声扰民|道路破损|占道经营|违章停车"),
            ("所属街道", "street"),
            ("来电号码", "mobile"),
            ("办结日期", "date:2024"),
        ),
        rows=200,
        decisions=(("来电号码", "drop", ""),),
    ),
    Spec(
        "GAJ",
        "traffic-violation-hotspots",
        "交通违法高发路段",
        "Traffic violation hotspots",
        "safety",
        "MONTHLY",
        ("交通安全", "违法"),
        (
            ("路段", "choice:深南大道|北环大道|滨海大道|宝安大道|龙岗大道|梅观高速"),
            ("所属区", "district"),
            ("违法类型", "choice:违法停车|闯红灯|超速|不礼让行人"),
            ("起数", "int:100-5000"),
        ),
        rows=200,
    ),
    Spec(
        "GAJ",
        "household-registration-points",
        "户政业务办理网点",
        "Household registration offices",
        "safety",
        "QUARTERLY",
        ("户政", "派出所"),
        (("网点", "facility:hall"), ("所属区", "district"), ("街道", "street"), ("联系电话", "landline")),
    ),
    Spec(
        "YBJ",
        "designated-pharmacies",
        "医保定点零售药店",
        "Designated pharmacies",
        "health",
        "MONTHLY",
        ("医保", "药店"),
        (
            ("药店名称", "facility:pharmacy"),
            ("所属区", "district"),
            ("街道", "street"),
            ("医保编码", "seq:P44030"),
            ("经度", "lon"),
            ("纬度", "lat"),
        ),
        rows=400,
    ),
    Spec(
        "TYJRJ",
        "veteran-service-stations",
        "退役军人服务站",
        "Veterans service stations",
        "social",
        "ANNUAL",
        ("退役军人", "服务"),
        (
            ("服务站", "facility:veteran"),
            ("社区", "community"),
            ("街道", "street"),
            ("所属区", "district"),
            ("联系电话", "landline"),
        ),
        fmt="JSON",
    ),
    Spec(
        "SWJU",
        "tax-service-halls",
        "办税服务厅",
        "Tax service halls",
        "government",
        "ANNUAL",
        ("税务", "办税"),
        (
            ("名称", "facility:tax"),
            ("所属区", "district"),
            ("街道", "street"),
            ("办公时间", "choice:周一至周五 9:00-18:00"),
            ("联系电话", "landline"),
        ),
    ),
]
DISTRICT_SPECS = [
    (
        "population-by-street",
        "各街道常住人口",
        "Resident population by street",
        (("街道", "street"), ("年份", "year"), ("常住人口（万人）", "float:3~60"), ("户籍人口（万人）", "float:1~30")),
    ),
]


def _render(spec: Spec, headers: list[str], rows: list[list[Any]]) -> tuple[bytes, str]:
    if spec.fmt == "CSV":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8"), "csv"
    if spec.fmt == "JSON":
        return json.dumps([dict(zip(headers, row, strict=True)) for row in rows], ensure_ascii=False).encode(), "json"
    if spec.fmt == "GEOJSON":
        lon, lat = headers.index("经度"), headers.index("纬度")
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row[lon], row[lat]]},
                "properties": {h: v for i, (h, v) in enumerate(zip(headers, row, strict=True)) if i not in (lon, lat)},
            }
            for row in rows
        ]
        return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode(), "geojson"
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer_b = io.BytesIO()
    book.save(buffer_b)
    return buffer_b.getvalue(), "xlsx"


def _department(code: str) -> Department | None:
    full = code if code[:1].isdigit() else f"440300-{code}"
    return Department.objects.filter(code=full).first()


@transaction.atomic
def _publish(ctx: SeedContext, spec: Spec, gen: Gen, department: Department, spatial: str = "440300") -> None:
    if Dataset.objects.filter(name=spec.name).exists():
        return
    headers = [header for header, _ in spec.columns]
    rows = []
    for number in range(spec.rows):
        gen.row = number
        gen.place()
        rows.append([gen.value(kind) for _, kind in spec.columns])
    content, suffix = _render(spec, headers, rows)
    rng = gen.rng
    start = dt.date(2015 + rng.randint(0, 7), 1, 1)
    dataset = services.create_dataset(
        SYSTEM,
        {
            "name": spec.name,
            "title": spec.title,
            "title_en": spec.title_en,
            "notes": spec.notes
            or f"{department.name}发布的{spec.title}。数据为演示用合成数据，地名和区划代码为真实值。",
            "owner_org": department.code,
            "license_id": rng.choice(["cc-by", "cc-by", "cc-zero", "odc-by"]),
            "frequency": spec.frequency,
            "temporal_start": start.isoformat(),
            "temporal_end": dt.date(2024, 12, 31).isoformat(),
            "spatial": spatial,
            "contact_name": f"{department.short_name or department.name}数据管理科",
            "contact_email": f"opendata@{department.code.lower().replace('-', '')}.demo.pengcheng.localhost",
            "contact_phone": f"0755-{rng.randint(2000, 8999)}{rng.randint(1000, 9999)}",
            "tags": list(spec.tags),
            "groups": [spec.theme],
            "state": DatasetState.DRAFT,
        },
    )
    upload = SimpleUploadedFile(f"{spec.name}.{suffix}", content)
    version = services.upload_resource(SYSTEM, dataset, upload, name=f"{spec.title}（{suffix.upper()}）")
    if version.status == VersionStatus.REVIEW:
        decisions = {column: {"action": action, "justification": reason} for column, action, reason in spec.decisions}
        flagged = {finding["column"] for finding in version.findings}
        missing = flagged - set(decisions)
        if missing:
            raise RuntimeError(f"seed dataset {spec.name}: no decision for flagged columns {sorted(missing)}")
        services.review_version(SYSTEM, version, {column: decisions[column] for column in flagged})
    services.publish_dataset(SYSTEM, dataset)


def seed_demo(ctx: SeedContext) -> None:
    ensure_themes()
    if ctx.scale < 1:
        return
    streets = list(Division.objects.filter(level=DivisionLevel.STREET, code__startswith="4403").order_by("code"))
    communities = list(Division.objects.filter(level=DivisionLevel.COMMUNITY, code__startswith="4403").order_by("code"))
    districts = dict(
        Division.objects.filter(level=DivisionLevel.DISTRICT, code__startswith="4403").values_list("code", "name")
    )
    if not streets:
        ctx.say("opendata: no divisions; skipping the demo datasets")
        return
    work: list[tuple[Spec, Department, str]] = []
    for spec in SPECS:
        department = _department(spec.dept)
        if department is not None:
            work.append((spec, department, "440300"))
    for district_code, district_name in sorted(districts.items()):
        department = Department.objects.filter(code=f"{district_code}-ZSJ").first()
        if department is None:
            continue
        for name, title, title_en, columns in DISTRICT_SPECS:
            spec = Spec(
                department.code,
                f"{name}-{district_code}",
                f"{district_name}{title}",
                f"{title_en}, {district_code}",
                "social",
                "ANNUAL",
                ("人口", district_name),
                columns,
                rows=60,
            )
            work.append((spec, department, district_code))
    for spec, department, spatial in ctx.progress(work, len(work), "open-data datasets"):
        rng = ctx.rng(f"opendata:{spec.name}")
        local_streets = [s for s in streets if s.code.startswith(spatial)] if spatial != "440300" else streets
        _publish(ctx, spec, Gen(rng, local_streets or streets, communities, districts), department, spatial)
    _usage_history(ctx)
    ctx.say(f"opendata: {Dataset.objects.filter(state=DatasetState.ACTIVE).count()} published datasets")


def _usage_history(ctx: SeedContext) -> None:
    """Thirty days of anonymous API calls per dataset, so that the usage charts show something."""
    today = timezone.localdate()
    if UsageCount.objects.filter(day__lt=today).exists():
        return
    rng = ctx.rng("opendata:usage")
    rows = []
    for dataset_id in Dataset.objects.filter(state=DatasetState.ACTIVE).order_by("name").values_list("pk", flat=True):
        popularity = rng.choice((5, 20, 60, 200))
        for days_ago in range(1, 31):
            day = today - dt.timedelta(days=days_ago)
            weekday_factor = 0.4 if day.weekday() >= 5 else 1.0
            for action, share in (("package_show", 1.0), ("datastore_search", 2.5), ("download_csv", 0.3)):
                calls = int(rng.gauss(popularity * share * weekday_factor, popularity * 0.2))
                if calls > 0:
                    rows.append(UsageCount(day=day, dataset_id=str(dataset_id), action=action, calls=calls))
    UsageCount.objects.bulk_create(rows, batch_size=2000)
