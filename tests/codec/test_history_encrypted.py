"""A real case through a client and a worker that both use the codec: what reaches Temporal's
history (what the server stores and anyone who can read it sees) holds none of the case's text."""

from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client

from codec.aes_gcm import with_codec
from codec.keyring import KeyRing
from tests.support import small_registry
from tests.support.driver import VD, WT, CaseDriver
from workers.data_converter import DATA_CONVERTER
from workers.worker import build_worker
from workflows import search_attributes as sa

QUEUE = "tuopin-codec-test"
NOTE = "务工收入每月三千二百元已核实"
OBJECTION = "隐瞒了在外务工的儿子的收入"
OBJECTOR = "村民丙"
PLACE = "河排村老祠堂门口公示栏"


def _history_texts(history) -> tuple[bytes, str]:
    from temporalio.api.history.v1 import History

    return History(events=history.events).SerializeToString(), history.to_json()


async def _run_case(ts_env, small_store, small_keys, policy, household, converter) -> tuple[bytes, str, Client]:
    client = Client(ts_env.client.service_client, namespace=ts_env.client.namespace, data_converter=converter)
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(client, small_store, policy, QUEUE, executor, trust=small_registry.trust(small_keys)):
            driver = CaseDriver(ts_env, small_store, QUEUE, small_keys)
            driver.client = client
            await driver.open(household)
            await driver.decide("verification", VD, note=NOTE)
            await driver.decide("verification", WT)
            await driver.consent(f"{household}-head")
            await driver.post_notice(place=PLACE)
            await driver.until(lambda s: s.stage == "notice" and s.current_notice() is not None)
            await driver.object(name=OBJECTOR, reason=OBJECTION)
            state = await driver.state()
            assert NOTE in [d.note for d in state.decisions]  # the codec's client reads it back
            history = await client.get_workflow_handle(driver.case_id).fetch_history()
            await client.get_workflow_handle(driver.case_id).terminate("test over")
    raw, as_json = _history_texts(history)
    return raw, as_json, client


async def test_the_history_of_a_case_holds_no_plaintext(ts_env, small_store, small_keys, policy, household):
    converter = with_codec(DATA_CONVERTER, KeyRing.fresh())  # (with DATA_CONVERTER alone, the note is readable)
    raw, as_json, client = await _run_case(ts_env, small_store, small_keys, policy, household, converter)
    for text in (NOTE, OBJECTION, OBJECTOR, PLACE, "测试户主", "第三村民小组", "长校河排村民主评议", "一致同意拟退出", VD):
        assert text.encode() not in raw, f"{text!r} is readable in the case's history"
        assert text not in as_json
    assert b"binary/encrypted" in raw
    # search attributes stay plain: the operators' lists and filters need them (they hold no personal data)
    described = await ts_env.client.get_workflow_handle(f"household-exit/{household}/2017").describe()
    assert described.typed_search_attributes.get(sa.UNIT_ID) == household
