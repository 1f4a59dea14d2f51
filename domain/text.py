"""Text people write into a case (reasons, notes, meeting references, names): where text is required,
empty or only spaces is refused, whichever client sent it. The text is kept as written (a signature
covers it), only checked."""

from typing import Annotated

from pydantic import AfterValidator, Field


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("cannot be blank: write what it says")
    return value


NOT_BLANK = AfterValidator(not_blank)

Text = Annotated[str, Field(min_length=1, max_length=2000), NOT_BLANK]  # a reason, a note, a finding
Ref = Annotated[str, Field(min_length=1, max_length=200), NOT_BLANK]  # minutes, a document, a way to reach someone
Name = Annotated[str, Field(min_length=1, max_length=100), NOT_BLANK]  # a person's name, a department
