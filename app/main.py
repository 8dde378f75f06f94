"""Entry point: ``streamlit run app/main.py`` (or ``sdsf app``)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from any folder

from app import data, ui  # noqa: E402
from pipelines.warehouse.query import WarehouseMissing  # noqa: E402

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="SDSF — diagnostic des services aux familles", page_icon="🧸", layout="wide")

try:
    V = data.version()
except WarehouseMissing as exc:
    st.error(f"{exc}")
    st.stop()

pages = [
    st.Page(PAGES / "accueil.py", title="Accueil", icon=":material/home:", default=True),
    st.Page(PAGES / "portrait.py", title="Portrait de territoire", icon=":material/description:", url_path="portrait"),
    st.Page(PAGES / "explorer.py", title="Explorer les EPCI", icon=":material/table_view:", url_path="explorer"),
    st.Page(PAGES / "cartes.py", title="Cartes", icon=":material/map:", url_path="cartes"),
    st.Page(PAGES / "priorites.py", title="Territoires prioritaires", icon=":material/flag:", url_path="priorites"),
    st.Page(PAGES / "tendances.py", title="Tendances", icon=":material/trending_up:", url_path="tendances"),
    st.Page(PAGES / "bilan.py", title="Bilan annuel", icon=":material/fact_check:", url_path="bilan"),
    st.Page(PAGES / "plan.py", title="Suivi du plan", icon=":material/checklist:", url_path="plan"),
    st.Page(PAGES / "communes.py", title="Obligations des communes", icon=":material/location_city:",
            url_path="communes"),
    st.Page(PAGES / "donnees.py", title="Données et sources", icon=":material/menu_book:", url_path="donnees"),
]
data.warm(V)  # once per server process and warehouse version: the other pages' reads, in the background
nav = st.navigation(pages)
meta = data.meta(V)
with st.sidebar:
    st.caption(f"{meta.get('dataset', '')} — {ui.departements_text(meta.get('departements', ''))}")
    st.caption(f"Données {meta.get('years', '').replace(',', ', ')} ; "
               f"actualisées le {ui.fr_date(meta.get('built_at'))}")
ui.demo_banner(V)
ui.notice_area()
nav.run()
