"""The demo city's own catalogue: synthetic but realistic Shenzhen service items with their forms.

City-level items belong to the seeded city bureaus; district-level items are published once per
district, for that district's government services bureau (``4403xx-ZSJ``). Items that later issues
turn into 秒报/秒批 (高龄津贴, 个体工商户登记, 居住证签注, 人才引进补贴, …) are among them. Each form field
names the base-registry value it can be pre-filled from (``prefill``); items marked ``INSTANT_FILL`` are
秒报: their forms are pre-filled, with consent (``pengcheng.prefill``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pengcheng.catalog.models import Audience, Channel, ItemLevel, ItemType, LimitUnit, MaterialKind, TongbanScope
from pengcheng.catalog.services import ItemSpec, MaterialSpec
from pengcheng.core.models import Department

W, C = LimitUnit.WORKING_DAYS, LimitUnit.CALENDAR_DAYS
PERSON: list[str] = [Audience.PERSON]
COMPANY: list[str] = [Audience.ENTERPRISE, Audience.UNINCORPORATED]
BOTH: list[str] = [Audience.PERSON, Audience.ENTERPRISE]
ALL_CHANNELS: list[str] = [Channel.ONLINE, Channel.KIOSK, Channel.COUNTER, Channel.APP]

# Form fields: name → (schema, UI hints).
FIELDS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "applicant_name": (
        {"type": "string", "title": "申请人姓名", "minLength": 2, "maxLength": 30},
        {"title_en": "Applicant's name", "autocomplete": "name", "prefill": "population.name"},
    ),
    "id_number": (
        {"type": "string", "title": "公民身份号码", "format": "cn-id-number"},
        {
            "title_en": "Resident identity number",
            "help": "18 位，最后一位可以是 X。",
            "help_en": "18 characters; the last may be X.",
            "prefill": "population.id_number",
        },
    ),
    "phone": (
        {"type": "string", "title": "联系电话", "format": "cn-mobile"},
        {"title_en": "Mobile phone", "autocomplete": "tel", "prefill": "account.phone"},
    ),
    "birth_date": (
        {"type": "string", "title": "出生日期", "format": "date"},
        {"title_en": "Date of birth", "autocomplete": "bday", "prefill": "population.birth_date"},
    ),
    "address": (
        {"type": "string", "title": "现居住地址", "minLength": 5, "maxLength": 200},
        {"title_en": "Current address", "autocomplete": "street-address", "prefill": "population.address"},
    ),
    "household_address": (
        {"type": "string", "title": "户籍地址", "minLength": 5, "maxLength": 200},
        {"title_en": "Registered household address", "prefill": "population.household_address"},
    ),
    "bank_name": (
        {"type": "string", "title": "开户银行", "minLength": 2, "maxLength": 60},
        {"title_en": "Bank"},
    ),
    "bank_account": (
        {"type": "string", "title": "银行账号", "pattern": "^[0-9]{12,19}$"},
        {
            "title_en": "Bank account number",
            "help": "本人名下的 12 至 19 位借记卡号。",
            "help_en": "A 12- to 19-digit debit card in your own name.",
            "pattern_message": "银行账号应为 12 至 19 位数字。",
            "pattern_message_en": "A bank account number has 12 to 19 digits.",
            "inputmode": "numeric",
        },
    ),
    "company_name": (
        {"type": "string", "title": "企业名称", "minLength": 4, "maxLength": 100},
        {"title_en": "Company name", "autocomplete": "organization", "prefill": "legal_entity.name"},
    ),
    "credit_code": (
        {"type": "string", "title": "统一社会信用代码", "format": "cn-credit-code"},
        {"title_en": "Unified social credit code", "prefill": "legal_entity.credit_code"},
    ),
    "legal_representative": (
        {"type": "string", "title": "法定代表人", "minLength": 2, "maxLength": 30},
        {"title_en": "Legal representative", "prefill": "legal_entity.legal_representative"},
    ),
    "trade_name": (
        {"type": "string", "title": "字号名称", "minLength": 2, "maxLength": 30},
        {"title_en": "Trade name", "help": "例如：鹏城小吃店。", "help_en": "For example: 鹏城小吃店."},
    ),
    "business_address": (
        {"type": "string", "title": "经营场所", "minLength": 5, "maxLength": 200},
        {"title_en": "Business premises"},
    ),
    "business_scope": (
        {"type": "string", "title": "经营范围", "minLength": 4, "maxLength": 500},
        {"title_en": "Business scope", "widget": "textarea"},
    ),
    "capital": (
        {"type": "number", "title": "注册资本（万元）", "minimum": 0.1, "maximum": 10000000},
        {"title_en": "Registered capital (10,000 yuan)"},
    ),
    "employees": (
        {"type": "integer", "title": "从业人数", "minimum": 0, "maximum": 100000},
        {"title_en": "Number of employees"},
    ),
    "organisation_form": (
        {"type": "string", "title": "组成形式", "enum": ["individual", "family"]},
        {
            "title_en": "Form of organisation",
            "widget": "radio",
            "enum_labels": ["个人经营", "家庭经营"],
            "enum_labels_en": ["Run by one person", "Run by a family"],
        },
    ),
    "education": (
        {"type": "string", "title": "学历", "enum": ["bachelor", "master", "doctor"]},
        {
            "title_en": "Highest degree",
            "enum_labels": ["全日制本科", "硕士研究生", "博士研究生"],
            "enum_labels_en": ["Full-time bachelor's", "Master's", "Doctorate"],
            "prefill": "education.degree",
        },
    ),
    "graduation_date": (
        {"type": "string", "title": "毕业时间", "format": "date"},
        {"title_en": "Graduation date", "prefill": "education.graduation_date"},
    ),
    "employer": (
        {"type": "string", "title": "工作单位", "minLength": 4, "maxLength": 100},
        {"title_en": "Employer", "autocomplete": "organization", "prefill": "social_insurance.employer"},
    ),
    "arrival_date": (
        {"type": "string", "title": "来深日期", "format": "date"},
        {"title_en": "Date you came to Shenzhen"},
    ),
    "residence_address": (
        {"type": "string", "title": "居住地址", "minLength": 5, "maxLength": 200},
        {"title_en": "Address in Shenzhen", "prefill": "population.address"},
    ),
    "permit_number": (
        {"type": "string", "title": "居住证号码", "pattern": "^[0-9]{10,18}$"},
        {
            "title_en": "Residence permit number",
            "pattern_message": "居住证号码为 10 至 18 位数字。",
            "pattern_message_en": "A residence permit number has 10 to 18 digits.",
            "prefill": "population.residence_permit_number",
        },
    ),
    "spouse_name": (
        {"type": "string", "title": "配偶姓名", "minLength": 2, "maxLength": 30},
        {"title_en": "Spouse's name", "prefill": "population.spouse_name"},
    ),
    "child_name": (
        {"type": "string", "title": "子女姓名", "minLength": 2, "maxLength": 30},
        {"title_en": "Child's name"},
    ),
    "child_birth_date": (
        {"type": "string", "title": "子女出生日期", "format": "date"},
        {"title_en": "Child's date of birth"},
    ),
    "plate_number": (
        {"type": "string", "title": "车牌号码", "pattern": "^粤[A-Z][A-Z0-9]{5,6}$"},
        {
            "title_en": "Licence plate",
            "pattern_message": "例如：粤B12345。",
            "pattern_message_en": "For example 粤B12345.",
        },
    ),
    "insured_since": (
        {"type": "string", "title": "本市首次参保日期", "format": "date"},
        {"title_en": "First insured in Shenzhen on", "prefill": "social_insurance.first_insured_on"},
    ),
    "months_contributed": (
        {"type": "integer", "title": "累计缴费月数", "minimum": 0, "maximum": 900},
        {"title_en": "Months of contributions", "prefill": "social_insurance.months_contributed"},
    ),
    "property_certificate": (
        {"type": "string", "title": "不动产权证书号", "minLength": 8, "maxLength": 60},
        {"title_en": "Property certificate number", "prefill": "property.certificate_number"},
    ),
    "property_address": (
        {"type": "string", "title": "不动产坐落", "minLength": 5, "maxLength": 200},
        {"title_en": "Property location", "prefill": "property.address"},
    ),
    "vehicle_plate": (
        {"type": "string", "title": "号牌号码", "pattern": "^粤[A-Z][A-Z0-9]{5,6}$"},
        {
            "title_en": "Licence plate",
            "pattern_message": "例如：粤B12345。",
            "pattern_message_en": "For example 粤B12345.",
            "prefill": "vehicle.plate_number",
        },
    ),
    "vehicle_brand": (
        {"type": "string", "title": "品牌型号", "minLength": 2, "maxLength": 60},
        {"title_en": "Make and model", "prefill": "vehicle.brand"},
    ),
    "vin": (
        {"type": "string", "title": "车辆识别代号", "pattern": "^[A-HJ-NPR-Z0-9]{17}$"},
        {
            "title_en": "Vehicle identification number (VIN)",
            "pattern_message": "车辆识别代号为 17 位字母或数字。",
            "pattern_message_en": "A VIN has 17 letters or digits.",
            "prefill": "vehicle.vin",
        },
    ),
    "school": (
        {"type": "string", "title": "毕业院校", "minLength": 2, "maxLength": 100},
        {"title_en": "School", "prefill": "education.school"},
    ),
    "major": (
        {"type": "string", "title": "所学专业", "minLength": 2, "maxLength": 100},
        {"title_en": "Major", "prefill": "education.major"},
    ),
    "degree_certificate": (
        {"type": "string", "title": "学历证书编号", "pattern": "^[0-9]{17,18}$"},
        {
            "title_en": "Degree certificate number",
            "pattern_message": "学历证书编号为 17 或 18 位数字。",
            "pattern_message_en": "A certificate number has 17 or 18 digits.",
            "prefill": "education.certificate_number",
        },
    ),
    "registered_address": (
        {"type": "string", "title": "住所", "minLength": 5, "maxLength": 200},
        {"title_en": "Registered address", "prefill": "legal_entity.address"},
    ),
    "dog_breed": (
        {"type": "string", "title": "犬只品种", "minLength": 2, "maxLength": 30},
        {"title_en": "Breed"},
    ),
    "amount": (
        {"type": "number", "title": "申请金额（元）", "minimum": 1, "maximum": 1000000},
        {"title_en": "Amount applied for (yuan)"},
    ),
    "reason": (
        {"type": "string", "title": "申请理由", "minLength": 5, "maxLength": 1000},
        {
            "title_en": "Reason",
            "widget": "textarea",
            "help": "请简要说明情况，不超过 1000 字。",
            "help_en": "Briefly explain; at most 1,000 characters.",
        },
    ),
    "project_name": (
        {"type": "string", "title": "项目名称", "minLength": 4, "maxLength": 100},
        {"title_en": "Project name"},
    ),
    "delivery": (
        {"type": "string", "title": "结果领取方式", "enum": ["online", "post", "counter"]},
        {
            "title_en": "How to receive the result",
            "widget": "radio",
            "enum_labels": ["电子证照/网上领取", "邮寄送达", "窗口领取"],
            "enum_labels_en": ["Electronic, online", "By post", "At the counter"],
        },
    ),
    "declaration": (
        {"type": "boolean", "title": "本人承诺所填报信息真实、准确、完整，如有虚假愿承担相应法律责任。", "const": True},
        {
            "title_en": "I declare that the information given is true, accurate and complete, and accept the legal "
            "consequences of any false statement."
        },
    ),
}

PERSON_FIELDS = ["applicant_name", "id_number", "phone"]
COMPANY_FIELDS = ["company_name", "credit_code", "legal_representative", "phone"]


def form(*groups: tuple[str, str, list[str]]) -> tuple[dict, dict]:
    """Build (schema, ui) from field names, grouped; every field is required unless listed as optional
    by a leading ``?``. A delivery choice and the declaration end every form."""
    properties: dict[str, Any] = {}
    needed: list[str] = []
    ui_groups = []
    hints: dict[str, Any] = {}
    all_groups = [*groups, ("办理与承诺", "Delivery and declaration", ["delivery", "declaration"])]
    for title, title_en, names in all_groups:
        members = []
        for raw in names:
            optional = raw.startswith("?")
            name = raw.lstrip("?")
            schema, ui = FIELDS[name]
            properties[name] = dict(schema)
            hints[name] = dict(ui)
            members.append(name)
            if not optional:
                needed.append(name)
        ui_groups.append({"title": title, "title_en": title_en, "fields": members})
    return (
        {"type": "object", "properties": properties, "required": needed},
        {"groups": ui_groups, "fields": hints},
    )


def person_form(*extra: tuple[str, str, list[str]]) -> tuple[dict, dict]:
    return form(("申请人信息", "Applicant", PERSON_FIELDS), *extra)


def company_form(*extra: tuple[str, str, list[str]]) -> tuple[dict, dict]:
    return form(("申请单位信息", "Applicant organisation", COMPANY_FIELDS), *extra)


def m(
    name: str,
    kind: str = MaterialKind.UPLOAD,
    licence: str = "",
    required: bool = True,
    note: str = "",
    key: str = "",
) -> MaterialSpec:
    return MaterialSpec(name=name, kind=kind, licence_type=licence, required=required, description=note, key=key)


# Licence materials name the licence type (``licences`` catalogue code) and keep a readable key.
ID_CARD = m("居民身份证", MaterialKind.LICENCE, "GA-SFZ", note="可用电子证照代替实体证件", key="id_card")
BUSINESS_LICENCE = m("营业执照", MaterialKind.LICENCE, "SC-YYZZ", note="可用电子营业执照", key="business_licence")
RESIDENCE_PERMIT = m("深圳经济特区居住证", MaterialKind.LICENCE, "SZ-JZZ", key="residence_permit")
HOUSEHOLD = m("居民户口簿", MaterialKind.LICENCE, "GA-HKB", key="household_register")
DEGREE = m("学历学位证书", MaterialKind.LICENCE, "JY-XLZS", key="degree_cert")
MARRIAGE = m("结婚证", MaterialKind.LICENCE, "MZ-JHZ", key="marriage_cert")
APPLICATION_FORM = m("申请表", MaterialKind.FORM, note="在线填写，无需另行提交")


@dataclass
class DemoItem:
    catalog: str  # catalogue code, unique within the level
    name: str
    department: str  # department code suffix (city) or "ZSJ" (district)
    item_type: str
    legal: tuple[int | None, str]
    promised: tuple[int | None, str]
    themes: list[str]
    audiences: list[str]
    form: tuple[dict, dict]
    materials: list[MaterialSpec]
    guide: str = ""
    criteria: str = ""
    basis: str = ""
    fee: str = "0"
    tongban: list[str] = field(default_factory=lambda: [TongbanScope.CITY])
    channels: list[str] = field(default_factory=lambda: list(ALL_CHANNELS))
    featured: bool = False
    name_en: str = ""
    max_visits: int = 0
    extensions: dict[str, Any] = field(default_factory=dict)


NONE = (None, LimitUnit.NONE)

# 秒报: the form is pre-filled, with the applicant's consent, from the registries its fields name
# (``pengcheng.prefill``).
INSTANT_FILL = {"instant_fill": True}

# Approving a residence-permit application issues the electronic permit (applications.licensing).
RESIDENCE_PERMIT_DATA = {
    "name": "applicant.full_name",
    "id_number": "applicant.id_number",
    "address": "form.residence_address",
    "issue_date": "today",
}

CITY_ITEMS: list[DemoItem] = [
    DemoItem(
        "GA0001",
        "深圳经济特区居住证签注",
        "GAJ",
        ItemType.CONFIRMATION,
        (15, W),
        (1, W),
        ["证件办理", "户籍办理"],
        PERSON,
        person_form(("居住信息", "Residence", ["permit_number", "residence_address", "employer"])),
        [ID_CARD, RESIDENCE_PERMIT, m("居住登记凭证或房屋租赁凭证")],
        guide="居住证有效期一年，持证人应在有效期满前 30 日内申请签注；连续居住并符合条件的，可在网上或自助终端办理。",
        criteria="持有深圳经济特区居住证，且在深圳连续居住、有合法稳定就业或就读。",
        basis="《深圳经济特区居住登记条例》第二十二条",
        featured=True,
        name_en="Residence permit renewal",
        extensions={"instant_fill": True, "issue_licence": {"type": "SZ-JZZ", "data": RESIDENCE_PERMIT_DATA}},
    ),
    DemoItem(
        "GA0002",
        "深圳经济特区居住证申领",
        "GAJ",
        ItemType.CONFIRMATION,
        (15, W),
        (10, W),
        ["证件办理"],
        PERSON,
        person_form(("居住信息", "Residence", ["arrival_date", "residence_address", "?employer"])),
        [ID_CARD, m("居住登记凭证"), m("近期免冠证件照片", note="白底，JPG")],
        guide="在深圳居住登记满 12 个月且有合法稳定就业、合法稳定住所或连续就读的，可以申领居住证。",
        criteria="在深办理居住登记满 12 个月。",
        basis="《深圳经济特区居住登记条例》",
        extensions={"issue_licence": {"type": "SZ-JZZ", "data": RESIDENCE_PERMIT_DATA}},
    ),
    DemoItem(
        "GA0003",
        "居民身份证换领",
        "GAJ",
        ItemType.CONFIRMATION,
        (60, C),
        (30, C),
        ["证件办理", "户籍办理"],
        PERSON,
        person_form(("换领信息", "Renewal", ["household_address", "reason"])),
        [ID_CARD, m("数码相片回执")],
        fee="20",
        criteria="居民身份证有效期满或登记项目变更。",
        basis="《中华人民共和国居民身份证法》",
    ),
    DemoItem(
        "GA0004",
        "往来港澳通行证再次签注",
        "GAJ",
        ItemType.LICENSING,
        (10, W),
        (5, W),
        ["出境入境", "港澳台侨"],
        PERSON,
        person_form(("签注信息", "Endorsement", ["reason"])),
        [ID_CARD, m("往来港澳通行证")],
        fee="15",
        tongban=[TongbanScope.CITY, TongbanScope.BAY_AREA],
    ),
    DemoItem(
        "GA0005",
        "养犬登记",
        "GAJ",
        ItemType.CONFIRMATION,
        (20, W),
        (10, W),
        ["公共安全"],
        PERSON,
        person_form(("犬只信息", "Dog", ["dog_breed", "residence_address"])),
        [ID_CARD, m("犬只免疫证明"), m("犬只近照")],
        basis="《深圳市养犬管理条例》",
    ),
    DemoItem(
        "GA0006",
        "人才引进落户",
        "GAJ",
        ItemType.CONFIRMATION,
        (20, W),
        (10, W),
        ["人才", "户籍办理"],
        PERSON,
        person_form(("学历与工作", "Education and work", ["education", "graduation_date", "employer"])),
        [ID_CARD, DEGREE, HOUSEHOLD],
        tongban=[TongbanScope.CITY, TongbanScope.INTER_PROVINCE],
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "GA0007",
        "机动车检验标志核发（免检车辆）",
        "GAJ",
        ItemType.PUBLIC_SERVICE,
        (5, W),
        (1, W),
        ["交通出行"],
        PERSON,
        person_form(("车辆信息", "Vehicle", ["vehicle_plate", "vehicle_brand", "vin"])),
        [ID_CARD, m("机动车交通事故责任强制保险凭证")],
        guide="6 年以内的非营运小微型载客汽车免予上线检验，车主可在网上申领检验标志电子凭证。",
        criteria="非营运小微型载客汽车（面包车除外）注册登记未满 10 年；无未处理的交通违法和事故。",
        basis="《机动车登记规定》《关于进一步深化机动车检验制度改革的意见》",
        name_en="Inspection mark for an inspection-exempt vehicle",
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "SC0001",
        "个体工商户设立登记",
        "SCJGJ",
        ItemType.LICENSING,
        (15, W),
        (1, W),
        ["创业", "设立变更", "准营准办"],
        PERSON,
        person_form(
            (
                "经营信息",
                "Business",
                ["trade_name", "organisation_form", "business_address", "business_scope", "?employees"],
            )
        ),
        [ID_CARD, m("经营场所使用证明"), APPLICATION_FORM],
        guide="个体工商户设立登记实行“秒批”前的标准审查：材料齐全、符合法定形式的，当场或一个工作日内办结，核发电子营业执照。",
        criteria="有经营能力的自然人；经营场所符合规定；经营范围不属于禁止或须前置许可的项目。",
        basis="《促进个体工商户发展条例》《市场主体登记管理条例》",
        featured=True,
        name_en="Registration of an individual business",
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "SC0002",
        "有限责任公司设立登记",
        "SCJGJ",
        ItemType.LICENSING,
        (15, W),
        (1, W),
        ["创业", "设立变更"],
        COMPANY,
        form(
            (
                "公司信息",
                "Company",
                ["company_name", "legal_representative", "phone", "business_address", "capital", "business_scope"],
            )
        ),
        [ID_CARD, m("公司章程"), m("住所使用证明"), APPLICATION_FORM],
        featured=True,
        basis="《中华人民共和国公司法》《市场主体登记管理条例》",
    ),
    DemoItem(
        "SC0003",
        "个体工商户注销登记",
        "SCJGJ",
        ItemType.LICENSING,
        (15, W),
        (1, W),
        ["设立变更"],
        PERSON,
        person_form(("注销信息", "Closure", ["trade_name", "reason"])),
        [ID_CARD, BUSINESS_LICENCE],
    ),
    DemoItem(
        "SC0004",
        "食品经营许可（新办）",
        "SCJGJ",
        ItemType.LICENSING,
        (20, W),
        (10, W),
        ["准营准办"],
        COMPANY,
        company_form(("经营信息", "Business", ["registered_address", "business_address", "business_scope"])),
        [BUSINESS_LICENCE, m("食品安全管理制度"), m("经营场所平面图")],
        basis="《中华人民共和国食品安全法》",
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "SC0005",
        "企业名称变更登记",
        "SCJGJ",
        ItemType.LICENSING,
        (15, W),
        (3, W),
        ["设立变更"],
        COMPANY,
        company_form(("变更信息", "Change", ["reason"])),
        [BUSINESS_LICENCE, m("股东会决议")],
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "RS0001",
        "新引进人才租房和生活补贴",
        "RSJ",
        ItemType.PAYMENT,
        (20, W),
        (10, W),
        ["人才", "高校毕业生"],
        PERSON,
        person_form(
            ("学历与工作", "Education and work", ["education", "graduation_date", "employer"]),
            ("收款账户", "Bank account", ["bank_name", "bank_account"]),
        ),
        [ID_CARD, DEGREE, m("劳动合同")],
        guide="新引进的全日制本科及以上学历人才，在深圳缴纳社会保险并与用人单位签订劳动合同的，可申领一次性租房和生活补贴。",
        criteria="毕业未超过规定年限；在深连续缴纳社会保险；未享受过同类补贴。",
        featured=True,
        name_en="Housing and living subsidy for newly recruited talent",
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "RS0002",
        "失业保险金申领",
        "RSJ",
        ItemType.PAYMENT,
        (20, W),
        (5, W),
        ["社会保障（社会保险、社会救助）", "找工作"],
        PERSON,
        person_form(("收款账户", "Bank account", ["bank_name", "bank_account"])),
        [ID_CARD, m("解除或终止劳动关系证明")],
        basis="《失业保险条例》",
    ),
    DemoItem(
        "RS0003",
        "就业困难人员认定",
        "RSJ",
        ItemType.CONFIRMATION,
        (20, W),
        (10, W),
        ["就业创业"],
        PERSON,
        person_form(("情况说明", "Circumstances", ["address", "reason"])),
        [ID_CARD, m("相关证明材料")],
    ),
    DemoItem(
        "RS0004",
        "职业技能培训补贴申领",
        "RSJ",
        ItemType.PAYMENT,
        (20, W),
        (10, W),
        ["职业资格", "就业创业"],
        PERSON,
        person_form(("培训与账户", "Training and account", ["amount", "bank_name", "bank_account"])),
        [ID_CARD, m("职业资格证书或职业技能等级证书")],
    ),
    DemoItem(
        "RS0005",
        "灵活就业人员社会保险参保登记",
        "RSJ",
        ItemType.CONFIRMATION,
        (10, W),
        (1, W),
        ["社会保障（社会保险、社会救助）"],
        PERSON,
        person_form(("居住信息", "Residence", ["address"])),
        [ID_CARD],
    ),
    DemoItem(
        "RS0006",
        "社会保险参保缴费证明开具",
        "RSJ",
        ItemType.PUBLIC_SERVICE,
        NONE,
        (1, W),
        ["社会保障（社会保险、社会救助）"],
        PERSON,
        person_form(("参保信息", "Insurance", ["employer", "insured_since", "months_contributed"])),
        [ID_CARD],
        guide="参保人可在网上开具本人社会保险参保缴费证明（个人权益记录），用于购房、入学、积分入户等。",
        name_en="Certificate of social insurance contributions",
        channels=[Channel.ONLINE, Channel.APP, Channel.KIOSK],
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "MZ0001",
        "婚姻登记预约",
        "MZJ",
        ItemType.PUBLIC_SERVICE,
        NONE,
        (1, W),
        ["婚姻登记", "结婚"],
        PERSON,
        person_form(("双方信息", "Both parties", ["spouse_name", "household_address"])),
        [ID_CARD, HOUSEHOLD],
        tongban=[TongbanScope.CITY, TongbanScope.INTER_PROVINCE],
    ),
    DemoItem(
        "MZ0002",
        "社会团体成立登记",
        "MZJ",
        ItemType.LICENSING,
        (60, C),
        (20, W),
        ["设立变更"],
        [str(Audience.SOCIAL)],
        form(("团体信息", "Organisation", ["company_name", "legal_representative", "phone", "business_scope"])),
        [m("章程草案"), m("住所使用证明"), m("验资报告")],
    ),
    DemoItem(
        "MZ0003",
        "殡葬补贴申领",
        "MZJ",
        ItemType.PAYMENT,
        (20, W),
        (5, W),
        ["社会救助"],
        PERSON,
        person_form(("收款账户", "Bank account", ["bank_name", "bank_account"])),
        [ID_CARD, m("火化证明")],
    ),
    DemoItem(
        "ZJ0001",
        "公共租赁住房轮候申请",
        "ZJJ",
        ItemType.PUBLIC_SERVICE,
        (30, W),
        (20, W),
        ["住房保障"],
        PERSON,
        person_form(("家庭与住房", "Household and housing", ["household_address", "address", "employer"])),
        [ID_CARD, HOUSEHOLD, m("无房证明")],
        tongban=[TongbanScope.CITY],
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "ZJ0002",
        "建筑业企业资质核准",
        "ZJJ",
        ItemType.LICENSING,
        (20, W),
        (15, W),
        ["规划建设"],
        COMPANY,
        company_form(("资质信息", "Qualification", ["project_name", "employees"])),
        [BUSINESS_LICENCE, m("技术负责人职称证书"), m("企业资产证明")],
    ),
    DemoItem(
        "JT0001",
        "网络预约出租汽车驾驶员证核发",
        "JTJ",
        ItemType.LICENSING,
        (20, W),
        (10, W),
        ["交通出行", "职业资格"],
        PERSON,
        person_form(("驾驶信息", "Driving", ["address"])),
        [ID_CARD, m("机动车驾驶证", MaterialKind.LICENCE, "GA-JSZ", key="driving_licence"), m("无犯罪记录证明")],
    ),
    DemoItem(
        "JT0002",
        "道路货物运输经营许可",
        "JTJ",
        ItemType.LICENSING,
        (20, W),
        (10, W),
        ["交通出行", "准营准办"],
        COMPANY,
        company_form(("经营信息", "Business", ["plate_number", "business_address"])),
        [BUSINESS_LICENCE, m("车辆行驶证"), m("安全生产管理制度")],
    ),
    DemoItem(
        "WJ0001",
        "生育登记",
        "WJW",
        ItemType.PUBLIC_SERVICE,
        NONE,
        (1, W),
        ["生孩子", "生育收养"],
        PERSON,
        person_form(("家庭信息", "Family", ["spouse_name", "?child_name", "?child_birth_date"])),
        [ID_CARD, MARRIAGE],
        featured=True,
        tongban=[TongbanScope.CITY, TongbanScope.INTER_PROVINCE],
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "WJ0002",
        "出生医学证明补发",
        "WJW",
        ItemType.CONFIRMATION,
        (30, W),
        (10, W),
        ["生孩子"],
        PERSON,
        person_form(("子女信息", "Child", ["child_name", "child_birth_date", "reason"])),
        [ID_CARD],
    ),
    DemoItem(
        "WJ0003",
        "医师执业注册",
        "WJW",
        ItemType.LICENSING,
        (20, W),
        (10, W),
        ["医疗卫生", "职业资格"],
        PERSON,
        person_form(("执业信息", "Practice", ["employer"])),
        [ID_CARD, m("医师资格证书"), m("健康体检证明")],
    ),
    DemoItem(
        "JY0001",
        "义务教育阶段学位申请",
        "JYJ",
        ItemType.PUBLIC_SERVICE,
        NONE,
        (20, W),
        ["上学", "升学", "教育科研"],
        PERSON,
        person_form(("子女与住址", "Child and address", ["child_name", "child_birth_date", "address"])),
        [ID_CARD, HOUSEHOLD, m("住房证明")],
    ),
    DemoItem(
        "JY0002",
        "教师资格认定",
        "JYJ",
        ItemType.CONFIRMATION,
        (60, C),
        (30, W),
        ["职业资格", "教育科研"],
        PERSON,
        person_form(("学历信息", "Education", ["education", "graduation_date"])),
        [ID_CARD, DEGREE, m("体检报告")],
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "JY0003",
        "高等教育学历信息核验证明",
        "JYJ",
        ItemType.PUBLIC_SERVICE,
        NONE,
        (1, W),
        ["教育科研", "人才"],
        PERSON,
        person_form(
            ("学历信息", "Education", ["education", "school", "major", "graduation_date", "degree_certificate"])
        ),
        [ID_CARD],
        guide="经电子注册的高等教育学历可在网上核验并出具证明，用于人才引进、入户和求职。",
        name_en="Verification of higher-education records",
        channels=[Channel.ONLINE, Channel.APP],
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "YB0001",
        "生育医疗费用报销",
        "YBJ",
        ItemType.PAYMENT,
        (20, W),
        (10, W),
        ["生孩子", "医疗卫生"],
        PERSON,
        person_form(("报销与账户", "Claim and account", ["amount", "bank_name", "bank_account"])),
        [ID_CARD, m("医疗费用发票"), m("出院小结")],
    ),
    DemoItem(
        "YB0002",
        "异地就医备案",
        "YBJ",
        ItemType.PUBLIC_SERVICE,
        NONE,
        (1, W),
        ["医疗卫生"],
        PERSON,
        person_form(("备案信息", "Registration", ["address", "reason"])),
        [ID_CARD],
        tongban=[TongbanScope.CITY, TongbanScope.INTER_PROVINCE],
    ),
    DemoItem(
        "TY0001",
        "退役军人优待证申领",
        "TYJRJ",
        ItemType.PUBLIC_SERVICE,
        NONE,
        (20, W),
        ["退役军人"],
        PERSON,
        person_form(("居住信息", "Residence", ["address"])),
        [ID_CARD, m("退役证件")],
        extensions={
            "issue_licence": {
                "type": "TY-YDZ",
                "data": {"name": "applicant.full_name", "id_number": "applicant.id_number"},
            }
        },
    ),
    DemoItem(
        "SW0001",
        "个人所得税专项附加扣除信息报送",
        "SWJU",
        ItemType.PUBLIC_SERVICE,
        NONE,
        (1, W),
        ["纳税"],
        PERSON,
        person_form(("扣除信息", "Deductions", ["employer", "reason"])),
        [ID_CARD],
        channels=[Channel.ONLINE, Channel.APP],
    ),
    DemoItem(
        "SW0002",
        "发票领用",
        "SWJU",
        ItemType.PUBLIC_SERVICE,
        NONE,
        (1, W),
        ["纳税"],
        COMPANY,
        company_form(("领用信息", "Request", ["reason"])),
        [BUSINESS_LICENCE],
    ),
    DemoItem(
        "CG0001",
        "户外广告设置许可",
        "CGJ",
        ItemType.LICENSING,
        (20, W),
        (10, W),
        ["城市综合执法"],
        COMPANY,
        company_form(("广告信息", "Advertisement", ["business_address", "reason"])),
        [BUSINESS_LICENCE, m("设计效果图"), m("场地使用证明")],
    ),
    DemoItem(
        "KJ0001",
        "高新技术企业认定",
        "KJCXJ",
        ItemType.CONFIRMATION,
        (60, W),
        (40, W),
        ["知识产权"],
        COMPANY,
        company_form(("企业情况", "Company", ["employees", "capital", "project_name"])),
        [BUSINESS_LICENCE, m("知识产权证明"), m("研发费用专项审计报告")],
    ),
    DemoItem(
        "GX0001",
        "中小企业数字化转型资助",
        "GXJ",
        ItemType.PAYMENT,
        (30, W),
        (20, W),
        ["创业"],
        COMPANY,
        company_form(("项目信息", "Project", ["project_name", "amount"])),
        [BUSINESS_LICENCE, m("项目实施方案")],
    ),
    DemoItem(
        "SWU0001",
        "对外贸易经营者备案登记",
        "SWUJ",
        ItemType.OTHER_POWER,
        (5, W),
        (1, W),
        ["准营准办"],
        COMPANY,
        company_form(("经营信息", "Business", ["business_scope"])),
        [BUSINESS_LICENCE],
    ),
    DemoItem(
        "FG0001",
        "企业投资项目备案",
        "FGW",
        ItemType.OTHER_POWER,
        (5, W),
        (2, W),
        ["规划建设"],
        COMPANY,
        company_form(("项目信息", "Project", ["project_name", "amount", "business_address"])),
        [BUSINESS_LICENCE],
    ),
    DemoItem(
        "SF0001",
        "法律援助申请",
        "SFJ",
        ItemType.PUBLIC_SERVICE,
        (7, W),
        (3, W),
        ["司法公证"],
        PERSON,
        person_form(("案情", "The case", ["address", "reason"])),
        [ID_CARD, m("经济困难证明", required=False)],
    ),
    DemoItem(
        "GH0001",
        "不动产登记资料查询",
        "GHZYJ",
        ItemType.PUBLIC_SERVICE,
        NONE,
        (1, W),
        ["抵押质押"],
        BOTH,
        person_form(("查询信息", "Query", ["property_certificate", "property_address", "reason"])),
        [ID_CARD],
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "ST0001",
        "建设项目环境影响报告表审批",
        "STHJJ",
        ItemType.LICENSING,
        (30, W),
        (15, W),
        ["环保绿化"],
        COMPANY,
        company_form(("项目信息", "Project", ["project_name", "business_address"])),
        [BUSINESS_LICENCE, m("环境影响报告表")],
    ),
    DemoItem(
        "SWB0001",
        "城镇污水排入排水管网许可",
        "SWJ",
        ItemType.LICENSING,
        (15, W),
        (10, W),
        ["公用事业"],
        COMPANY,
        company_form(("排水信息", "Discharge", ["business_address", "reason"])),
        [BUSINESS_LICENCE, m("排水方案")],
    ),
    DemoItem(
        "YJ0001",
        "危险化学品经营许可",
        "YJGLJ",
        ItemType.LICENSING,
        (30, W),
        (20, W),
        ["准营准办", "公共安全"],
        COMPANY,
        company_form(("经营信息", "Business", ["business_address", "business_scope"])),
        [BUSINESS_LICENCE, m("安全评价报告"), m("安全管理制度")],
    ),
    DemoItem(
        "WG0001",
        "营业性演出许可",
        "WGLTJ",
        ItemType.LICENSING,
        (20, W),
        (10, W),
        ["文化体育"],
        COMPANY,
        company_form(("演出信息", "Performance", ["project_name", "business_address"])),
        [BUSINESS_LICENCE, m("演出合同"), m("节目内容说明")],
    ),
]

DISTRICT_ITEMS: list[DemoItem] = [
    DemoItem(
        "MZ1001",
        "高龄老人津贴申领",
        "ZSJ",
        ItemType.PAYMENT,
        (20, W),
        (5, W),
        ["社会救助", "老年人"],
        PERSON,
        person_form(
            ("老人信息", "The older person", ["birth_date", "household_address"]),
            ("收款账户", "Bank account", ["bank_name", "bank_account"]),
        ),
        [ID_CARD, HOUSEHOLD, m("银行卡或存折", required=False, note="户籍信息可共享核验时免交")],
        guide=(
            "具有本市户籍、年满 80 周岁的老年人，可按月领取高龄津贴；"
            "80 至 89 周岁、90 至 99 周岁和 100 周岁以上分档发放。"
        ),
        criteria="本市户籍；年满 80 周岁；未被判处刑罚正在服刑。",
        basis="《深圳市高龄老人津贴发放办法》",
        featured=True,
        name_en="Old-age allowance for people over 80",
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "MZ1002",
        "居民最低生活保障申请",
        "ZSJ",
        ItemType.PAYMENT,
        (30, W),
        (20, W),
        ["社会救助"],
        PERSON,
        person_form(
            ("家庭情况", "Household", ["household_address", "address", "reason"]),
            ("收款账户", "Bank account", ["bank_name", "bank_account"]),
        ),
        [ID_CARD, HOUSEHOLD, m("家庭收入证明"), m("家庭经济状况核对授权书")],
        basis="《社会救助暂行办法》",
    ),
    DemoItem(
        "MZ1003",
        "临时救助申请",
        "ZSJ",
        ItemType.PAYMENT,
        (15, W),
        (5, W),
        ["社会救助"],
        PERSON,
        person_form(("困难情况", "Hardship", ["address", "reason", "amount"])),
        [ID_CARD, m("困难情况证明")],
    ),
    DemoItem(
        "MZ1004",
        "特困人员救助供养申请",
        "ZSJ",
        ItemType.PAYMENT,
        (30, W),
        (20, W),
        ["社会救助"],
        PERSON,
        person_form(("情况说明", "Circumstances", ["household_address", "reason"])),
        [ID_CARD, HOUSEHOLD],
    ),
    DemoItem(
        "MZ1005",
        "困难残疾人生活补贴和重度残疾人护理补贴",
        "ZSJ",
        ItemType.PAYMENT,
        (20, W),
        (10, W),
        ["残疾人", "社会救助"],
        PERSON,
        person_form(("收款账户", "Bank account", ["bank_name", "bank_account"])),
        [ID_CARD, m("残疾人证", MaterialKind.LICENCE, "MZ-CJRZ", key="disability_cert")],
    ),
    DemoItem(
        "MZ1006",
        "老年人优待证办理",
        "ZSJ",
        ItemType.PUBLIC_SERVICE,
        NONE,
        (5, W),
        ["老年人"],
        PERSON,
        person_form(("老人信息", "The older person", ["birth_date", "address"])),
        [ID_CARD, m("近期免冠照片")],
        extensions=dict(INSTANT_FILL),
    ),
    DemoItem(
        "MZ1007",
        "经济困难老年人养老服务补贴",
        "ZSJ",
        ItemType.PAYMENT,
        (20, W),
        (10, W),
        ["老年人", "社会救助"],
        PERSON,
        person_form(("情况说明", "Circumstances", ["birth_date", "address", "reason"])),
        [ID_CARD, HOUSEHOLD],
    ),
    DemoItem(
        "WS1001",
        "计划生育家庭特别扶助金申领",
        "ZSJ",
        ItemType.PAYMENT,
        (20, W),
        (10, W),
        ["生育收养"],
        PERSON,
        person_form(
            ("家庭情况", "Family", ["spouse_name", "reason"]),
            ("收款账户", "Bank account", ["bank_name", "bank_account"]),
        ),
        [ID_CARD, HOUSEHOLD],
    ),
    DemoItem(
        "WS1002",
        "独生子女父母奖励金申领",
        "ZSJ",
        ItemType.PAYMENT,
        (20, W),
        (10, W),
        ["生育收养"],
        PERSON,
        person_form(
            ("子女信息", "Child", ["child_name", "child_birth_date"]),
            ("收款账户", "Bank account", ["bank_name", "bank_account"]),
        ),
        [ID_CARD, HOUSEHOLD],
    ),
    DemoItem(
        "JY1001",
        "学前教育在园儿童健康成长补贴",
        "ZSJ",
        ItemType.PAYMENT,
        (20, W),
        (10, W),
        ["儿童青少年", "教育科研"],
        PERSON,
        person_form(
            ("儿童信息", "Child", ["child_name", "child_birth_date"]),
            ("收款账户", "Bank account", ["bank_name", "bank_account"]),
        ),
        [ID_CARD, HOUSEHOLD],
    ),
    DemoItem(
        "RS1001",
        "区级人才安居补贴",
        "ZSJ",
        ItemType.PAYMENT,
        (20, W),
        (15, W),
        ["人才"],
        PERSON,
        person_form(
            ("学历与工作", "Education and work", ["education", "employer"]),
            ("收款账户", "Bank account", ["bank_name", "bank_account"]),
        ),
        [ID_CARD, DEGREE, m("劳动合同")],
    ),
    DemoItem(
        "RS1002",
        "自主创业场租补贴",
        "ZSJ",
        ItemType.PAYMENT,
        (20, W),
        (10, W),
        ["创业", "就业创业"],
        BOTH,
        person_form(("经营信息", "Business", ["trade_name", "business_address", "amount"])),
        [ID_CARD, BUSINESS_LICENCE, m("场地租赁合同")],
    ),
    DemoItem(
        "JS1001",
        "城市道路临时占用许可",
        "ZSJ",
        ItemType.LICENSING,
        (20, W),
        (5, W),
        ["城市综合执法"],
        BOTH,
        person_form(("占用信息", "Occupation", ["business_address", "reason"])),
        [ID_CARD, m("占道位置图")],
    ),
    DemoItem(
        "JS1002",
        "门前绿地临时占用许可",
        "ZSJ",
        ItemType.LICENSING,
        (20, W),
        (10, W),
        ["环保绿化"],
        COMPANY,
        company_form(("占用信息", "Occupation", ["business_address", "reason"])),
        [BUSINESS_LICENCE, m("现场照片")],
    ),
    DemoItem(
        "WH1001",
        "公共文化场馆场地预约",
        "ZSJ",
        ItemType.PUBLIC_SERVICE,
        NONE,
        (3, W),
        ["文化体育"],
        BOTH,
        person_form(("活动信息", "Event", ["project_name", "reason"])),
        [ID_CARD],
        channels=[Channel.ONLINE, Channel.KIOSK],
    ),
    DemoItem(
        "ZF1001",
        "区保障性租赁住房申请",
        "ZSJ",
        ItemType.PUBLIC_SERVICE,
        (30, W),
        (20, W),
        ["住房保障"],
        PERSON,
        person_form(("工作与住房", "Work and housing", ["employer", "address"])),
        [ID_CARD, m("劳动合同")],
    ),
    DemoItem(
        "JD1001",
        "居民死亡医学证明补办登记",
        "ZSJ",
        ItemType.CONFIRMATION,
        (10, W),
        (3, W),
        ["户籍办理"],
        PERSON,
        person_form(("情况说明", "Circumstances", ["household_address", "reason"])),
        [ID_CARD, HOUSEHOLD],
    ),
]


def specs_for(departments: dict[str, Department], districts: list[str]) -> list[tuple[ItemSpec, bool]]:
    """(spec, featured) for every demo item: city items once, district items once per district."""
    out: list[tuple[ItemSpec, bool]] = []

    def spec(item: DemoItem, department: Department, code: str, level: str, featured: bool) -> None:
        schema, ui = item.form
        guide = item.guide or (
            f"{item.name}由{department.name}办理。申请人可在网上办事大厅、i深圳、自助终端或任一政务服务大厅提交申请；"
            f"材料齐全、符合法定形式的当场受理，并在承诺时限内办结。"
        )
        out.append(
            (
                ItemSpec(
                    code=code,
                    catalog_code=item.catalog,
                    name=item.name,
                    name_en=item.name_en,
                    department=department,
                    item_type=item.item_type,
                    level=level,
                    legal_limit=item.legal[0],
                    legal_limit_unit=item.legal[1],
                    promised_limit=item.promised[0],
                    promised_limit_unit=item.promised[1],
                    fee=Decimal(item.fee),
                    guide=guide,
                    acceptance_criteria=item.criteria or "申请材料齐全，符合法定形式。",
                    legal_basis=item.basis,
                    channels=list(item.channels),
                    max_visits=item.max_visits,
                    audiences=list(item.audiences),
                    themes=list(item.themes),
                    tongban=list(item.tongban),
                    handle_location=f"{department.name}政务服务窗口",
                    consult_phone="12345",
                    complain_phone="12345",
                    form_schema=schema,
                    form_ui=ui,
                    materials=[MaterialSpec(**vars(material)) for material in item.materials],
                    extensions=dict(item.extensions),
                    note="demo seed",
                ),
                featured,
            )
        )

    for item in CITY_ITEMS:
        spec(item, departments[f"440300-{item.department}"], f"440300{item.catalog}", ItemLevel.CITY, item.featured)
    for district in districts:
        for item in DISTRICT_ITEMS:
            spec(
                item,
                departments[f"{district}-{item.department}"],
                f"{district}{item.catalog}",
                ItemLevel.DISTRICT,
                item.featured and district == "440304",
            )
    return out
