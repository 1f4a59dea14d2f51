"""Why the pipeline refuses a message. Each refusal names its reason; the case is left unchanged."""


class Refusal(Exception):
    """Base of every business refusal (CLI exit code 1)."""


class CaseNotOpen(Refusal):
    pass


class WrongStage(Refusal):
    pass


class UnknownOfficial(Refusal):
    pass


class WrongRole(Refusal):
    pass


class WrongJurisdiction(Refusal):
    pass


class SamePerson(Refusal):
    pass


class AlreadySigned(Refusal):
    pass


class OutOfOrder(Refusal):
    pass


class MeetingRequired(Refusal):
    pass


class InvalidRecord(Refusal):
    pass


class BadReturn(Refusal):
    pass


class NoticeNotOpen(Refusal):
    pass


class AlreadyObjected(Refusal):
    """The same objector (name and contact) objected already while this notice lasts."""


class UnknownObjection(Refusal):
    pass


class CriteriaNotMet(Refusal):
    pass


class UnitNotFound(Refusal):
    pass


class FiguresMissing(Refusal):
    """The registry lacks a figure of the exit year that a criterion compares."""


class NotWorkingYear(Refusal):
    """A case asked for another year than the registry's working year (domain/working_year.py)."""


class WorkingYearRefused(Refusal):
    """A working-year act that would move the year backwards or skip one, or that does not verify."""


REFUSAL_TYPES: tuple[type[Refusal], ...] = (
    Refusal,
    CaseNotOpen,
    WrongStage,
    UnknownOfficial,
    WrongRole,
    WrongJurisdiction,
    SamePerson,
    AlreadySigned,
    OutOfOrder,
    MeetingRequired,
    InvalidRecord,
    BadReturn,
    NoticeNotOpen,
    UnknownObjection,
    AlreadyObjected,
    CriteriaNotMet,
    UnitNotFound,
    FiguresMissing,
    NotWorkingYear,
    WorkingYearRefused,
)
