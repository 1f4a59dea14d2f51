"""Inputs a tired official types (issue 19, item 3): blank text refused wherever text is required,
whichever client sends it; dates checked as dates with the reason; a mistyped official id said to be
unknown with the closest ids; refusals in the options' terms, never the validator's; a key file
refused for what it holds before its mode is considered."""

import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from domain.messages import ConsentCommand, DecisionCommand, ObjectionCommand, ResolutionCommand
from domain.records import AppraisalRecord, ApplicationRecord, SurveyRecord
from starters.cli_options import parse_date, valid
from starters.errors import BadUsage, Refused
from starters.signer import _checked_key_file, load_signer, write_private_key
from workers.settings import Settings

# \u3000: the ideographic space a Chinese keyboard types; \u200b, \ufeff: zero-width, invisible when pasted
BLANKS = ("", " ", "   ", "\t", "\u3000", " \n ", "\u200b", "\ufeff\u200b ", "\u00a0")


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_text_is_refused_in_every_message_whichever_client_sends_it(blank):
    """The models are what a worker validates an update with: a client other than the CLI meets the same rule."""
    attempts = [
        lambda: ObjectionCommand(name="村民丙", contact="13700001111", reason=blank),
        lambda: ObjectionCommand(name=blank, contact="13700001111", reason="收入不实"),
        lambda: ObjectionCommand(name="村民丙", contact=blank, reason="收入不实"),
        lambda: DecisionCommand(stage="verification", outcome="approve", official_id="x", meeting_ref=blank),
        lambda: DecisionCommand(stage="verification", outcome="reject", official_id="x", note=blank),
        lambda: ConsentCommand(official_id="x", note=blank),
        lambda: ResolutionCommand(objection_id="O1", outcome="dismiss", official_id="x", finding=blank),
        lambda: AppraisalRecord(held_on="2017-03-01", attendance=40, result=blank),
        lambda: ApplicationRecord(held_on="2017-03-01", document_ref=blank, summary="申请"),
        lambda: SurveyRecord(held_on="2017-03-01", departments=["扶贫办", blank or " "], infrastructure="i",
                             public_services="p", industry="i", collective_economy="c"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()


def test_text_is_kept_as_written_and_only_checked():
    """A signature covers the text as the official wrote it: the check changes nothing."""
    objection = ObjectionCommand(name=" 村民丙 ", contact="137 0000 1111", reason=" 有务工收入未计入 ")
    assert (objection.name, objection.reason) == (" 村民丙 ", " 有务工收入未计入 ")


@pytest.mark.parametrize(("fields", "said"), [
    ({"meeting_ref": ""}, "--meeting cannot be empty"),
    ({"meeting_ref": "   "}, "--meeting cannot be blank"),
    ({"outcome": "reject", "note": "\u3000"}, "--note cannot be blank"),
    ({"meeting_ref": "M" * 201}, "--meeting is too long (at most 200 characters)"),
    ({"official_id": "../../etc/passwd"}, "--as '../../etc/passwd' is not an id"),
    ({"outcome": "return", "to_stage": "appraisal"}, "a return needs a reason (note)"),
])
def test_refusals_speak_of_the_options_not_of_the_validator(fields, said):
    base = {"stage": "verification", "outcome": "approve", "official_id": "changxiao-shaping-director"}
    with pytest.raises(BadUsage) as refused:
        valid(DecisionCommand, **{**base, **fields})
    message = refused.value.format_message()
    assert said in message and refused.value.exit_code == 2
    for validator_words in ("String should", "Value error", "string_", "pattern", "Input should"):
        assert validator_words not in message, message


def test_objection_refusals_name_the_options():
    with pytest.raises(BadUsage) as refused:
        valid(ObjectionCommand, name="村民丙", contact="  ", reason="")
    assert refused.value.format_message() == "--reason cannot be empty; --contact cannot be blank: write what it says"


@pytest.mark.parametrize(("typed", "reason"), [
    ("2017-02-30", "2017-02-30 is not a date: February 2017 has 28 days"),
    ("2016-02-30", "2016-02-30 is not a date: February 2016 has 29 days"),
    ("2017-04-31", "2017-04-31 is not a date: April 2017 has 30 days"),
    ("2017-13-01", "2017-13-01 is not a date: there is no month 13"),
    ("2017-00-10", "2017-00-10 is not a date: there is no month 0"),
    ("0000-01-01", "0000-01-01 is not a date: there is no year 0"),
    ("1 March 2017", "'1 March 2017' is not a date: write it as YYYY-MM-DD, e.g. 2017-03-01"),
    ("2017/03/01", "'2017/03/01' is not a date: write it as YYYY-MM-DD"),
    ("", "'' is not a date"),
])
def test_a_date_that_does_not_exist_is_refused_with_the_reason(typed, reason):
    with pytest.raises(ValueError) as refused:
        parse_date(typed)
    assert str(refused.value).startswith(reason)


def test_real_dates_are_read_as_dates():
    assert parse_date("2016-02-29").isoformat() == "2016-02-29"
    assert parse_date(" 2017-03-01 ").isoformat() == "2017-03-01"


@pytest.fixture
def keys(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    folder = tmp_path / "home" / "keys"
    for official in ("changxiao-shaping-secretary", "changxiao-shaping-director", "linshe-shixia-secretary"):
        write_private_key(folder / f"{official}.pem", Ed25519PrivateKey.generate())
    return Settings(home=tmp_path / "home")


def test_a_mistyped_official_id_is_unknown_and_the_closest_ids_are_offered(keys):
    with pytest.raises(BadUsage) as refused:
        load_signer(keys, "changxiao-shaping-secretry")
    message = refused.value.format_message()
    assert message.startswith("unknown official changxiao-shaping-secretry")
    assert "did you mean changxiao-shaping-secretary" in message and "linshe" not in message
    with pytest.raises(BadUsage) as refused:
        load_signer(keys, "nobody-like-anyone")
    assert "unknown official nobody-like-anyone" in refused.value.format_message()
    assert "did you mean" not in refused.value.format_message()


def test_a_key_file_with_wrong_content_is_refused_for_its_content_whatever_its_mode(keys, tmp_path):
    wrong = tmp_path / "wrong.pem"
    wrong.write_text("this is my password: 123456\n")
    os.chmod(wrong, 0o644)  # readable by others too: the content is what is wrong, and said first
    with pytest.raises(BadUsage) as refused:
        _checked_key_file(wrong)
    assert "is not a private key" in refused.value.format_message()
    assert "readable by others" not in refused.value.format_message()
    # an endless file is refused as well, without reading it all
    with pytest.raises(BadUsage, match="is not a private key"):
        _checked_key_file(type(wrong)("/dev/zero"))


def test_a_real_key_readable_by_others_is_refused_for_its_mode(keys):
    key_file = keys.home / "keys" / "changxiao-shaping-director.pem"
    os.chmod(key_file, 0o644)
    with pytest.raises(Refused, match="readable by others"):
        _checked_key_file(key_file)
    os.chmod(key_file, stat.S_IRUSR | stat.S_IWUSR)
    _checked_key_file(key_file)


def test_the_case_says_an_official_id_it_does_not_know_is_unknown_and_offers_the_closest():
    """Where the CLI reads no registry, the case answers from its roster, in the same terms."""
    from domain.refusals import UnknownOfficial
    from domain.signoff_rules import find_official
    from tests.domain.conftest import build_roster, new_case

    case, roster = new_case(), build_roster()
    with pytest.raises(UnknownOfficial) as refused:
        find_official(case, roster, "hepai-secretry")
    assert str(refused.value).startswith("unknown official hepai-secretry for this case")
    assert "did you mean hepai-secretary?" in str(refused.value)
    with pytest.raises(UnknownOfficial) as refused:
        find_official(case, roster, "somebody-else-entirely")
    assert "did you mean" not in str(refused.value) and "own role and jurisdiction" in str(refused.value)
