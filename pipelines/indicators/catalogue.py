"""The indicator catalogue: one entry per indicator, the single source of labels, units and definitions.

It is written into the warehouse (``indicator_catalogue``) and drives every label on screen and in
exports. ``inputs`` names the source keys an indicator is computed from, which gives each computed value
its sources and vintages; an indicator the Cnaf or the Insee publishes also says by whom
(``published_by``), and the published figure is the one shown where it exists.
"""

from __future__ import annotations

import pandas as pd

from pipelines.sources.caf_opendata import INDICATORS, RATE_FIELDS
from pipelines.sources.registry import BY_KEY, SOURCE_LABELS

PER_100_U3 = "places pour 100 enfants de moins de 3 ans"

def _entry(code, label, unit, decimals, theme, definition, inputs, kind, higher_is_better=None, short=None):
    return {
        "code": code, "label": label, "short_label": short or label, "unit": unit, "decimals": decimals,
        "theme": theme, "definition": definition, "inputs": tuple(inputs), "kind": kind,
        "higher_is_better": higher_is_better,
    }


_POP = ("population",)
_EQ = ("equipments",)
_AM = ("childminders",)
_TCG_INPUTS = ("equipments", "childminders", "complementary_places", "population")
_ALLOC = ("allocataires",)

ENTRIES = [
    _entry("tcg", "Taux de couverture global", PER_100_U3, 1, "Petite enfance",
           "100 × (places EAJE PSU + EAJE hors PSU + places d'assistants maternels actifs pour les moins de 3 ans "
           "+ garde à domicile + préscolarisation) / enfants de moins de 3 ans. Ce n'est pas un pourcentage : "
           "il peut dépasser 100.", _TCG_INPUTS, "rate", True, "TCG"),
    _entry("tcg_eaje", "Taux de couverture en accueil collectif (EAJE)", PER_100_U3, 1, "Petite enfance",
           "100 × places en EAJE (PSU et hors PSU) / enfants de moins de 3 ans.", _TCG_INPUTS, "rate", True,
           "TCG EAJE"),
    _entry("tcg_psu", "Taux de couverture EAJE PSU", PER_100_U3, 1, "Petite enfance",
           "100 × places en EAJE financés par la PSU / enfants de moins de 3 ans.", _TCG_INPUTS, "rate", True,
           "TCG EAJE PSU"),
    _entry("tcg_hors_psu", "Taux de couverture EAJE hors PSU", PER_100_U3, 1, "Petite enfance",
           "100 × places en EAJE hors PSU (micro-crèches Paje) / enfants de moins de 3 ans.", _TCG_INPUTS, "rate",
           True, "TCG EAJE hors PSU"),
    _entry("tcg_ind", "Taux de couverture en accueil individuel", PER_100_U3, 1, "Petite enfance",
           "100 × (places d'assistants maternels actifs + garde à domicile) / enfants de moins de 3 ans.",
           _TCG_INPUTS, "rate", True, "TCG individuel"),
    _entry("tcg_am", "Taux de couverture assistants maternels", PER_100_U3, 1, "Petite enfance",
           "100 × places d'assistants maternels actifs pour les moins de 3 ans / enfants de moins de 3 ans.",
           _TCG_INPUTS, "rate", True, "TCG AM"),
    _entry("tcg_gad", "Taux de couverture garde à domicile", PER_100_U3, 1, "Petite enfance",
           "100 × places de garde à domicile / enfants de moins de 3 ans.", _TCG_INPUTS, "rate", True,
           "TCG garde à domicile"),
    _entry("tcg_prescol", "Taux de couverture préscolarisation", PER_100_U3, 1, "Petite enfance",
           "100 × enfants de 2 ans scolarisés / enfants de moins de 3 ans.", _TCG_INPUTS, "rate", True,
           "TCG préscolarisation"),
    _entry("places_ind", "Places en accueil individuel", "places", 0, "Petite enfance",
           "Places d'assistants maternels actifs pour les moins de 3 ans et de garde à domicile.",
           ("childminders", "complementary_places"), "count", True, "Places accueil individuel"),
    _entry("places_total", "Offre d'accueil totale (moins de 3 ans)", "places", 0, "Petite enfance",
           "Numérateur du TCG : places EAJE, assistants maternels actifs, garde à domicile, préscolarisation.",
           _TCG_INPUTS[:-1], "count", True, "Offre totale"),
    _entry("places_eaje", "Places en EAJE", "places", 0, "Petite enfance",
           "Places des établissements d'accueil du jeune enfant ouverts au 31 décembre (PSU et hors PSU).", _EQ,
           "count", True),
    _entry("places_eaje_psu", "Places en EAJE PSU", "places", 0, "Petite enfance",
           "Places des EAJE financés par la prestation de service unique, ouverts au 31 décembre.", _EQ, "count",
           True),
    _entry("places_eaje_hors_psu", "Places en EAJE hors PSU", "places", 0, "Petite enfance",
           "Places des EAJE hors PSU (micro-crèches Paje), ouverts au 31 décembre.", _EQ, "count", True),
    _entry("places_am", "Places d'assistants maternels actifs (moins de 3 ans)", "places", 0, "Petite enfance",
           "Places offertes aux moins de 3 ans par les assistants maternels en activité (composante du TCG).",
           _AM, "count", True, "Places AM"),
    _entry("places_gad", "Places en garde à domicile", "places", 0, "Petite enfance",
           "Enfants de moins de 3 ans gardés à domicile par un salarié.", ("complementary_places",), "count", True),
    _entry("places_prescol", "Préscolarisation (enfants de 2 ans)", "enfants", 0, "Petite enfance",
           "Enfants de 2 ans scolarisés en école maternelle.", ("complementary_places",), "count", True),
    _entry("part_accueil_collectif", "Part de l'accueil collectif dans l'offre", "%", 1, "Petite enfance",
           "100 × places en EAJE / offre d'accueil totale.", _TCG_INPUTS[:-1], "share", None),
    _entry("nb_eaje", "Nombre d'EAJE", "établissements", 0, "Petite enfance",
           "EAJE (PSU et hors PSU) ouverts au 31 décembre.", _EQ, "count", True),
    _entry("places_eaje_creees", "Places en EAJE créées depuis l'année de référence", "places", 0,
           "Petite enfance", "Places des EAJE ouverts après le 31 décembre de l'année de référence, et extensions "
           "de capacité (un transfert entre communes n'est pas une création).", _EQ, "count", True, "Places créées"),
    _entry("places_eaje_fermees", "Places en EAJE fermées depuis l'année de référence", "places", 0,
           "Petite enfance", "Places des EAJE fermés après le 31 décembre de l'année de référence, et réductions "
           "de capacité.", _EQ, "count", False, "Places fermées"),
    _entry("places_eaje_solde", "Solde de places en EAJE depuis l'année de référence", "places", 0,
           "Petite enfance", "Places en EAJE de l'année moins places de l'année de référence.", _EQ, "count",
           True, "Solde de places EAJE"),
    _entry("am_agrees", "Assistants maternels agréés", "personnes", 0, "Assistants maternels",
           "Assistants maternels titulaires d'un agrément PMI.", _AM, "count", True, "AM agréés"),
    _entry("am_actifs", "Assistants maternels actifs", "personnes", 0, "Assistants maternels",
           "Assistants maternels agréés qui accueillent effectivement des enfants.", _AM, "count", True,
           "AM actifs"),
    _entry("am_places_agrees", "Places agréées d'assistants maternels (tous âges)", "places", 0,
           "Assistants maternels", "Nombre de places des agréments PMI, tous âges d'enfants.", _AM, "count", True,
           "Places agréées AM"),
    _entry("am_55_plus", "Assistants maternels actifs de 55 ans ou plus", "personnes", 0, "Assistants maternels",
           "Assistants maternels actifs âgés de 55 ans ou plus au 31 décembre.", _AM, "count", None, "AM 55 ans et +"),
    _entry("part_am_55_plus", "Part des assistants maternels actifs de 55 ans ou plus", "%", 1,
           "Assistants maternels", "100 × AM actifs de 55 ans ou plus / AM actifs : risque de non-renouvellement.",
           _AM, "share", False, "Part AM 55 ans et +"),
    _entry("nb_mam", "Maisons d'assistants maternels (MAM)", "MAM", 0, "Assistants maternels",
           "MAM ouvertes au 31 décembre.", _EQ, "count", True, "MAM"),
    _entry("places_mam", "Places en MAM", "places", 0, "Assistants maternels",
           "Places des MAM ouvertes au 31 décembre (déjà comptées dans les places d'assistants maternels).", _EQ,
           "count", True),
    _entry("nb_rpe", "Relais petite enfance (RPE)", "RPE", 0, "Assistants maternels",
           "RPE ouverts au 31 décembre.", _EQ, "count", True, "RPE"),
    _entry("rpe_etp", "Animateurs de RPE (ETP)", "ETP", 1, "Assistants maternels",
           "Équivalents temps plein d'animation des RPE.", ("rpe_staff",), "count", True, "ETP RPE"),
    _entry("am_actifs_par_etp_rpe", "Assistants maternels actifs par ETP d'animateur RPE", "AM par ETP", 0,
           "Assistants maternels", "AM actifs / ETP d'animateurs RPE (référence : 70 AM actifs pour 1 ETP).",
           ("childminders", "rpe_staff"), "ratio", False, "AM par ETP RPE"),
    _entry("nb_alsh", "Accueils de loisirs sans hébergement (ALSH)", "structures", 0, "Enfance jeunesse",
           "ALSH ouverts au 31 décembre.", _EQ, "count", True, "ALSH"),
    _entry("places_alsh", "Places en ALSH", "places", 0, "Enfance jeunesse",
           "Places des ALSH ouverts au 31 décembre.", _EQ, "count", True),
    _entry("places_alsh_pour_100_3_10", "Places en ALSH pour 100 enfants de 3 à 10 ans",
           "places pour 100 enfants de 3 à 10 ans", 1, "Enfance jeunesse",
           "100 × places en ALSH / enfants de 3 à 10 ans.", _EQ + _POP, "rate", True, "ALSH pour 100 enfants"),
    _entry("nb_laep", "Lieux d'accueil enfants-parents (LAEP)", "LAEP", 0, "Parentalité",
           "LAEP ouverts au 31 décembre.", _EQ, "count", True, "LAEP"),
    _entry("nb_clas", "Contrats locaux d'accompagnement à la scolarité (CLAS)", "actions", 0, "Parentalité",
           "Actions CLAS en cours au 31 décembre.", _EQ, "count", True, "CLAS"),
    _entry("nb_reaap", "Actions REAAP", "actions", 0, "Parentalité",
           "Actions du réseau d'écoute, d'appui et d'accompagnement des parents.", _EQ, "count", True, "REAAP"),
    _entry("nb_mediation", "Services de médiation familiale", "services", 0, "Parentalité",
           "Services de médiation familiale.", _EQ, "count", True, "Médiation familiale"),
    _entry("nb_espace_rencontre", "Espaces rencontre", "espaces", 0, "Parentalité",
           "Espaces rencontre parents-enfants.", _EQ, "count", True, "Espaces rencontre"),
    _entry("panier_complet", "Panier de services parentalité complet", "oui = 1 / non = 0", 0, "Parentalité",
           "1 si le territoire compte au moins une action REAAP, un LAEP et un CLAS.", _EQ, "flag", True,
           "Panier complet"),
    _entry("panier_nb_manquants", "Éléments manquants du panier parentalité", "éléments", 0, "Parentalité",
           "Nombre d'éléments absents parmi REAAP, LAEP, CLAS.", _EQ, "count", False, "Éléments manquants"),
    _entry("part_epci_panier_complet", "Part des EPCI au panier parentalité complet", "%", 1, "Parentalité",
           "100 × EPCI dont le panier est complet / EPCI du territoire.", _EQ, "share", True,
           "EPCI au panier complet"),
    _entry("population", "Population", "habitants", 0, "Contexte", "Population totale.", _POP, "count", None),
    _entry("enfants_0_2", "Enfants de moins de 3 ans", "enfants", 0, "Contexte",
           "Enfants âgés de 0 à 2 ans révolus : dénominateur du TCG.", _POP, "count", None, "Enfants 0-2 ans"),
    _entry("enfants_3_5", "Enfants de 3 à 5 ans", "enfants", 0, "Contexte", "Enfants âgés de 3 à 5 ans.", _POP,
           "count", None, "Enfants 3-5 ans"),
    _entry("enfants_6_10", "Enfants de 6 à 10 ans", "enfants", 0, "Contexte", "Enfants âgés de 6 à 10 ans.",
           _POP, "count", None, "Enfants 6-10 ans"),
    _entry("enfants_11_17", "Jeunes de 11 à 17 ans", "jeunes", 0, "Contexte", "Jeunes âgés de 11 à 17 ans.",
           _POP, "count", None, "Jeunes 11-17 ans"),
    _entry("revenu_median", "Revenu disponible médian par unité de consommation", "€", 0, "Contexte",
           "Médiane du revenu disponible par unité de consommation (Filosofi).", ("income",), "money", None,
           "Revenu médian"),
    _entry("taux_pauvrete", "Taux de pauvreté", "%", 1, "Contexte",
           "Part de la population sous le seuil de 60 % du revenu médian (Filosofi ; secret sous 1 000 habitants).",
           ("income",), "share", False),
    _entry("population_qpv", "Population en quartier prioritaire (QPV)", "habitants", 0, "Contexte",
           "Population des quartiers prioritaires de la politique de la ville.", ("qpv",), "count", None,
           "Population QPV"),
    _entry("part_population_qpv", "Part de la population en QPV", "%", 1, "Contexte",
           "100 × population en QPV / population.", ("qpv", "population"), "share", None, "Part en QPV"),
    _entry("frr", "Commune en zone France Ruralités Revitalisation", "oui = 1 / non = 0", 0, "Contexte",
           "1 si la commune est classée FRR (socle, FRR+ ou bénéficiaire).", ("frr",), "flag", None, "FRR"),
    _entry("part_communes_frr", "Part des communes classées FRR", "%", 1, "Contexte",
           "100 × communes classées FRR / communes du territoire.", ("frr",), "share", None, "Communes FRR"),
    # Caf allocataires (docs/allocataires.md): foyers with a payable right in December, counts as published.
    _entry("allocataires", "Allocataires Caf", "foyers", 0, "Familles allocataires",
           "Foyers allocataires de la Caf (responsable du dossier, conjoint et personnes à charge) ayant un droit "
           "versable en décembre (colonne A des fichiers par IRIS).", _ALLOC, "count", None),
    _entry("alloc_rsa", "Allocataires percevant le RSA", "foyers", 0, "Familles allocataires",
           "Foyers allocataires bénéficiaires du revenu de solidarité active en décembre (colonne ARSAS).", _ALLOC,
           "count", None, "Allocataires RSA"),
    _entry("part_allocataires_rsa", "Part des allocataires percevant le RSA", "%", 1, "Familles allocataires",
           "100 × allocataires percevant le RSA / allocataires : besoin d'accueil des familles en insertion.",
           _ALLOC, "share", None, "Part RSA"),
    _entry("alloc_monoparents", "Familles monoparentales allocataires", "foyers", 0, "Familles allocataires",
           "Allocataires isolés avec au moins un enfant à charge (colonne AM).", _ALLOC, "count", None,
           "Monoparents allocataires"),
    _entry("part_familles_monoparentales", "Part des familles monoparentales parmi les familles allocataires", "%",
           1, "Familles allocataires", "100 × allocataires monoparents / (allocataires monoparents + couples "
           "allocataires avec enfants).", _ALLOC, "share", None, "Part monoparents"),
    _entry("enfants_alloc_0_2", "Enfants de moins de 3 ans des familles allocataires", "enfants", 0,
           "Familles allocataires", "Enfants de moins de 3 ans couverts par au moins une prestation de la Caf "
           "(colonne ENF_2) : un autre décompte que celui de l'Insee, dénominateur du TCG.", _ALLOC, "count", None,
           "Enfants 0-2 ans allocataires"),
]

