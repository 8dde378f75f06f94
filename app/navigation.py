"""The pages of the app and the permission each needs: the navigation of a session holds only its pages.

A page its role may not use does not exist for it: not in the menu, and a typed URL (``/depot``) or a link
falls back to the default page, because ``st.navigation`` only knows the pages it was given. To add a page,
add one line to ``PAGES`` with the permission it needs (``pipelines/access/roles.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from pipelines.access.roles import CONFIDENTIAL, READ, UPLOAD, Session

APP_PAGES = Path(__file__).parent / "app_pages"


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    icon: str
    url_path: str | None = None
    permission: str = READ
    default: bool = False


PAGES = [
    PageSpec("accueil.py", "Accueil", ":material/home:", default=True),
    PageSpec("portrait.py", "Portrait de territoire", ":material/description:", "portrait"),
    PageSpec("explorer.py", "Explorer les EPCI", ":material/table_view:", "explorer"),
    PageSpec("cartes.py", "Cartes", ":material/map:", "cartes"),
    PageSpec("priorites.py", "Territoires prioritaires", ":material/flag:", "priorites", CONFIDENTIAL),
    PageSpec("tendances.py", "Tendances", ":material/trending_up:", "tendances"),
    PageSpec("donnees.py", "Données et sources", ":material/menu_book:", "donnees"),
    PageSpec("depot.py", "Dépôt d'extraits", ":material/upload_file:", "depot", UPLOAD),
]


def allowed(session: Session) -> list[PageSpec]:
    return [spec for spec in PAGES if session.can(spec.permission)]


def pages_for(session: Session) -> list:
    """The ``st.Page`` objects of ``session``'s pages, in menu order."""
    return [st.Page(APP_PAGES / spec.file, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                    default=spec.default) for spec in allowed(session)]
