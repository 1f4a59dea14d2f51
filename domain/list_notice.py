"""One notice per list (名单公示): the village records the posting of the list's notice once, a signed
posting over the list (docs/lists.md). Pure rules only.

Like a list decision (domain/name_lists.py), the posting is an ordinary Ed25519 signature whose subject
is the list: ``case_id`` the list id, ``stage`` the notice stage, ``pass_id`` the digest of the members
it covers, each with the pass of the notice stage it is in (``members_digest``). The list relays it to
each member, which accepts it only for itself, in the pass the signed list names for it
(``member_posting``), and then checks it as it checks a single posting: the same signature path and
the same domain/notice_posting rules (the place's official, its jurisdiction, the time).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, model_validator

from domain.messages import Id, PostingCommand
from domain.name_lists import MAX_MEMBERS, ListMember, NotOnList, members_digest
from domain.signing import SignedMessage, SignedTerms

NOTICE_STAGE = "notice"


class ListPostingCommand(SignedMessage):
    """公示 posted for a list: when and where the list's one notice was put up, signed once over its
    members at the notice stage."""

    signed_kind = "list_posting"

    list_id: Annotated[str, Field(min_length=1, max_length=200)]
    official_id: Id
    posted_at: datetime
    place: Annotated[str, Field(min_length=1, max_length=200)]
    members: Annotated[list[ListMember], Field(min_length=1, max_length=MAX_MEMBERS)]

    @model_validator(mode="after")
    def _consistent(self) -> "ListPostingCommand":
        ids = [m.case_id for m in self.members]
        if len(set(ids)) != len(ids):
            raise ValueError("a list names each member once")
        if any(m.stage != NOTICE_STAGE for m in self.members):
            raise ValueError("every member a list's notice posting covers is at its public notice")
        if not self.place.strip():
            raise ValueError("the place of posting cannot be blank")
        if self.posted_at.tzinfo is None:
            raise ValueError("the posting time must carry its time zone (e.g. 2017-05-02T09:00+08:00)")
        return self

    @property
    def stage(self) -> str:
        return NOTICE_STAGE

    def signed_terms(self) -> SignedTerms:
        return SignedTerms(outcome="posted", note=self.place,
                           evidence={"posted_at": self.posted_at.isoformat(), **self.covered()})

    def covered(self) -> dict:
        """What the signature covers besides the signer, time and place: the list and its members."""
        return {"list_id": self.list_id, "members": [m.model_dump(mode="json") for m in self.members]}

    def pass_binding(self) -> str:
        return members_digest(self.list_id, NOTICE_STAGE, self.members)


def member_posting(cmd: ListPostingCommand, case_id: str, stage: str, pass_id: str) -> PostingCommand:
    """The posting the list's signed posting records for this case, if the signed list names the case
    in the pass of the notice stage it is in now; else NotOnList. It carries the list's signature."""
    if stage != NOTICE_STAGE:
        raise NotOnList(f"the list's notice posting is for stage {NOTICE_STAGE!r}; case {case_id} is at {stage!r}")
    mine = next((m for m in cmd.members if m.case_id == case_id), None)
    if mine is None:
        raise NotOnList(f"case {case_id} is not on the list {cmd.list_id} whose notice posting this is")
    if mine.pass_id != pass_id:
        raise NotOnList(
            f"the list {cmd.list_id}'s notice posting was signed while case {case_id} was in pass {mine.pass_id!r} "
            f"of its notice; it is now in pass {pass_id!r}: record the posting again"
        )
    return PostingCommand.model_construct(official_id=cmd.official_id, posted_at=cmd.posted_at, place=cmd.place,
                                          signature=cmd.signature)