CODES = [e["code"] for e in ENTRIES]
BY_CODE = {e["code"]: e for e in ENTRIES}
# Who publishes an indicator as open data: the Cnaf's rates and places (data.caf.fr), Filosofi's income.
PUBLISHED_BY = {**{indicator: "caf_rates" if field in RATE_FIELDS else "caf_places"
                   for field, indicator in INDICATORS.items()},
                "revenu_median": "income", "taux_pauvrete": "income"}
PUBLISHED_ONLY = {"revenu_median", "taux_pauvrete"}  # never computed: a median does not add up

# Statistical secrecy (pipelines/secrecy). ``SMALL_COUNTS``: counts of persons (children, AM, allocataires) whose
# small values identify people, with what they count; ``RESTS_ON``: the counts a value is computed from, so it is
# masked wherever one of them is. A new indicator from an extract declares both here.
SMALL_COUNTS = {
    "am_agrees": "assistants maternels agréés",
    "am_actifs": "assistants maternels actifs",
    "am_55_plus": "assistants maternels de 55 ans ou plus",
    "places_gad": "enfants gardés à domicile",
    "places_prescol": "enfants de 2 ans scolarisés",
}
RESTS_ON = {
    "am_places_agrees": ("am_agrees",),
    "places_am": ("am_actifs",),
    "places_ind": ("places_am", "places_gad"),
    "places_total": ("places_ind", "places_prescol"),
    "tcg": ("places_total",),
    "tcg_ind": ("places_ind",),
    "tcg_am": ("places_am",),
    "tcg_gad": ("places_gad",),
    "tcg_prescol": ("places_prescol",),
    "part_accueil_collectif": ("places_total",),
    "part_am_55_plus": ("am_55_plus", "am_actifs"),
    "am_actifs_par_etp_rpe": ("am_actifs",),
}


