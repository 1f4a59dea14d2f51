"""Attacks on list signatures (名单). Anyone can reach the Temporal frontend and send a member case
any message: a member accepts a list decision only with a valid signature, by a certified key of an
official holding the post, over a signed list that names this case in the stage and pass it is in,
with the whole member set: adding, dropping or swapping a member invalidates it."""

from domain.messages import CaseAck
from domain.name_lists import ListDecisionCommand, ListMember, MemberException
from starters import cases, lists as list_calls
from starters.signer import load_signer
from tests.support.driver import TS, VD, WT, refused
from tests.support.small_registry import VILLAGE


async def _signed(driver, official: str, members: list[ListMember], list_id: str | None = None,
                  exceptions: list[MemberException] = (), stage: str = "verification") -> ListDecisionCommand:
    await driver.signing_at_server_time()
    cmd = ListDecisionCommand(list_id=list_id or driver.list_id, stage=stage, official_id=official,
                              members=members, exceptions=list(exceptions))
    return load_signer(driver.settings, official).sign(cmd.list_id, stage, cmd.pass_binding(), cmd)


async def _members(driver) -> list[ListMember]:
    _, states = await list_calls.show_list(driver.client, driver.list_id)
    return [ListMember(case_id=s.case_id, stage=s.stage, pass_id=s.pass_id) for s in states]


async def _send(driver, case_id: str, cmd: ListDecisionCommand) -> CaseAck:
    return await driver.client.get_workflow_handle(case_id).execute_update("list_decide", cmd, result_type=CaseAck)




async def attack_a_case_not_on_the_signed_list_refuses_it(driver, members, outsider):
    cmd = await _signed(driver, VD, members)
    reason = await refused(_send(driver, outsider, cmd))
    assert "NotOnList" in reason and "not on the signed list" in reason
    assert all(d.stage == "appraisal" for d in (await cases.show(driver.client, outsider)).decisions)


async def attack_adding_a_member_after_signing_invalidates_the_signature(driver, members, outsider):
    cmd = await _signed(driver, VD, members)
    state = await cases.show(driver.client, outsider)
    grown = cmd.model_copy(update={"members": [*members, ListMember(case_id=outsider, stage=state.stage, pass_id=state.pass_id)]})
    for target in (outsider, members[0].case_id):
        assert "SignatureRefused" in await refused(_send(driver, target, grown))
    after = await cases.show(driver.client, members[0].case_id)
    assert len(after.decisions) == 1  # refused by the validator: nothing reached the history


async def attack_swapping_or_dropping_a_member_invalidates_the_signature(driver, members, outsider):
    cmd = await _signed(driver, VD, members)
    state = await cases.show(driver.client, outsider)
    swapped = cmd.model_copy(update={"members": [members[0], ListMember(case_id=outsider, stage=state.stage, pass_id=state.pass_id)]})
    assert "SignatureRefused" in await refused(_send(driver, outsider, swapped))
    assert "SignatureRefused" in await refused(_send(driver, members[0].case_id, swapped))
    dropped = cmd.model_copy(update={"members": members[:1]})
    assert "SignatureRefused" in await refused(_send(driver, members[0].case_id, dropped))


async def attack_a_stripped_exception_or_another_list_id_invalidates_the_signature(driver, members, _):
    back = MemberException(case_id=members[1].case_id, outcome="reject", reason="家庭收入不达标")
    cmd = await _signed(driver, VD, members, exceptions=[back])
    stripped = cmd.model_copy(update={"exceptions": []})
    assert "SignatureRefused" in await refused(_send(driver, members[1].case_id, stripped))
    moved = cmd.model_copy(update={"list_id": cmd.list_id.rsplit("/", 1)[0] + "/000000000000"})
    assert "SignatureRefused" in await refused(_send(driver, members[0].case_id, moved))
    assert (await cases.show(driver.client, members[1].case_id)).status == "open"


async def attack_a_member_in_another_pass_refuses_the_list(driver, members, _):
    stale = [members[0].model_copy(update={"pass_id": "verification#0"}), members[1]]
    cmd = await _signed(driver, VD, stale)
    reason = await refused(_send(driver, members[0].case_id, cmd))
    assert "NotOnList" in reason and "sign the list again" in reason


async def attack_a_list_signature_counts_once_per_member(driver, members, _):
    cmd = await _signed(driver, VD, members)
    await _send(driver, members[0].case_id, cmd)
    again = await refused(_send(driver, members[0].case_id, cmd))
    assert "AlreadySigned" in again or "SignatureRefused" in again
    assert len((await cases.show(driver.client, members[0].case_id)).decisions) == 2


async def attack_unsigned_wrong_post_or_borrowed_key_is_refused(driver, members, _):
    target = members[0].case_id
    unsigned = ListDecisionCommand(list_id=driver.list_id, stage="verification", official_id=WT, members=members)
    assert "SignatureRefused" in await refused(_send(driver, target, unsigned))
    township = await _signed(driver, TS, members)  # a certified key, but not a post that verifies
    assert "WrongRole" in await refused(_send(driver, target, township))
    borrowed = await _signed(driver, VD, members)  # VD's signature claimed as WT's
    claimed = borrowed.model_copy(update={"official_id": WT})
    assert "SignatureRefused" in await refused(_send(driver, target, claimed))
    assert len((await cases.show(driver.client, target)).decisions) == 1


async def attack_the_list_relays_only_its_own_members(driver, members, outsider):
    state = await cases.show(driver.client, outsider)
    cmd = await _signed(driver, VD, [*members, ListMember(case_id=outsider, stage=state.stage, pass_id=state.pass_id)])
    assert "NotOnList" in await refused(list_calls.send_list_decision(driver.client, cmd))
    other = await _signed(driver, VD, members, list_id=f"household-list/{VILLAGE}/2017/0123456789ab")
    assert "NotOnList" in await refused(
        driver.client.get_workflow_handle(driver.list_id).execute_update("decide", other, result_type=CaseAck)
    )


async def test_every_attack_on_a_list_signature_is_refused_by_the_member(lists, homes):
    """One list for all attacks (the small registry's eligible households are shared by the session);
    each refused attack leaves the members as they were, so the next starts from the same state; the
    replay comes last, as it needs one accepted decision."""
    households = homes(3)
    await lists.open_list(households[:2], VILLAGE)
    outsider = (await lists.open(households[2])).case_id  # a single case, on no list
    members = await _members(lists)
    for attack in (
        attack_a_case_not_on_the_signed_list_refuses_it,
        attack_adding_a_member_after_signing_invalidates_the_signature,
        attack_swapping_or_dropping_a_member_invalidates_the_signature,
        attack_a_stripped_exception_or_another_list_id_invalidates_the_signature,
        attack_a_member_in_another_pass_refuses_the_list,
        attack_unsigned_wrong_post_or_borrowed_key_is_refused,
        attack_the_list_relays_only_its_own_members,
        attack_a_list_signature_counts_once_per_member,
    ):
        await attack(lists, members, outsider)
