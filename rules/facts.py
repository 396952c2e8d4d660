"""The facts an evaluation reads: one enterprise and its projects or achievements.

Every fact may be unknown (None). Units are part of the field name (``_yuan``, ``_kw``,
``_kwh``, ``_m2``, ``_ha``, ``_ratio``, ``_count``, ``_months``) and repeated in the catalog
``rules/data/facts.yaml``, which also holds the questions the interview asks.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, NonNegativeInt, model_validator

from rules.texts import phrase


class Zone(StrEnum):
    """Where the enterprise operates, per 七(一)."""

    CORE60 = "core60"  # 60 km² plus the newly extended areas under delegated management
    NEWTOWN225 = "newtown225"  # rest of the 225 km² 亦庄新城
    OUTSIDE = "outside"


class GreenManufacturingTitle(StrEnum):
    """Which of measure 13's two titles an entry is (convention 5: different titles add up)."""

    GREEN_FACTORY = "green_factory"
    GREEN_SUPPLY_CHAIN = "green_supply_chain"


class Level(StrEnum):
    """National or municipal level of a title."""

    NATIONAL = "national"
    MUNICIPAL = "municipal"
    NONE = "none"


# The message of an answer that contradicts another (zh, then en): the interview shows it and asks again.
FLEET_INCONSISTENT_ZH, FLEET_INCONSISTENT_EN = phrase("facts.fleet_inconsistent")
FLEET_INCONSISTENT = f"{FLEET_INCONSISTENT_ZH} / {FLEET_INCONSISTENT_EN}"


class _Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Enterprise(_Facts):
    """Facts about the applicant itself."""

    zone: Zone | None = None
    above_scale_industrial: bool | None = None
    above_limit_nonindustrial: bool | None = None
    general_contractor: bool | None = None
    full_budget_unit: bool | None = None
    consulting_firm: bool | None = None
    urban_renewal_park: bool | None = None
    key_energy_unit: bool | None = None
    key_carbon_unit: bool | None = None
    key_industry_15: bool | None = None
    data_center: bool | None = None
    data_center_energy_review: bool | None = None
    key_vehicle_unit: bool | None = None
    gate_networked: bool | None = None
    # 七(二)2: the good answer to each of these is False.
    major_penalty_3y: bool | None = None
    criminal_record_3y: bool | None = None
    dishonest_list: bool | None = None
    major_accident_3y: bool | None = None
    environmental_incident_3y: bool | None = None


VehicleClass = Literal["cn4_diesel_truck_bus", "cn5plus_truck_bus", "special_work_vehicle", "other"]
NevType = Literal["bev", "fcev", "other"]
MachineType = Literal["excavator", "loader", "forklift", "bulldozer", "roller", "grader", "other"]
BoilerLevel = Literal["A", "B", "below_B"]
PvRole = Literal["self_invested", "third_party_investor", "site_owner"]
HeatingTech = Literal[
    "shallow_ground_source_hp",
    "mid_deep_hydrothermal",
    "mid_deep_downhole_exchange",
    "reclaimed_water_hp",
    "sewage_hp",
    "waste_heat",
    "green_power_storage",
    "green_hydrogen",
    "water_source_hp",
    "other",
]
GreenSiteTitle = Literal["model", "standard", "none"]
GreenEnterpriseTitle = Literal["deep", "light", "none"]
PerformanceGrade = Literal["A", "B", "C", "none"]
CleanerLevel = Literal["level1", "level2", "level3", "none"]
CarbonNeutralScope = Literal["enterprise", "park", "workshop"]
EnergyRating = Literal["excellent", "other"]
ReviewResult = Literal["passed", "not_yet", "failed"]
DataCenterPart = Literal["no", "with_review", "without_review"]


