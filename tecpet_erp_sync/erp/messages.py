"""User-facing problems found before anything is sent, kept translatable outside Odoo.

Messages are English templates with ``%(name)s`` placeholders. They are wrapped in ``_`` only so
that Odoo's translation export finds them (it scans every Python file of the addon for ``_()``);
the Odoo side translates them at display time with ``self.env._(problem.message, **problem.params)``.
Plain Python has no ``env``, hence the marker.
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


def _(message: str) -> str:
    """Marks a message for translation export; returns it unchanged."""
    return message


@dataclass(frozen=True)
class Problem:
    """One thing to fix. ``message`` is the English template, ``params`` its values."""

    field: str  # Odoo field name (partner or invoice), for highlighting
    message: str
    params: dict[str, str | int] = dataclasses.field(default_factory=dict)

    def render(self) -> str:
        """The message in English (logs, tests, scripts); Odoo translates ``message`` instead."""
        return self.message % self.params
