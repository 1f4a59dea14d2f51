"""Names of the registry's unit statistics (table unit_statistics), one place for all of them."""

from typing import Final

# Population and income
RURAL_POPULATION: Final = "rural_population"  # 农业人口 (persons), village level; higher levels sum villages
RURAL_INCOME_PER_CAPITA: Final = "rural_income_per_capita"  # 农民人均可支配收入 (yuan); village, county, province
COLLECTIVE_INCOME: Final = "collective_income"  # 村级集体收入 (yuan); village
RURAL_INCOME_GROWTH_PCT: Final = "rural_income_growth_pct"  # 农民人均可支配收入增长幅度 (%); township, county, city

# 基本公共服务主要领域指标: compared with the city (key township) or the province (key county) average.
# Each is "higher is better" and expressed in percent.
SERVICE_INDICATORS: Final = {
    "service.compulsory_education_retention_pct": "义务教育巩固率",
    "service.medical_insurance_coverage_pct": "城乡居民基本医疗保险参保率",
    "service.safe_drinking_water_pct": "农村安全饮水覆盖率",
    "service.paved_road_village_pct": "建制村通硬化路比例",
    "service.clinic_coverage_pct": "村卫生室覆盖率",
}
