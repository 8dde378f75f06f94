"""What the browser's print (Ctrl+P) leaves of a page: the content, without menus, widgets or buttons.

Pages that are also paper documents (Bilan annuel, Suivi du plan) call ``print_layout`` with the keys of the
containers that hold their selectors; their downloadable HTML document is the other printable form.
"""

from __future__ import annotations

import streamlit as st

BASE = """
@media print {
  @page { size: A4; margin: 10mm; }
  body { zoom: 0.72; }
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stDownloadButton"], [data-testid="stExpanderToggleIcon"]
  HIDDEN { display: none !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  [data-testid="stHorizontalBlock"] { display: flex !important; flex-wrap: nowrap !important; }
  [data-testid="stColumn"] { min-width: 0 !important; flex: 1 1 0 !important; }
  [data-testid="stPlotlyChart"], [data-testid="stMetric"], [data-testid="stAlert"], tr { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
}
"""


def print_layout(*hidden_keys: str) -> None:
    """Print CSS hiding the app's chrome and the containers ``st.container(key=…)`` named in ``hidden_keys``."""
    extra = "".join(f", .st-key-{key}" for key in hidden_keys)
    st.markdown(f"<style>{BASE.replace('HIDDEN', extra)}</style>", unsafe_allow_html=True)