def catalogue_frame() -> pd.DataFrame:
    """The catalogue as the warehouse stores it (sources spelt out in French).

    ``published_by``: the open data source publishing it (shown where it exists); ``computed_from``: the
    sources it is computed from where it is not published; ``confidential``: computed from internal
    extracts (Caf, PMI), which statistical secrecy applies to; ``small_count``: what a count of persons counts
    (its small values are secret), ``rests_on``: the counts a value is computed from (masked where one is).
    """
    df = pd.DataFrame(ENTRIES)
    df["published_by"] = [SOURCE_LABELS.get(PUBLISHED_BY.get(c, "")) for c in df["code"]]
    df["computed_from"] = [None if code in PUBLISHED_ONLY else " ; ".join(SOURCE_LABELS[k] for k in keys)
                           for code, keys in zip(df["code"], df["inputs"])]
    df["source"] = [" ou ".join(x for x in (p, c) if isinstance(x, str)) for p, c in
                    zip(df["published_by"], df["computed_from"])]
    df["confidential"] = df["inputs"].map(lambda keys: any(not BY_KEY[k].published for k in keys))
    df["small_count"] = df["code"].map(SMALL_COUNTS)
    df["rests_on"] = df["code"].map(lambda code: ",".join(RESTS_ON.get(code, ())) or None)
    df["sort_order"] = range(len(df))
    return df.drop(columns="inputs")
