"""Dépôt d'extraits (administrateur): check a Caf / PMI extract, store it, then ask for a refresh.

Nothing changes until the file has passed the same validation as the refresh (shown line by line before the
button appears); the refresh itself runs outside Streamlit (``pipelines/jobs.py``) and its outcome is read
back here.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import access, ui
from pipelines import jobs
from pipelines.access.roles import UPLOAD
from pipelines.config import load_config
from pipelines.sources.extracts import TEMPLATES
from pipelines.uploads.checks import MAX_BYTES, UploadRefused, validate
from pipelines.uploads.store import deposit, deposits

session = access.require(UPLOAD)
config = load_config()
LAST_JOB, DONE, ROUND = "_sdsf_depot_job", "_sdsf_depot_done", "_sdsf_depot_round"
OUTCOMES = {"success": "réussie", "noop": "rien à faire (entrées inchangées)", "rejected": "entrée rejetée",
            "failed": "échec", "locked": "une autre actualisation était en cours"}

st.title("Dépôt d'extraits")
st.caption(f"Extraits Caf / PMI au format des modèles d'import (docs/templates.md), en CSV ou en classeur .xlsx, "
           f"{MAX_BYTES // 2 ** 20} Mo au plus. Le fichier est d'abord vérifié comme le ferait l'actualisation ; "
           f"rien n'est enregistré tant qu'il reste un problème. Dossier des données : {config.raw}.")

template = st.selectbox("Modèle de l'extrait", list(TEMPLATES), key="depot_modele",
                        format_func=lambda n: f"{n} — {TEMPLATES[n].description.split(' : ')[0]}")
if DONE in st.session_state:
    st.success(st.session_state.pop(DONE), icon=":material/check_circle:")
# Streamlit's uploader says its limits in English (« 50MB per file • CSV, XLSX »): the caption above says them
st.markdown("<style>[data-testid='stFileUploaderDropzoneInstructions'] { display: none; }</style>",
            unsafe_allow_html=True)
# A new key after each deposit empties the uploader: the stored file is not checked again against itself.
upload = st.file_uploader("Fichier", type=["csv", "xlsx"], key=f"depot_fichier_{st.session_state.get(ROUND, 0)}",
                          help="Le type est lu dans le contenu du fichier, pas dans son nom.")


def problems_table(items, name: str) -> pd.DataFrame:
    """One line per problem; the file column only when another file than the one checked is named (a key
    already present elsewhere)."""
    table = pd.DataFrame([{"Fichier": p.file, "Ligne": "" if p.line is None else str(p.line),
                          "Colonne": p.column or "",
                          "Attendu": getattr(p, "expected", None) or getattr(p, "message", ""),
                          "Trouvé": p.found or "", "Lignes concernées": str(p.count)} for p in items])
    return table.drop(columns="Fichier") if set(table["Fichier"]) == {name} else table


if upload is not None:
    content = upload.getvalue()
    try:
        checked = validate(content, template, upload.name, config.raw, config.departements)
    except UploadRefused as exc:
        st.error(f"Fichier refusé : {exc}.", icon=":material/block:")
        checked = None
    if checked is not None:
        what = f"{checked.rows} lignes" + (f", années {checked.years}" if checked.years else "")
        if checked.problems:
            st.error(f"{len(checked.problems)} problème(s) : le fichier ne peut pas être déposé. Corrigez-le puis "
                     "déposez-le à nouveau.", icon=":material/error:")
            st.dataframe(problems_table(checked.problems, checked.name), hide_index=True, width="stretch")
        else:
            st.success(f"Fichier conforme au modèle « {template} » ({checked.kind.upper()}, {what}). Il sera "
                       f"enregistré sous le nom {checked.name}.", icon=":material/check_circle:")
        if checked.notices:
            st.warning(f"{len(checked.notices)} avertissement(s), sans empêcher le dépôt :", icon=":material/info:")
            st.dataframe(problems_table(checked.notices, checked.name), hide_index=True, width="stretch")
        if checked.accepted and st.button("Déposer et actualiser l'entrepôt", type="primary",
                                          icon=":material/cloud_upload:"):
            try:
                stored = deposit(content, template, upload.name, session.user, config.raw, config.departements)
            except UploadRefused as exc:
                st.error(f"Fichier non déposé : {exc}.")
            else:
                job_id = jobs.enqueue(session.user, f"dépôt de {stored.path.name}")
                jobs.start_worker()
                st.session_state[LAST_JOB] = job_id
                st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
                st.session_state[DONE] = (f"{stored.path.name} enregistré dans {config.raw / 'extracts'} (SHA-256 "
                                          f"{stored.sha256[:16]}…, déposé par {session.user}) ; "
                                          "actualisation demandée.")
                st.rerun()


@st.fragment(run_every=3)
def job_status() -> None:
    """The latest refresh asked for, read again every few seconds until it is done."""
    job_id = st.session_state.get(LAST_JOB)
    found = jobs.job(job_id) if job_id else None
    if found is None:
        return
    if found["state"] != "done":
        st.info("Actualisation en attente…" if found["state"] == "pending" else "Actualisation en cours…",
                icon=":material/hourglass_top:")
        return
    text = f"Actualisation {OUTCOMES.get(found['outcome'], found['outcome'])} : {found['message']}"
    (st.success if found["outcome"] in ("success", "noop") else st.error)(text)


job_status()

st.subheader("Actualisations demandées")
recent = jobs.recent(10)
if recent:
    st.dataframe(pd.DataFrame([{
        "Demandée le": ui.fr_date(j["requested_at"]), "Par": j["requested_by"], "Motif": j.get("reason", ""),
        "État": {"pending": "en attente", "running": "en cours"}.get(j["state"], OUTCOMES.get(j.get("outcome"), "")),
        "Message": j.get("message", ""),
    } for j in recent]), hide_index=True, width="stretch")
else:
    st.caption("Aucune demande pour l'instant.")

st.subheader("Fichiers déposés")
log = deposits(config.raw)
if log:
    st.dataframe(pd.DataFrame([{"Fichier": d["file"], "Nom d'origine": d["original_name"],
                                "Déposé par": d["uploader"], "Le": ui.fr_date(d["at"]), "Lignes": d.get("rows"),
                                "SHA-256": d["sha256"]}
                               for d in log]), hide_index=True, width="stretch")
else:
    st.caption("Aucun fichier déposé depuis l'application.")
