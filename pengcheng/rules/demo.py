"""The demo's approval rule sets (秒批) and policies (政策精准推送), on the demo catalogue's items.

秒批 items: 高龄老人津贴申领 (``4403xxMZ1001``, every district), 老年人优待证办理 (``4403xxMZ1006``),
深圳经济特区居住证签注 (``440300GA0001``, issues the renewed permit), 新引进人才租房和生活补贴
(``440300RS0001``), 居民身份证换领 (``440300GA0003``) and 往来港澳通行证再次签注 (``440300GA0004``).
The first three are also 秒报 (their forms are pre-filled from the registries).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pengcheng.rules.models import Outcome, PolicyKind, Subject

A, R, F = Outcome.APPROVE, Outcome.REJECT, Outcome.REFER

# (key, expression, outcome, reason, reason_en)
RuleRow = tuple[str, str, str, str, str]
CaseRow = tuple[str, dict[str, Any], str]

NO_PERSON: RuleRow = (
    "no_population_record",
    '!("population" in registry)',
    F,
    "人口库中没有申请人的记录，需人工核实身份。",
    "The population registry has no record of the applicant; a clerk will check.",
)
SHENZHEN = 'registry.population.household_division.startsWith("4403")'
AGE = "years_between(registry.population.birth_date, today)"


def person(birth: str, division: str = "440304001001") -> dict[str, Any]:
    return {"population": {"birth_date": birth, "household_division": division, "name": "测试"}}


@dataclass
class DemoRuleSet:
    catalog: str  # catalogue code of the demo item (``demo_items``)
    district: bool  # published per district
    rules: list[RuleRow]
    cases: list[CaseRow]
    note: str = ""


RULE_SETS: list[DemoRuleSet] = [
    DemoRuleSet(
        "MZ1001",
        True,
        [
            NO_PERSON,
            (
                "not_shenzhen",
                f"!{SHENZHEN}",
                R,
                "申请人不是本市户籍，不符合高龄津贴发放条件。",
                "The applicant's household is not registered in Shenzhen.",
            ),
            # Not a clear case for the machine (the registered birth date may be wrong): a clerk decides.
            (
                "under_80",
                f"{AGE} < 80",
                F,
                "人口库登记的出生日期显示申请人未满 80 周岁，转人工核实。",
                "The registered date of birth shows the applicant is not yet 80; a clerk will check.",
            ),
            (
                "eligible",
                f"{AGE} >= 80 && {SHENZHEN}",
                A,
                "本市户籍、年满 80 周岁，符合高龄津贴发放条件，自次月起按月发放。",
                "Registered in Shenzhen and aged 80 or over: the allowance is paid monthly from next month.",
            ),
        ],
        [
            ("85 岁本市户籍：批准", {"registry": person("1940-03-01"), "today": "2026-11-27"}, A),
            ("79 岁：转人工", {"registry": person("1947-12-01"), "today": "2026-11-27"}, F),
            ("外市户籍：不予批准", {"registry": person("1930-01-01", "440111000000"), "today": "2026-11-27"}, R),
            ("人口库无记录：转人工", {"registry": {}, "today": "2026-11-27"}, F),
            (
                "户籍地缺失：转人工",
                {
                    "registry": {"population": {"birth_date": "1930-01-01", "household_division": None}},
                    "today": "2026-11-27",
                },
                F,
            ),
        ],
        "《深圳市高龄老人津贴发放办法》",
    ),
    DemoRuleSet(
        "MZ1006",
        True,
        [
            NO_PERSON,
            ("under_60", f"{AGE} < 60", R, "申请人未满 60 周岁，不能办理老年人优待证。", "The applicant is under 60."),
            (
                "eligible",
                f"{AGE} >= 60",
                A,
                "年满 60 周岁，准予办理老年人优待证。",
                "Aged 60 or over: the card is granted.",
            ),
        ],
        [
            ("65 岁：批准", {"registry": person("1961-01-01"), "today": "2026-11-27"}, A),
            ("59 岁：不予批准", {"registry": person("1967-06-01"), "today": "2026-11-27"}, R),
            ("无记录：转人工", {"registry": {}, "today": "2026-11-27"}, F),
        ],
    ),
    DemoRuleSet(
        "GA0001",
        False,
        [
            (
                "no_permit",
                '!("SZ-JZZ" in licences)',
                F,
                "未查到申请人有效的居住证电子证照，需人工核验。",
                "No residence permit in force was found; a clerk will check.",
            ),
            NO_PERSON,
            (
                "no_employer",
                "size(form.employer) < 4",
                F,
                "未填写工作单位，需人工核实就业或就读情况。",
                "No employer given; a clerk will check employment or study.",
            ),
            (
                "eligible",
                '"SZ-JZZ" in licences && size(form.employer) >= 4',
                A,
                "持有有效居住证且有稳定就业，准予签注，新的电子居住证已发放。",
                "A residence permit in force and stable employment: renewed; the new electronic permit is issued.",
            ),
        ],
        [
            (
                "有居住证且有工作：批准",
                {
                    "form": {"employer": "深圳市鹏城示范科技有限公司"},
                    "registry": person("1990-01-01"),
                    "licences": {"SZ-JZZ": {"number": "SZJZZ-1"}},
                },
                A,
            ),
            (
                "无居住证：转人工",
                {"form": {"employer": "深圳市鹏城示范科技有限公司"}, "registry": person("1990-01-01")},
                F,
            ),
            (
                "未填工作单位：转人工",
                {"form": {"employer": ""}, "registry": person("1990-01-01"), "licences": {"SZ-JZZ": {}}},
                F,
            ),
        ],
        "《深圳经济特区居住登记条例》第二十二条",
    ),
    DemoRuleSet(
        "RS0001",
        False,
        [
            NO_PERSON,
            (
                "degree",
                '!(form.education in ["bachelor", "master", "doctor"])',
                R,
                "须为全日制本科及以上学历。",
                "A full-time bachelor's degree or higher is required.",
            ),
            (
                "graduated_long_ago",
                "years_between(date(form.graduation_date), today) >= 3",
                R,
                "毕业已超过 3 年，不在补贴发放范围内。",
                "Graduated more than three years ago.",
            ),
            (
                "age_limit",
                f'{AGE} >= 35 && form.education == "bachelor"',
                R,
                "本科学历申请人须未满 35 周岁。",
                "Applicants with a bachelor's degree must be under 35.",
            ),
            (
                "eligible",
                'form.education in ["bachelor", "master", "doctor"]',
                A,
                "符合新引进人才租房和生活补贴条件，补贴将发放至所填银行账户。",
                "Eligible: the subsidy is paid to the bank account given.",
            ),
        ],
        [
            (
                "硕士毕业一年：批准",
                {
                    "form": {"education": "master", "graduation_date": "2025-07-01"},
                    "registry": person("1999-01-01"),
                    "today": "2026-11-27",
                },
                A,
            ),
            (
                "毕业四年：不予批准",
                {
                    "form": {"education": "bachelor", "graduation_date": "2022-07-01"},
                    "registry": person("1999-01-01"),
                    "today": "2026-11-27",
                },
                R,
            ),
            (
                "本科 36 岁：不予批准",
                {
                    "form": {"education": "bachelor", "graduation_date": "2025-07-01"},
                    "registry": person("1990-01-01"),
                    "today": "2026-11-27",
                },
                R,
            ),
            (
                "毕业日期缺失：转人工",
                {"form": {"education": "master"}, "registry": person("1999-01-01"), "today": "2026-11-27"},
                F,
            ),
        ],
    ),
    DemoRuleSet(
        "GA0003",
        False,
        [
            NO_PERSON,
            (
                "not_shenzhen",
                f"!{SHENZHEN}",
                F,
                "非本市户籍，需在户籍地或按异地换领流程人工办理。",
                "Not registered in Shenzhen: a clerk handles it as an out-of-town renewal.",
            ),
            (
                "eligible",
                SHENZHEN,
                A,
                "本市户籍，准予换领居民身份证，制证后邮寄或到窗口领取。",
                "Registered in Shenzhen: renewal granted; the card is posted or collected once made.",
            ),
        ],
        [
            ("本市户籍：批准", {"registry": person("1980-01-01")}, A),
            ("外市户籍：转人工", {"registry": person("1980-01-01", "110105000000")}, F),
        ],
    ),
    DemoRuleSet(
        "GA0004",
        False,
        [
            NO_PERSON,
            (
                "minor",
                f"{AGE} < 16",
                F,
                "未满 16 周岁，须由监护人陪同到窗口办理。",
                "Under 16: to be handled at the counter with a guardian.",
            ),
            (
                "no_id_card",
                '!("GA-SFZ" in licences)',
                F,
                "未查到有效的居民身份证电子证照，需人工核验。",
                "No electronic identity card in force was found; a clerk will check.",
            ),
            (
                "eligible",
                f'{SHENZHEN} && "GA-SFZ" in licences',
                A,
                "本市户籍、证件有效，准予再次签注。",
                "Registered in Shenzhen with a valid identity card: endorsement granted.",
            ),
        ],
        [
            ("成年本市户籍：批准", {"registry": person("1990-01-01"), "licences": {"GA-SFZ": {}}}, A),
            ("未成年：转人工", {"registry": person("2015-01-01"), "licences": {"GA-SFZ": {}}}, F),
            ("无身份证电子证照：转人工", {"registry": person("1990-01-01")}, F),
        ],
    ),
]


@dataclass
class DemoPolicy:
    code: str
    name: str
    name_en: str
    kind: str
    subject: str
    department: str  # department code (city) or "ZSJ" for the Futian district bureau
    summary: str
    expression: str
    item: str = ""  # item code, for one-click application
    extra: dict[str, Any] = field(default_factory=dict)


POLICIES: list[DemoPolicy] = [
    DemoPolicy(
        "old-age-allowance",
        "高龄老人津贴",
        "Old-age allowance",
        PolicyKind.WELFARE,
        Subject.PERSON,
        "440300-MZJ",
        "本市户籍、年满 80 周岁的老年人可按月领取高龄津贴（80–89 周岁每月 200 元起）。",
        f'"population" in registry && {AGE} >= 80 && {SHENZHEN}',
        "440304MZ1001",
    ),
    DemoPolicy(
        "senior-card",
        "老年人优待证",
        "Senior citizen card",
        PolicyKind.WELFARE,
        Subject.PERSON,
        "440300-MZJ",
        "年满 60 周岁可办理老年人优待证，免费乘坐公交、游览公园。",
        f'"population" in registry && {AGE} >= 60',
        "440304MZ1006",
    ),
    DemoPolicy(
        "talent-housing",
        "新引进人才租房和生活补贴",
        "Housing subsidy for new talent",
        PolicyKind.TALENT,
        Subject.PERSON,
        "440300-RSJ",
        "新引进的全日制本科及以上学历人才，在深就业的，可申领一次性租房和生活补贴（本科 1.5 万元起）。",
        f'has(declared.employed) && declared.employed && "population" in registry && {AGE} < 35',
        "440300RS0001",
    ),
    DemoPolicy(
        "childcare-deduction",
        "3 岁以下婴幼儿照护个人所得税专项附加扣除",
        "Income tax deduction for childcare",
        PolicyKind.TAX_RELIEF,
        Subject.PERSON,
        "440300-SWJU",
        "有子女的纳税人，每个子女每月可扣除 2000 元；可通过个人所得税专项附加扣除信息报送一次办好。",
        "has(declared.has_children) && declared.has_children && has(declared.employed) && declared.employed",
        "440300SW0001",
    ),
    DemoPolicy(
        "disability-allowance",
        "困难残疾人生活补贴和重度残疾人护理补贴",
        "Disability living and care allowance",
        PolicyKind.WELFARE,
        Subject.PERSON,
        "440300-MZJ",
        "持有残疾人证的困难残疾人和重度残疾人可申领生活补贴或护理补贴。",
        "has(declared.disabled) && declared.disabled",
        "440304MZ1005",
    ),
    DemoPolicy(
        "high-tech-tax",
        "高新技术企业所得税优惠（15% 税率）",
        "Reduced corporate tax for high-tech enterprises",
        PolicyKind.TAX_RELIEF,
        Subject.COMPANY,
        "440300-KJCXJ",
        "经认定的高新技术企业，减按 15% 的税率征收企业所得税；先申请高新技术企业认定。",
        "has(declared.high_tech) && declared.high_tech",
        "440300KJ0001",
    ),
    DemoPolicy(
        "sme-digital",
        "中小企业数字化转型资助",
        "Digital transformation grant for SMEs",
        PolicyKind.SUBSIDY,
        Subject.COMPANY,
        "440300-GXJ",
        "从业人员 300 人以下的中小企业实施数字化转型项目，按投入的 30% 给予最高 100 万元资助。",
        "has(declared.employees) && declared.employees > 0 && declared.employees < 300",
        "440300GX0001",
    ),
]
