"""A problem found in the editors' data, located at a file and line, said in Finnish and English."""

from __future__ import annotations

import dataclasses
import operator


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    """One problem: where it is, which field, what is wrong, and how bad."""

    file: str
    line: int
    field: str
    message_fi: str
    message_en: str
    severity: str = "violation"  # violation | warning | info

    def __str__(self) -> str:
        tag = "" if self.severity == "violation" else f"[{self.severity}] "
        text = self.message_fi if self.message_fi == self.message_en else f"{self.message_fi} / {self.message_en}"
        return f"{self.file}:{self.line}: {self.field}: {tag}{text}"


# The dataclass order as one C-made tuple per problem: sorting thousands of warnings with the
# generated __lt__ builds two tuples per comparison.
IN_ORDER = operator.attrgetter("file", "line", "field", "message_fi", "message_en", "severity")


class DataError(Exception):
    """Raised when the data cannot be published; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=IN_ORDER)
        super().__init__("\n".join(str(p) for p in self.problems))
