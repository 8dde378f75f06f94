"""Portrait section « Petite enfance × insertion »: where the territory and its communes stand on coverage
against the share of allocataires on RSA, and the IRIS of a commune split into IRIS.

Its own module so the portrait's model stays about the territory's key figures; the quadrant comes from the
warehouse (view ``crossed_diagnostic``), the wording from ``app.crossed``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import crossed as crossed_view
from app import data, ui
from pipelines.formatting import fr_number

IRIS_COLUMNS = {"iris": "IRIS", "allocataires": "Allocataires", "alloc_rsa": "Allocataires au RSA",
                "part_allocataires_rsa": "Part RSA (%)", "alloc_monoparents": "Familles monoparentales",
                "part_familles_monoparentales": "Part monoparentales (%)",
                "enfants_alloc_0_2": "Enfants de moins de 3 ans"}
IRIS_DECIMALS = {"Part RSA (%)": 1, "Part monoparentales (%)": 1, "Allocataires": 0, "Allocataires au RSA": 0,
                 "Familles monoparentales": 0, "Enfants de moins de 3 ans": 0}


def iris_table(iris: pd.DataFrame) -> pd.DataFrame:
    """French table of a commune's IRIS; an IRIS the Caf does not publish says so instead of showing 0."""
    table = iris[list(IRIS_COLUMNS)].rename(columns=IRIS_COLUMNS)
    table["Diffusion"] = iris["note"].map(lambda n: "publiée" if n == 0 else f"non diffusée (NOTE {n})")
    return table


def render(v: str, level: str, code: str, year: int, communes: pd.DataFrame) -> None:
    """The section, in the page; ``communes``: ``code, name`` of the territory's communes."""
    st.subheader("Petite enfance × insertion")
    cross = data.crossed(v, "commune", year)
    if cross.empty or cross["part_allocataires_rsa"].isna().all():
        st.info(f"Pas de données d'allocataires Caf pour {year} : lecture croisée indisponible.")
        return
    if level == "epci":
        own = data.crossed(v, "epci", year)
        own = own[own["code"] == code]
        if not own.empty:
            row = own.iloc[0]
            rsa = "n.d." if pd.isna(row["part_allocataires_rsa"]) else f"{fr_number(row['part_allocataires_rsa'], 1)} %"
            st.markdown(f"**{row['quadrant_label'] or 'Non classé (donnée manquante)'}** — TCG "
                        f"{fr_number(row['tcg'], 1)}, part des allocataires au RSA {rsa}.")
    mine = cross[cross["code"].isin(communes["code"])]
    table = crossed_view.table(mine, (1, 2, 3, 4))
    st.markdown(f"Communes du territoire, de « {crossed_view.QUADRANTS[0]} » à « {crossed_view.QUADRANTS[-1]} » "
                f"({len(table)} {'classée' if len(table) < 2 else 'classées'} sur {len(communes)}) :")
    st.dataframe(ui.french_table(table, crossed_view.DECIMALS), hide_index=True, width="stretch")
    st.caption(" ".join(x for x in (crossed_view.reference_note(mine), crossed_view.missing_note(mine, "communes"),
                                    ui.source_caption(v, ["tcg", "part_allocataires_rsa"], year, "commune"))
                                    if x))
    split = [c for c in communes["code"] if c in set(data.iris_communes(v))]
    if not split:
        st.caption("Aucune commune du territoire n'est découpée en IRIS dans les fichiers des allocataires.")
        return
    names = dict(zip(communes["code"], communes["name"]))
    commune = ui.choose("Détail par IRIS de la commune", "iris_commune", split, split[0], format_func=names.get)
    iris = data.iris(v, commune, year)
    if iris.empty:
        st.caption(f"Pas de fichier des allocataires par IRIS pour {names[commune]} en {year} ou avant.")
        return
    st.dataframe(ui.french_table(iris_table(iris), IRIS_DECIMALS), hide_index=True, width="stretch")
    st.caption(f"Allocataires Caf par IRIS, fichier {int(iris['vintage_year'].iloc[0])}. Pas de carte des IRIS : "
               "aucun paquet public installable ne fournit leurs contours (IGN « Contours… IRIS » en production). "
               "Une IRIS non diffusée par la Caf laisse la commune sans total : manquant, jamais 0.")
