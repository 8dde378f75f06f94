"""The bilan annuel in words: « la dynamique de l'année en synthèse », as the CDSF reviews open with it.

Sentences and a table in French from the warehouse's ``annual_review`` (nothing is computed here but the
wording): shared by ``sdsf bilan``, the Bilan annuel page and its one-page printable summary, so the three
say the same thing. A missing figure is said missing, with how many communes the extract reports.
"""

from __future__ import annotations

import pandas as pd

from pipelines.formatting import MISSING, SECRET, fr_date, fr_number, now_paris
from pipelines.outputs.documents import Document, esc, source_lines, table_html

KINDS_OF_EVENT = {"ouverture": "Ouverture", "fermeture": "Fermeture", "transfert": "Transfert",
                  "capacité": "Changement de capacité"}
TYPE_LABELS = {"EAJE_PSU": "Crèche PSU", "EAJE_HORS_PSU": "Crèche hors PSU", "MAM": "MAM", "RPE": "RPE",
               "LAEP": "LAEP", "CLAS": "CLAS", "ALSH": "ALSH", "REAAP": "REAAP",
               "MEDIATION_FAMILIALE": "Médiation familiale", "ESPACE_RENCONTRE": "Espace rencontre"}
# item -> (label, unit singular, unit plural)
STRUCTURES = {"alsh": ("Accueils de loisirs (ALSH)", "structure", "structures"),
              "rpe": ("Relais petite enfance", "relais", "relais"), "laep": ("LAEP", "lieu", "lieux"),
              "clas": ("CLAS", "action", "actions"), "reaap": ("Actions REAAP", "action", "actions"),
              "mediation": ("Médiation familiale", "service", "services"),
              "espace_rencontre": ("Espaces rencontre", "espace", "espaces")}


def n(value) -> str:
    return fr_number(value, 0)


def signed(value) -> str:
    if value is None or pd.isna(value):
        return MISSING
    return "inchangé" if value == 0 else ("+" if value > 0 else "−") + n(abs(value))


def _change(value) -> str:
    """« +37 en un an », « sans changement en un an »."""
    return "sans changement en un an" if value == 0 else f"{signed(value)} en un an"


def _plural(count, one: str, many: str) -> str:
    return f"{n(count)} {one if count is not None and not pd.isna(count) and abs(count) < 2 else many}"


def _missing(row: pd.Series, what: str) -> str:
    if pd.isna(row.get("communes")) or not row.get("communes_reported"):
        return f"{what} : {MISSING} (aucune commune renseignée : extrait absent, ou sans cette année)"
    return (f"{what} : {MISSING} ({n(row['communes_reported'])} communes renseignées sur {n(row['communes'])} "
            "par l'extrait, les deux années)")


def _crèches(row: pd.Series, psu: pd.Series, year: int) -> str:
    if pd.isna(row["places_created"]):
        return _missing(row, "Crèches")
    parts = []
    if row["opened"]:
        parts.append(f"{n(row['places_opened'])} dans {_plural(row['opened'], 'nouvelle structure', 'nouvelles structures')}")
    if row["places_extended"]:
        parts.append(f"{n(row['places_extended'])} par extension")
    if row["places_created"]:
        created = f"Crèches : {_plural(row['places_created'], 'place créée', 'places créées')}" + (
            f" ({', '.join(parts)})" if parts else "")
    else:
        created = "Crèches : aucune place créée"
    if not pd.isna(psu.get("opened")) and psu["opened"]:
        created += (f", dont {_plural(psu['opened'], 'nouvelle structure PSU', 'nouvelles structures PSU')} "
                    f"({n(psu['places_opened'])} places)")
    removed = _plural(row["places_removed"], "place supprimée", "places supprimées") if row["places_removed"] else \
        "aucune supprimée"
    if row["closed"]:
        removed += f" ({_plural(row['closed'], 'fermeture', 'fermetures')})"
    moved = "" if not row["places_moved"] else f" ; transferts : {signed(row['places_moved'])} places"
    return (f"{created} ; {removed}{moved}. Au 31 décembre {year} : {n(row['places_after'])} places "
            f"({_change(row['places_after'] - row['places_before'])}) dans "
            f"{_plural(row['after'], 'crèche', 'crèches')}.")


def _mam(row: pd.Series, year: int) -> str:
    if pd.isna(row["after"]):
        return _missing(row, "MAM")
    text = "Maisons d'assistants maternels : " + (
        f"{_plural(row['opened'], 'nouvelle MAM', 'nouvelles MAM')} ({n(row['places_opened'])} places)"
        if row["opened"] else "aucune nouvelle MAM")
    if row["closed"]:
        text += f", {_plural(row['closed'], 'fermeture', 'fermetures')} ({n(row['places_closed'])} places)"
    if row["moved"]:
        text += f", transferts : {signed(row['moved'])} MAM ({signed(row['places_moved'])} places)"
    return f"{text} : {n(row['after'])} MAM au 31 décembre {year}, {n(row['places_after'])} places."


def _structures(row: pd.Series, label: str, one: str, many: str, year: int) -> str:
    if pd.isna(row["after"]):
        return _missing(row, label)
    if row["before"] == row["after"]:
        return f"{label} : {_plural(row['after'], one, many)} (inchangé)"
    return f"{label} : de {_plural(row['before'], one, many)} ({year - 1}) à {n(row['after'])} ({year})"


