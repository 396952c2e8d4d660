"""The interview's topics and project templates: the closed list of ids a measure file may name.

Each measure file says where the interview offers it (``interview: {topic: pv, project: pv}``) or
that it does not (``interview: not_offered``); which measures a template leads to is read from the
files by ``rules/measure_index.py``. This list fixes only the ids and their order (the order of the
topics question and of a topic's kinds of project); their labels are in the dialogs catalogue
(``dialogs/locale/*/LC_MESSAGES/topics.po``). A typo in a file fails loading.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

# Topic → its project templates, in the order the interview offers them. Measures that can support
# the same project share one template, so 从优不重复 applies (七(二)3).
TEMPLATES: dict[str, tuple[str, ...]] = {
    "pv": ("pv",),
    "green_power": ("green_power",),
    "vehicles": ("vehicles", "fleet", "leasing"),
    "machinery": ("machinery",),
    "construction": ("green_site", "site_electric", "membrane"),
    "building": ("building",),
    "boiler": ("boiler",),
    "pollution": ("treatment", "vocs"),
    "waste": ("source_reduction",),
    "energy_saving": ("energy_saving",),
    "heating": ("heating",),
    "certification": (
        "green_manufacturing",
        "green_enterprise",
        "performance",
        "cleaner_production",
        "footprint",
        "international",
        "esg",
        "low_carbon",
        "energy_target",
        "water_leader",
    ),
    "rnd": ("rnd", "verification", "scenario"),
    "carbon_neutral": ("carbon_neutral",),
    "greenland": ("greenland",),
    "consulting": ("consulting",),
}

# What a measure file says of a measure the interview does not offer (measures for service providers).
NOT_OFFERED = "not_offered"


class Interview(BaseModel):
    """Where the interview offers a measure: a topic and one of its project templates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: str
    project: str

    @model_validator(mode="after")
    def _known(self) -> Interview:
        if self.topic not in TEMPLATES:
            raise ValueError(f"unknown interview topic {self.topic!r}; known: {', '.join(TEMPLATES)}")
        if self.project not in TEMPLATES[self.topic]:
            known = ", ".join(TEMPLATES[self.topic])
            raise ValueError(f"topic {self.topic!r} has no project {self.project!r}; known: {known}")
        return self


Offered = Interview | Literal["not_offered"]
