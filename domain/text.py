"""Text people write into a case (reasons, notes, meeting references, names): where text is required,
empty or only spaces is refused, whichever client sent it. The text is kept as written (a signature
covers it), only checked."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field


# Characters that show nothing: spaces of every kind, controls, and format characters (zero-width
# spaces and joiners, byte-order marks), which a pasted text may carry alone.
_INVISIBLE = ("Zs", "Zl", "Zp", "Cc", "Cf")


def is_blank(value: str) -> bool:
    return all(ch.isspace() or unicodedata.category(ch) in _INVISIBLE for ch in value)


def not_blank(value: str) -> str:
    if is_blank(value):
        raise ValueError("cannot be blank: write what it says")
    return value


NOT_BLANK = AfterValidator(not_blank)

Text = Annotated[str, Field(min_length=1, max_length=2000), NOT_BLANK]  # a reason, a note, a finding
Ref = Annotated[str, Field(min_length=1, max_length=200), NOT_BLANK]  # minutes, a document, a way to reach someone
Name = Annotated[str, Field(min_length=1, max_length=100), NOT_BLANK]  # a person's name, a department
