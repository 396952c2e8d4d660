"""What an enterprise may have done, in its own words, and the measures each topic leads to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProjectTemplate:
    """A project the interview creates for a topic: its id and the measures it is put forward under."""

    id: str
    zh: str
    en: str
    measures: tuple[int, ...]


@dataclass(frozen=True)
class Topic:
    """One choice of the topics question."""

    id: str
    zh: str
    en: str
    projects: tuple[ProjectTemplate, ...]


def _p(pid: str, zh: str, en: str, *measures: int) -> ProjectTemplate:
    return ProjectTemplate(pid, zh, en, measures)


# Measures that can support the same project share one template, so 从优不重复 applies (七(二)3).
TOPICS: tuple[Topic, ...] = (
    Topic("pv", "光伏", "Solar PV", (_p("pv", "光伏项目", "PV project", 27),)),
    Topic(
        "green_power",
        "绿电交易",
        "Green power purchase",
        (_p("green_power", "绿电交易", "green power purchase", 29),),
    ),
    Topic(
        "vehicles",
        "车辆（货车、客车、专项作业车换新能源）",
        "Vehicles (trucks, buses, special vehicles to new energy)",
        (
            _p("vehicles", "自有车辆置换", "own vehicle replacement", 18),
            _p("fleet", "自有货运车队", "own freight fleet", 19),
            _p("leasing", "长租车辆置换", "long-term leased vehicles", 20),
        ),
    ),
    Topic(
        "machinery",
        "非道路机械（挖掘机、叉车等）",
        "Off-road machinery (excavators, forklifts...)",
        (_p("machinery", "非道路机械置换", "machinery replacement", 21),),
    ),
    Topic(
        "construction",
        "施工工地（绿色安全工地、车械电动化、基坑气膜）",
        "Construction sites (green safe site, electrification, pit air membrane)",
        (
            _p("green_site", "绿色安全工地称号", "green safe construction site title", 12),
            _p("site_electric", "工地车械电动化试点", "site electrification pilot", 22),
            _p("membrane", "基坑气膜", "foundation-pit air membrane", 11),
        ),
    ),
    Topic(
        "building",
        "建筑（公建节能改造、绿色建筑、超低能耗）",
        "Buildings (public-building retrofit, green building, ultra-low energy)",
        (_p("building", "建筑项目", "building project", 24, 25, 26),),
    ),
    Topic("boiler", "燃气锅炉改造", "Gas boiler upgrade", (_p("boiler", "锅炉改造", "boiler upgrade", 10),)),
    Topic(
        "pollution",
        "废水废气深度治理、挥发性有机物",
        "Wastewater / exhaust treatment, VOCs",
        (
            _p("treatment", "废水废气深度治理", "deep wastewater/exhaust treatment", 9),
            _p("vocs", "VOCs一厂一策", "VOCs one-plant-one-policy", 17),
        ),
    ),
    Topic(
        "waste",
        "固废与源头减量、原料替代",
        "Solid waste, source reduction, substitution",
        (_p("source_reduction", "源头减量替代项目", "source reduction project", 7),),
    ),
    Topic(
        "energy_saving",
        "节能降碳技改",
        "Energy-saving retrofit",
        (_p("energy_saving", "节能技改项目", "energy-saving retrofit", 23),),
    ),
    Topic(
        "heating",
        "新能源供热",
        "New-energy heating",
        (_p("heating", "新能源供热项目", "heating project", 28),),
    ),
    Topic(
        "certification",
        "认证与称号（绿色工厂、碳足迹、ESG、水效领跑者等）",
        "Certificates and titles (green factory, footprint, ESG, water leader...)",
        (
            _p("green_manufacturing", "绿色制造（诊断、绿色工厂/供应链）", "green manufacturing", 13),
            _p("green_enterprise", "绿色标杆/基准企业", "green benchmark enterprise", 14),
            _p("performance", "环保绩效评级", "environmental performance grade", 15),
            _p("cleaner_production", "清洁生产审核", "cleaner production audit", 16),
            _p("footprint", "产品碳足迹认证", "product carbon footprint", 34),
            _p("international", "国际认证", "international certification", 35),
            _p("esg", "ESG评级", "ESG rating", 36),
            _p("low_carbon", "低碳领跑者/先进低碳技术", "low-carbon leader", 37),
            _p("energy_target", "节能目标评价", "energy-saving target rating", 38),
            _p("water_leader", "水效领跑者", "water efficiency leader", 39),
        ),
    ),
    Topic(
        "rnd",
        "研发与示范场景（揭榜挂帅、成果验证、AI场景）",
        "R&D and demonstration scenarios",
        (
            _p("rnd", "绿色技术揭榜挂帅", "green tech challenge R&D", 1),
            _p("verification", "科技成果验证", "technology verification", 2),
            _p("scenario", "示范应用场景", "demonstration scenario", 3, 4),
        ),
    ),
    Topic(
        "carbon_neutral",
        "碳中和认证",
        "Carbon neutrality certification",
        (_p("carbon_neutral", "碳中和认证", "carbon neutrality", 32),),
    ),
    Topic(
        "greenland",
        "绿地认建认养",
        "Adopting public green land",
        (_p("greenland", "绿地认建认养", "green land adoption", 40),),
    ),
    Topic(
        "consulting",
        "为企业提供节能降碳咨询服务",
        "Energy/carbon consulting services",
        (_p("consulting", "节能减碳咨询服务", "consulting services", 31),),
    ),
)

TOPIC_BY_ID = {t.id: t for t in TOPICS}
TEMPLATE_BY_ID = {p.id: p for t in TOPICS for p in t.projects}


def topic_for_measure(number: int) -> Topic | None:
    """Return the topic that leads to a measure."""
    for topic in TOPICS:
        if any(number in p.measures for p in topic.projects):
            return topic
    return None


# Words enterprises type for each topic (the topics question and a first message's description).
TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "pv": ("光伏", "太阳能", "solar", "pv", "光伏板"),
    "green_power": ("绿电", "绿色电力", "绿证", "green power"),
    "vehicles": ("车辆", "货车", "客车", "电车", "新能源车", "卡车", "vehicle", "truck"),
    "machinery": ("机械", "叉车", "挖掘机", "挖机", "装载机", "machinery", "forklift"),
    "construction": ("工地", "施工", "气膜", "construction"),
    "building": ("建筑", "公建", "绿色建筑", "超低能耗", "building"),
    "boiler": ("锅炉", "boiler"),
    "pollution": ("废水", "废气", "污水", "vocs", "挥发性有机物", "wastewater"),
    "waste": ("固废", "源头减量", "替代", "再生水", "waste"),
    "energy_saving": ("节能", "技改", "余热", "energy saving"),
    "heating": ("供热", "热泵", "地热", "heating"),
    "certification": ("认证", "称号", "绿色工厂", "esg", "碳足迹", "领跑者", "certificate", "title"),
    "rnd": ("研发", "揭榜挂帅", "中试", "ai", "人工智能", "场景", "r&d"),
    "carbon_neutral": ("碳中和", "零碳", "carbon neutral"),
    "greenland": ("绿地", "认建", "认养", "花园", "green land"),
    "consulting": ("咨询", "consulting"),
}


# 七(二)2: asked together as one question.
BASIC_FACTS: tuple[str, ...] = (
    "enterprise.major_penalty_3y",
    "enterprise.criminal_record_3y",
    "enterprise.dishonest_list",
    "enterprise.major_accident_3y",
    "enterprise.environmental_incident_3y",
)

# Kinds of entity: asked together as one multi-select, offering only those still undecided.
KIND_FACTS: tuple[str, ...] = (
    "enterprise.above_scale_industrial",
    "enterprise.above_limit_nonindustrial",
    "enterprise.general_contractor",
    "enterprise.full_budget_unit",
    "enterprise.consulting_firm",
    "enterprise.urban_renewal_park",
    "enterprise.key_energy_unit",
    "enterprise.key_carbon_unit",
    "enterprise.key_industry_15",
    "enterprise.data_center",
    "enterprise.key_vehicle_unit",
)


# Facts the choice of a project already says, so they are never asked ("自有车辆置换" → own vehicles).
TEMPLATE_FACTS: dict[str, dict[str, Any]] = {
    "vehicles": {"own_vehicles": True},  # 第18条: 加速自有商用车新能源更新
}

# Projects that may come in several batches or items, each entered on its own: (zh, en) unit word.
REPEATABLE: dict[str, tuple[str, str]] = {
    "vehicles": ("批", "batch"),
    "leasing": ("批", "batch"),
    "machinery": ("批", "batch"),
    "green_manufacturing": ("项", "title"),
    "footprint": ("项", "certificate"),
    "international": ("项", "certificate"),
}

BATCH_MARK = "#"


def batch_unit(template_id: str, lang: str) -> str:
    """Return the word for one more batch or item of a project ("批", "title")."""
    zh, en = REPEATABLE.get(template_id, ("批", "batch"))
    return en if lang == "en" else zh


def base_template(project_id: str) -> ProjectTemplate | None:
    """Return the template of a project, or of the project a further batch was added to."""
    return TEMPLATE_BY_ID.get(project_id.split(BATCH_MARK, 1)[0])


def batch_number(project_id: str) -> int:
    """Return which batch a project is: 1 for the first, 2 for "vehicles#2"."""
    _, sep, number = project_id.partition(BATCH_MARK)
    return int(number) if sep and number.isdigit() else 1
