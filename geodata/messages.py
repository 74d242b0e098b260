"""`N_()` marks a Spanish string of the data layer (a rule's sentence, a status or category
label) for the interface's message catalogs: `pybabel extract` finds it (see babel.cfg), the
code keeps the Spanish text, and the pages translate it where they show it
(dashboard/i18n.py). The database and the loaders stay in Spanish."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name
    return message
