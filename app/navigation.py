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
    # every figure of the bilan comes from the equipment and PMI extracts, its events name each equipment
    PageSpec("bilan.py", "Bilan annuel", ":material/fact_check:", "bilan", CONFIDENTIAL),
    PageSpec("plan.py", "Suivi du plan", ":material/checklist:", "plan"),
    PageSpec("communes.py", "Obligations des communes", ":material/location_city:", "communes"),
    PageSpec("donnees.py", "Données et sources", ":material/menu_book:", "donnees"),
    PageSpec("depot.py", "Dépôt d'extraits", ":material/upload_file:", "depot", UPLOAD),
]


def allowed(session: Session) -> list[PageSpec]:
    return [spec for spec in PAGES if session.can(spec.permission)]


def pages_for(session: Session) -> list:
    """The ``st.Page`` objects of ``session``'s pages, in menu order, then a hidden stand-in for each other page.

    A stand-in runs none of its page: it only says, in French, that the address is not open to this role (else
    Streamlit answers a typed address it does not know with an English « Page not found » box).
    """
    mine = allowed(session)
    pages = [st.Page(APP_PAGES / spec.file, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                     default=spec.default) for spec in mine]
    return pages + [st.Page(_not_for_you, title="Page non accessible", url_path=spec.url_path, visibility="hidden")
                    for spec in PAGES if spec not in mine and spec.url_path]


def signed_out_pages(login) -> list:
    """The sign-in page, alone in the menu; every page's address also shows it (after signing in, the address
    opens its page if the role has it)."""
    return [st.Page(login, title="Connexion", icon=":material/login:", url_path="connexion")] + [
        st.Page(login, title="Connexion", url_path=spec.url_path, visibility="hidden") for spec in PAGES
        if spec.url_path]


def _not_for_you() -> None:
    st.title("Page non accessible")
    st.info("Cette adresse ne correspond à aucune page ouverte à votre rôle. Les pages que vous pouvez consulter "
            "sont dans le menu.", icon=":material/lock:")
    st.page_link(APP_PAGES / "accueil.py", label="Aller à l'accueil", icon=":material/home:")
