"""Personal data never in logs: an objection (异议) that does not decode (a field missing) is refused;
the refusal must not write the objector's phone number into the worker's log."""

import logging

from tests.support.driver import refused

PHONE = "13912345678"


async def test_a_malformed_objection_does_not_log_the_objectors_phone(dev_driver, household, caplog):
    driver = dev_driver
    await driver.open(household)
    handle = driver.client.get_workflow_handle(driver.case_id)
    caplog.set_level(logging.DEBUG)
    reason = await refused(handle.execute_update("object", {"name": "村民乙", "contact": PHONE}))
    logged = "\n".join(r.getMessage() + " " + str(r.__dict__) for r in caplog.records)
    assert PHONE not in logged, [r.getMessage()[:300] for r in caplog.records if PHONE in r.getMessage() + str(r.__dict__)]
    assert PHONE not in reason, reason
