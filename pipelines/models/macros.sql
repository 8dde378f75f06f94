-- Business rules used by the models *and* by every reader: the refresh stores them in the warehouse with
-- its tables, so a rate is computed from summed counts the same way whoever computes it (the query layer's
-- totals of a CTG territory included).

-- 100 × n / d; a zero or missing denominator gives missing, never 0 or infinity.
CREATE OR REPLACE MACRO per100(n, d) AS CASE WHEN d > 0 THEN 100.0 * n / d END;

-- Sum of a count over the communes of a territory, missing as soon as one commune misses it: a partial
-- sum would understate the territory without saying so.
CREATE OR REPLACE MACRO strict_sum(x) AS CASE WHEN count(x) = count(*) THEN sum(x) END;

-- Every indicator derived from counts (any level: commune, EPCI, a CTG territory summed on the fly).
-- TCG = 100 × (EAJE PSU + EAJE hors PSU + AM + garde à domicile + préscolarisation) / enfants de 0-2 ans.
CREATE OR REPLACE MACRO with_indicators(counts) AS TABLE
SELECT *,
    per100(places_total, enfants_0_2) AS tcg,
    per100(places_eaje_psu, enfants_0_2) AS tcg_psu,
    per100(places_eaje_hors_psu, enfants_0_2) AS tcg_hors_psu,
    per100(places_eaje, enfants_0_2) AS tcg_eaje,
    per100(places_am, enfants_0_2) AS tcg_am,
    per100(places_gad, enfants_0_2) AS tcg_gad,
    per100(places_ind, enfants_0_2) AS tcg_ind,
    per100(places_prescol, enfants_0_2) AS tcg_prescol,
    per100(places_eaje, places_total) AS part_accueil_collectif,
    per100(am_55_plus, am_actifs) AS part_am_55_plus,
    CASE WHEN rpe_etp > 0 THEN am_actifs / rpe_etp END AS am_actifs_par_etp_rpe,
    per100(places_alsh, enfants_3_5 + enfants_6_10) AS places_alsh_pour_100_3_10,
    per100(population_qpv, population) AS part_population_qpv,
    per100(nb_communes_frr, nb_communes) AS part_communes_frr,
    -- Caf allocataires (docs/allocataires.md): RSA among all allocataires; single parents among the families
    -- allocataires (single parents + couples with children), the Caf's usual denominator.
    per100(alloc_rsa, allocataires) AS part_allocataires_rsa,
    per100(alloc_monoparents, alloc_monoparents + alloc_couples_avec_enfants) AS part_familles_monoparentales,
    -- panier de services parentalité: at least one REAAP action, one LAEP and one CLAS
    CASE WHEN nb_reaap IS NULL OR nb_laep IS NULL OR nb_clas IS NULL THEN NULL
         WHEN nb_reaap > 0 AND nb_laep > 0 AND nb_clas > 0 THEN 1.0 ELSE 0.0 END AS panier_complet,
    CASE WHEN nb_reaap IS NULL OR nb_laep IS NULL OR nb_clas IS NULL THEN NULL
         ELSE (nb_reaap = 0)::INT + (nb_laep = 0)::INT + (nb_clas = 0)::INT END AS panier_nb_manquants
FROM (
    SELECT *,
        places_am + places_gad AS places_ind,
        places_eaje_psu + places_eaje_hors_psu + places_am + places_gad + places_prescol AS places_total
    FROM query_table(counts)
);

-- The crossed diagnostic petite enfance × insertion: where a territory stands against its reference (its
-- département) on coverage and on need. 1 = coverage below and need above the reference (the first to look
-- at), 2 = coverage below, need not above, 3 = coverage not below, need above, 4 = neither. Missing when any
-- of the four figures is missing.
CREATE OR REPLACE MACRO coverage_need_quadrant(coverage, coverage_ref, need, need_ref) AS
CASE WHEN coverage IS NULL OR coverage_ref IS NULL OR need IS NULL OR need_ref IS NULL THEN NULL
     WHEN coverage < coverage_ref AND need > need_ref THEN 1
     WHEN coverage < coverage_ref THEN 2
     WHEN need > need_ref THEN 3
     ELSE 4 END;

-- Which row of a file stands for today's commune, per commune and year (a published figure is never summed
-- nor averaged): the one row that is not an arrondissement municipal, when there is exactly one — the commune
-- itself, or its former code. Arrondissements municipaux and the former communes of a fusion are its parts.
CREATE OR REPLACE MACRO commune_whole(published) AS TABLE
SELECT code, year,
       CASE WHEN count(DISTINCT raw_code) FILTER (WHERE mapping_kind IS DISTINCT FROM 'arrondissement municipal') = 1
            THEN min(raw_code) FILTER (WHERE mapping_kind IS DISTINCT FROM 'arrondissement municipal') END AS whole,
       count(DISTINCT raw_code) AS rows
FROM query_table(published) WHERE level = 'commune' GROUP BY code, year;
