"""What an enterprise may have done, in its own words, and the measures each topic leads to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dialogs.messages import t
from rules import measure_index
from rules.loader import LoadedRulebook


@dataclass(frozen=True)
class ProjectTemplate:
    """A project the interview creates for a topic: its id and the measures it is put forward under."""

    id: str
    zh: str
    en: str
    measures: tuple[int, ...]

    def name(self, lang: str) -> str:
        """Return the project's name in the reader's language."""
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Topic:
    """One choice of the topics question."""

    id: str
    zh: str
    en: str
    projects: tuple[ProjectTemplate, ...]

    def name(self, lang: str) -> str:
        """Return the topic's label in the reader's language."""
        return self.en if lang == "en" else self.zh


def build_topics(book: LoadedRulebook | None = None) -> tuple[Topic, ...]:
    """Build the topics question from the measure files (which measures) and the catalogue (labels)."""
    return tuple(
        Topic(
            topic,
            t(f"topics.topic.{topic}", "zh"),
            t(f"topics.topic.{topic}", "en"),
            tuple(
                ProjectTemplate(
                    tid, t(f"topics.project.{tid}", "zh"), t(f"topics.project.{tid}", "en"), measures
                )
                for tid, measures in templates.items()
            ),
        )
        for topic, templates in measure_index.interview(book).items()
    )


# Where a measure is offered is said by its file (``interview:``, read by rules/measure_index.py);
# the order of topics and templates is rules/topics.py's; labels are in topics.po.
TOPICS: tuple[Topic, ...] = build_topics()

TOPIC_BY_ID = {topic.id: topic for topic in TOPICS}
TEMPLATE_BY_ID = {p.id: p for topic in TOPICS for p in topic.projects}


_TOPIC_OF_MEASURE = {n: topic for topic in TOPICS for p in topic.projects for n in p.measures}


def topic_for_measure(number: int) -> Topic | None:
    """Return the topic that leads to a measure (None for one the interview does not offer, or no measure)."""
    return _TOPIC_OF_MEASURE.get(number)


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

# Projects that may come in several batches or items, each entered on its own: the unit word's key
# in topics.po ("批" / "batch", "项" / "title"); any other project counts in batches.
REPEATABLE: dict[str, str] = {
    "vehicles": "batch",
    "leasing": "batch",
    "machinery": "batch",
    "green_manufacturing": "title",
    "footprint": "certificate",
    "international": "certificate",
}

BATCH_MARK = "#"


def batch_unit(template_id: str, lang: str) -> str:
    """Return the word for one more batch or item of a project ("批", "title")."""
    return t(f"topics.unit.{REPEATABLE.get(template_id, 'batch')}", lang)


def base_template(project_id: str) -> ProjectTemplate | None:
    """Return the template of a project, or of the project a further batch was added to."""
    return TEMPLATE_BY_ID.get(project_id.split(BATCH_MARK, 1)[0])


def batch_number(project_id: str) -> int:
    """Return which batch a project is: 1 for the first, 2 for "vehicles#2"."""
    _, sep, number = project_id.partition(BATCH_MARK)
    return int(number) if sep and number.isdigit() else 1
