"""workers/payload_passes.py skips the SDK's payload passes where they cannot change a payload. Checked
here on every real activation and completion of a household case with an objection (updates,
local activities, a timer, queries, the case's end): the SDK's own passes, run on a copy beside the
skip, leave each one byte for byte as it was."""

from temporalio.converter import DataConverter, PayloadCodec

from workers import payload_passes
from workers.data_converter import DATA_CONVERTER


class PassThroughCodec(PayloadCodec):
    async def encode(self, payloads):
        return list(payloads)

    async def decode(self, payloads):
        return list(payloads)


def test_tuopins_converter_has_no_codec_and_no_external_storage():
    assert not payload_passes.has_effect(DATA_CONVERTER)
    assert payload_passes.has_effect(DataConverter(payload_codec=PassThroughCodec()))


async def test_a_converter_with_a_codec_goes_through_the_sdks_own_passes(monkeypatch):
    calls = []

    async def stock(*args):
        calls.append(args[1])
        return "stock"

    monkeypatch.setattr(payload_passes, "STOCK_DECODE", stock)
    monkeypatch.setattr(payload_passes, "STOCK_ENCODE", stock)
    with_codec = DataConverter(payload_codec=PassThroughCodec())
    assert await payload_passes.decode_activation(object(), with_codec, True, 1) == "stock"
    assert await payload_passes.encode_completion(object(), with_codec, True, 1) == "stock"
    assert calls == [with_codec, with_codec]
    assert (await payload_passes.decode_activation(object(), DATA_CONVERTER, True, 1)).payload_count == 0


async def test_the_sdks_passes_change_nothing_in_a_real_case(driver, household, monkeypatch):
    seen = {"activations": 0, "completions": 0}
    changed: list[str] = []

    def checked(stock, skip, kind):
        async def run(message, converter, *args, **kwargs):
            copy = type(message)()
            copy.CopyFrom(message)
            await stock(copy, converter, *args, **kwargs)
            if copy.SerializeToString(deterministic=True) != message.SerializeToString(deterministic=True):
                changed.append(f"{kind}: {message}")
            seen[kind] += 1
            return await skip(message, converter, *args, **kwargs)
        return run

    import temporalio.bridge.worker as bridge_worker

    monkeypatch.setattr(bridge_worker, "decode_activation",
                        checked(payload_passes.STOCK_DECODE, payload_passes.decode_activation, "activations"))
    monkeypatch.setattr(bridge_worker, "encode_completion",
                        checked(payload_passes.STOCK_ENCODE, payload_passes.encode_completion, "completions"))

    await driver.open(household)
    await driver.verify(household)
    ack = await driver.object()
    await driver.resolve(ack.objection_id, "dismiss")  # a new full window
    await driver.pass_notice()
    await driver.township()
    final = await driver.county()
    assert final.status == "exited"
    assert changed == []
    assert seen["activations"] >= 10 and seen["completions"] >= 10, seen
