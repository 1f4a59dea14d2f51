"""Search attributes operators filter on in the Web UI and `tuopin list`. Never personal data."""

from temporalio.common import SearchAttributeKey

EXIT_TYPE = SearchAttributeKey.for_keyword("ExitType")
UNIT_ID = SearchAttributeKey.for_keyword("UnitId")
TOWNSHIP = SearchAttributeKey.for_keyword("Township")
CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
CASE_STATUS = SearchAttributeKey.for_keyword("CaseStatus")
EXIT_YEAR = SearchAttributeKey.for_int("ExitYear")
AWAITING = SearchAttributeKey.for_keyword_list("Awaiting")
NOTICE_CLOSES_AT = SearchAttributeKey.for_datetime("NoticeClosesAt")
AWAITING_SINCE = SearchAttributeKey.for_datetime("AwaitingSince")  # when the current wait began
SIMULATION = SearchAttributeKey.for_bool("Simulation")  # a load-test case (see domain/simulation.py)

ALL = (EXIT_TYPE, UNIT_ID, TOWNSHIP, CASE_STAGE, CASE_STATUS, EXIT_YEAR, AWAITING, NOTICE_CLOSES_AT, AWAITING_SINCE, SIMULATION)
