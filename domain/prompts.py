"""Prompts: text a strategy template leaves for the user to write.

Every prompt starts with its language's marker, so a front end, the SMART check and
the written strategy can tell what is still open.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

#: What every open prompt in an English template starts with.
FILL_IN_EN: Final = "TO FILL IN:"
#: What every open prompt in a Danish template starts with.
FILL_IN_DA: Final = "UDFYLDES:"
#: The prompt marker of each template language (ISO 639-1).
PROMPT_MARKERS: Final[Mapping[str, str]] = {"en": FILL_IN_EN, "da": FILL_IN_DA}


def is_open_prompt(text: str) -> bool:
    """Whether ``text`` is still a template prompt the user has to fill in."""
    stripped = text.lstrip()
    return any(stripped.startswith(marker) for marker in PROMPT_MARKERS.values())
