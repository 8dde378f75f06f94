"""A tiny raw data set on three real communes of Saône-et-Loire, written as the real formats."""

from __future__ import annotations

from pathlib import Path

FILES = {
    "manifest.toml": '[dataset]\nname = "Jeu de test"\nfictitious = true\n\n[vintages]\n'
                     'population = "Insee, estimations 2022 (test)"\n',
    "insee/base-cc-evol-struct-pop-2022.csv":
        "CODGEO;P22_POP;P22_POP0002;P22_POP0305;P22_POP0610;P22_POP1117\n"
        "71270;33000.4;900.2;950;1500;2600\n71076;44000;1200;1250;2000;3500\n71001;800;20;25;40;70\n",
    "extracts/equipements.csv":
        "id_equipement;type_equipement;code_commune;nom;places;date_ouverture;date_fermeture;gestionnaire\n"
        "E1;EAJE_PSU;71270;Crèche A;60;2010-01-01;;Ville\n"
        "E2;EAJE_HORS_PSU;71076;Micro-crèche B;10;2022-03-01;;SARL\n"
        "E3;LAEP;71270;LAEP A;;2015-01-01;;Caf\n"
        "E4;ALSH;71001;Centre;40;2000-01-01;;Commune\n",
    "extracts/assistants_maternels.csv":
        "annee;code_commune;am_agrees;am_actifs;places_agrees;places_moins_3_ans_actifs;am_actifs_55_ans_et_plus\n"
        "2022;71270;120;100;400;250;40\n2022;71076;150;130;520;320;50\n2022;71001;5;4;16;10;2\n",
    "extracts/places_complementaires.csv":
        "annee;code_commune;places_garde_domicile;places_prescolarisation\n2022;71270;10;20\n2022;71076;12;15\n",
}


def write_raw(root: Path, overrides: dict[str, str] | None = None) -> Path:
    for name, text in {**FILES, **(overrides or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
