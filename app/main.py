"""Entry point: ``streamlit run app/main.py`` (or ``sdsf app``)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from any folder

from app import access, data, navigation, ui  # noqa: E402
from pipelines.warehouse.query import WarehouseMissing  # noqa: E402

st.set_page_config(page_title="SDSF — diagnostic des services aux familles", page_icon="🧸", layout="wide")

try:
    V = data.version()
except WarehouseMissing as exc:
    st.error(f"{exc}")
    st.stop()

try:
    session = access.resolve()
except access.Closed as exc:
    st.error(str(exc), icon=":material/lock:")
    st.stop()
if session is None:  # nobody signed in: the sign-in page is the only page, whatever the URL asked for
    st.navigation(navigation.signed_out_pages(access.login_page)).run()  # one visible page: no menu
    st.stop()

# Only the pages of the session's role exist: a typed URL of another page says so (app/navigation.py).
nav = st.navigation(navigation.pages_for(session))
data.warm(V, session.cache_key)  # once per server process, warehouse version and role: reads in the background
meta = data.meta(V)
with st.sidebar:
    st.caption(f"{meta.get('dataset', '')} — {ui.departements_text(meta.get('departements', ''))}")
    st.caption(f"Données {meta.get('years', '').replace(',', ', ')} ; "
               f"actualisées le {ui.fr_date(meta.get('built_at'))}")
    access.sidebar(session)
ui.demo_banner(V)
ui.notice_area()
nav.run()