class ProjectFacts(_Facts):
    """Facts about one project, purchase batch, title or certification."""

    # 七(二)5 exclusions
    three_simultaneous: bool | None = None
    gov_funded: bool | None = None
    # 七(二)5(2), per project (convention 10): is the project (part of) a data centre, and has that
    # data centre its energy-saving review opinion.
    data_center_part: DataCenterPart | None = None
    # 经评审 (convention 12): the bureau's evaluation of the project.
    review_result: ReviewResult | None = None
    total_investment_yuan: NonNegativeFloat | None = None
    # 1, 2
    jiebang_project: bool | None = None
    rd_investment_yuan: NonNegativeFloat | None = None
    green_tech_verification: bool | None = None
    municipal_funding_yuan: NonNegativeFloat | None = None
    # 3, 4
    ai_scenario: bool | None = None
    fullchain_scenario: bool | None = None
    # 7, 9
    source_reduction: bool | None = None
    deep_treatment: bool | None = None
    characteristic_pollutant_retrofit: bool | None = None
    concentration_ratio: NonNegativeFloat | None = Field(default=None, le=10)
    total_investment_with_operation_yuan: NonNegativeFloat | None = None
    # 10
    boiler_level: BoilerLevel | None = None
    boiler_retrofit_investment_yuan: NonNegativeFloat | None = None
    metering_reaches_b: bool | None = None
    metering_sets_count: NonNegativeInt | None = None
    # 11
    pit_membrane: bool | None = None
    membrane_investment_yuan: NonNegativeFloat | None = None
    # 12
    green_site_title: GreenSiteTitle | None = None
    site_env_penalty: bool | None = None
    site_written_notice: bool | None = None
    site_completed: bool | None = None
    # 13
    green_diagnosis_done: bool | None = None
    diagnosis_equipment_funding_yuan: NonNegativeFloat | None = None
    green_manufacturing_title: Level | None = None
    green_manufacturing_title_name: GreenManufacturingTitle | None = None
    # 14, 15, 16, 17
    green_enterprise_title: GreenEnterpriseTitle | None = None
    performance_upgraded_to: PerformanceGrade | None = None
    performance_a_three_years: bool | None = None
    cleaner_production_level: CleanerLevel | None = None
    vocs_plan_accepted: bool | None = None
    # 18-21 and 八(二)
    own_vehicles: bool | None = None
    old_vehicle_class: VehicleClass | None = None
    old_scrapped_or_moved_out: bool | None = None
    old_count: NonNegativeInt | None = None
    new_count: NonNegativeInt | None = None
    new_energy_type: NevType | None = None
    new_unit_price_yuan: NonNegativeFloat | None = None
    higher_subsidy_yuan: NonNegativeFloat | None = None
    scrapped_within_year_of_deadline: bool | None = None
    old_registered_after_policy: bool | None = None
    fleet_count: NonNegativeInt | None = None
    fleet_nev_count: NonNegativeInt | None = None
    leased_fuel_truck_bus: bool | None = None
    lease_term_months: NonNegativeFloat | None = None
    no_more_fuel_lease_pledge: bool | None = None
    machine_owner: bool | None = None
    machine_type: MachineType | None = None
    machine_registered_bda: bool | None = None
    # Convention 15: measure 21 pays for scrapped machines only (moving out does not count).
    machine_scrapped: bool | None = None
    new_machine_registered_bda: bool | None = None
    site_electrification_pilot: bool | None = None
    # 23-26
    municipal_energy_saving_award_yuan: NonNegativeFloat | None = None
    municipal_final_review_passed: bool | None = None
    municipal_retrofit_award_yuan: NonNegativeFloat | None = None
    retrofit_area_m2: NonNegativeFloat | None = None
    retrofit_investment_yuan: NonNegativeFloat | None = None
    municipal_green_building_award_yuan: NonNegativeFloat | None = None
    building_area_m2: NonNegativeFloat | None = None
    demonstration_in_newtown: bool | None = None
    science_prize: bool | None = None
    municipal_ultralow_award_yuan: NonNegativeFloat | None = None
    # 27-29
    pv_capacity_kw: NonNegativeFloat | None = None
    pv_role: PvRole | None = None
    site_owner_budget_unit: bool | None = None
    heating_tech: HeatingTech | None = None
    municipal_heating_subsidy: bool | None = None
    beijing_green_power_trade: bool | None = None
    green_power_kwh: NonNegativeFloat | None = None
    # 31, 32
    served_key_units_count: NonNegativeInt | None = None
    carbon_neutral_scope: CarbonNeutralScope | None = None
    carbon_neutral_certified: bool | None = None
    carbon_neutral_previously_supported: bool | None = None
    self_generation_kwh: NonNegativeFloat | None = None
    grid_purchase_kwh: NonNegativeFloat | None = None
    electricity_use_kwh: NonNegativeFloat | None = None
    cnas_verified: bool | None = None
    # 34-40
    carbon_footprint_certified: bool | None = None
    international_certified: bool | None = None
    esg_a_or_above: bool | None = None
    low_carbon_tech_excellent: bool | None = None
    low_carbon_leader: bool | None = None
    energy_target_rating: EnergyRating | None = None
    water_efficiency_leader: Level | None = None
    green_adoption_area_ha: NonNegativeFloat | None = None
    adoption_built: bool | None = None
    adoption_maintained: bool | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ProjectFacts:
        # 第19条: the new-energy vehicles are part of the own fleet, so never more than it.
        if (
            self.fleet_nev_count is not None
            and self.fleet_count is not None
            and self.fleet_nev_count > self.fleet_count
        ):
            raise ValueError(FLEET_INCONSISTENT)
        return self


class Project(BaseModel):
    """One project or achievement and the measures it is put forward under."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=64)
    name: str = ""
    measures: list[int] = Field(min_length=1)
    facts: ProjectFacts = ProjectFacts()


class Profile(BaseModel):
    """Everything known about one enterprise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enterprise: Enterprise = Enterprise()
    projects: list[Project] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> Profile:
        ids = [p.id for p in self.projects]
        if len(ids) != len(set(ids)):
            raise ValueError(f"project ids must be unique: {ids}")
        return self


ENTERPRISE_FACTS: frozenset[str] = frozenset(Enterprise.model_fields)
PROJECT_FACTS: frozenset[str] = frozenset(ProjectFacts.model_fields)


def fact_value(profile_enterprise: Enterprise, project: ProjectFacts | None, ref: str) -> Any:
    """Return the value of a fact reference like ``enterprise.zone`` or ``project.pv_capacity_kw``."""
    scope, _, name = ref.partition(".")
    if scope == "enterprise":
        value = getattr(profile_enterprise, name)
    else:
        value = getattr(project, name) if project is not None else None
    return value.value if isinstance(value, StrEnum) else value


def profile_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of a profile."""
    return Profile.model_json_schema()