def _childminders(agrees: pd.Series, actifs: pd.Series) -> str:
    if agrees.get("secret") or actifs.get("secret"):
        return (f"Assistants maternels : {SECRET} (trop peu d'assistants maternels pour être montrés, ou "
                "permettraient de recalculer une valeur masquée).")
    if pd.isna(agrees["after"]) or pd.isna(actifs["after"]):
        return _missing(agrees if pd.isna(agrees["after"]) else actifs, "Assistants maternels")
    return (f"Assistants maternels : {n(agrees['after'])} agréés ({_change(agrees['after'] - agrees['before'])}), "
            f"dont {n(actifs['after'])} actifs ({signed(actifs['after'] - actifs['before'])}) ; "
            f"{n(agrees['places_after'])} places agréées.")


def synthesis(review: pd.DataFrame, year: int) -> list[str]:
    """« La dynamique de l'année en synthèse »: one sentence per line of the review (``Warehouse.annual_review``)."""
    rows = review.set_index("item")
    def structures(items) -> str:
        return " ; ".join(_structures(rows.loc[item], *STRUCTURES[item], year) for item in items) + "."

    return [_crèches(rows.loc["eaje"], rows.loc["eaje_psu"], year), _mam(rows.loc["mam"], year),
            _childminders(rows.loc["am_agrees"], rows.loc["am_actifs"]), structures(("alsh", "rpe")),
            "Parentalité : " + structures(("laep", "clas", "reaap", "mediation", "espace_rencontre"))]


REVIEW_COLUMNS = {"short_label": "Offre", "before": "Au 31/12 N−1", "after": "Au 31/12 N", "opened": "Ouvertures",
                  "closed": "Fermetures", "moved": "Transferts (solde)", "places_before": "Places N−1",
                  "places_after": "Places N", "places_created": "Places créées", "places_removed": "Places supprimées",
                  "places_moved": "Places transférées (solde)"}
FLOWS = ("opened", "closed", "moved", "places_created", "places_removed", "places_moved")
NOT_APPLICABLE = "—"


def review_table(review: pd.DataFrame, year: int) -> pd.DataFrame:
    """The review as a French table of text: « — » where a figure does not apply (places of a LAEP, flows of
    assistants maternels, whose extract has no dated approvals), « n.d. » where it is missing."""
    rows = []
    for _, row in review.iterrows():
        cells = {"short_label": row["short_label"]}
        for column in list(REVIEW_COLUMNS)[1:]:
            applies = (row["with_places"] or not column.startswith("places")) and not (
                row["source"] == "childminders" and column in FLOWS)
            cells[column] = NOT_APPLICABLE if not applies else SECRET if row.get("secret") else (
                signed(row[column]).replace("inchangé", "0") if column in ("moved", "places_moved") else n(row[column]))
        rows.append(cells)
    headers = {k: v.replace("N−1", str(year - 1)).replace("N", str(year)) for k, v in REVIEW_COLUMNS.items()}
    return pd.DataFrame(rows, columns=list(REVIEW_COLUMNS)).rename(columns=headers)


def events_table(events: pd.DataFrame) -> pd.DataFrame:
    """The year's events, one line per change (a transfer once, as it leaves its former commune)."""
    shown = events[~((events["kind"] == "transfert") & (events["structures"] > 0))].copy()
    arrivals = events[(events["kind"] == "transfert") & (events["structures"] > 0)].set_index("equipment_id")
    shown["to"] = shown["equipment_id"].map(arrivals["commune_name"]).where(shown["kind"] == "transfert")
    return pd.DataFrame({
        "Date": shown["day"].map(lambda d: pd.Timestamp(d).strftime("%d/%m/%Y")),
        "Événement": shown["kind"].map(KINDS_OF_EVENT),
        "Type": shown["type"].map(TYPE_LABELS),
        "Nom": shown["name"],
        "Commune": [f"{c} → {t}" if isinstance(t, str) else c for c, t in zip(shown["commune_name"], shown["to"])],
        "Places": [_event_places(p, k) for p, k in zip(shown["places"], shown["kind"])],
    }).reset_index(drop=True)


def _event_places(places, kind: str) -> str:
    """« +22 » opened or extended, « −12 » closed or reduced, « 10 » moved; « — » for a service without places."""
    if places is None or pd.isna(places):
        return NOT_APPLICABLE
    return n(abs(places)) if kind == "transfert" else signed(places)


def review_document(wh, level: str, code: str, year: int) -> str:
    """The one-page printable summary of the year: synthesis, table, sources (``Warehouse`` in, HTML out)."""
    name = wh.territories(level).set_index("code").loc[code, "name"]
    review = wh.annual_review(level, code, year)
    doc = Document(f"Bilan {year} de l'offre — {name}", f"La dynamique de l'année en synthèse : {year} par rapport "
                   f"à {year - 1}, situation au 31 décembre", wh.meta().get("fictitious") == "true")
    doc.add("La dynamique de l'année en synthèse",
            "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in synthesis(review, year)) + "</ul>")
    table = review_table(review, year)
    doc.add("Offre au 31 décembre et mouvements de l'année", table_html(table, numbers=tuple(table.columns[1:])))
    doc.sources = source_lines(wh.sources(), {"equipments", "childminders"}) or [
        f"Extraits des équipements et des assistants maternels : {MISSING}"]
    doc.sources.append(f"Géographie : {wh.meta().get('cog_vintage', MISSING)} ; un transfert entre deux communes du "
                       "territoire s'annule dans son total ; une donnée manquante est signalée « n.d. », jamais "
                       "comptée 0.")
    doc.edition = f"Édité le {now_paris()} ; entrepôt actualisé le {fr_date(wh.meta().get('built_at'))}."
    return doc.render()
