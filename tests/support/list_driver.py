"""Drives a list (名单) and its member cases as the officials would, through starters/lists.py."""

from datetime import timedelta

from domain.case import CaseState
from domain.case_ids import case_id
from domain.list_state import ListDecisionResult, ListState
from domain.name_lists import MemberException
from starters import cases, lists
from tests.support.driver import CaseDriver, appraisal


class ListDriver(CaseDriver):
    list_id = ""

    async def open_list(self, households: list[str], village: str, year: int = 2017) -> str:
        await self.signing_at_server_time()
        self.list_id = await lists.open_list(self.client, self.settings, "household", village, year, households, appraisal())
        return self.list_id

    async def names(self) -> ListState:
        return (await lists.show_list(self.client, self.list_id))[0]

    async def member(self, household: str) -> CaseState:
        return await cases.show(self.client, case_id("household", household, 2017))

    async def sign(self, stage: str, official: str, meeting: str | None = None,
                   exceptions: list[MemberException] = ()) -> ListDecisionResult:
        await self.signing_at_server_time()
        return await lists.sign_list(self.client, self.settings, self.list_id, stage, official, meeting, None,
                                     list(exceptions))

    async def members_until(self, predicate, tries: int = 100) -> list[CaseState]:
        import asyncio

        for _ in range(tries):
            _, members = await lists.show_list(self.client, self.list_id)
            if all(predicate(m) for m in members):
                return members
            await asyncio.sleep(0.05)
        raise AssertionError(f"members never got there: {[(m.case_id, m.stage, m.status) for m in members]}")

    async def consent_all(self, households: list[str]) -> None:
        for h in households:
            self.case_id = case_id("household", h, 2017)
            await self.consent(f"{h}-head")

    async def post_list_notice(self, village: str, place: str = "村委会公示栏") -> ListDecisionResult:
        """The village records the posting of the list's one notice, once, now (`tuopin notice posted LIST`)."""
        from domain.notice_posting import awaiting_posting

        await self.members_until(lambda m: m.stage != "notice" or awaiting_posting(m) or m.current_notice() is not None)
        await self.signing_at_server_time()
        at = await self.env.get_current_time()
        return await lists.post_list_notice(self.client, self.settings, self.list_id,
                                            self.store_poster("village_secretary", village), at, place)

    async def pass_list_notice(self, village: str) -> ListDecisionResult:
        """The list's one notice posted (the 7 days run from it), then the days pass."""
        result = await self.post_list_notice(village)
        await self.env.sleep(timedelta(days=8))
        return result
