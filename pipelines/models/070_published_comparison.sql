-- Where a figure is both published and computed from counts: the gap, and whether it is within the rounding
-- of the published figure (half a unit of its last decimal). Reported by the contracts, never fatal.
CREATE TABLE comparison_counts AS  -- the counts of the territories and years with a published figure
SELECT * FROM counts SEMI JOIN (SELECT DISTINCT level, code, year FROM published_value
                                WHERE basis IN ('caf_rates', 'caf_places')) p USING (level, code, year);

CREATE TABLE published_comparison AS
WITH computed AS (
    SELECT level, code, year, indicator, value
    FROM (UNPIVOT (SELECT * FROM with_indicators('comparison_counts'))
          ON COLUMNS(* EXCLUDE (level, code, year)) INTO NAME indicator VALUE value)
)
SELECT p.level, p.code, p.year::INTEGER AS year, p.indicator, p.value AS published, c.value AS computed,
       round(c.value - p.value, 3) AS gap,
       abs(c.value - p.value) <= 0.5 * pow(10, -k.decimals) + 1e-9 AS within_rounding
FROM published_value p
JOIN computed c USING (level, code, year, indicator)
JOIN catalogue k ON k.code = p.indicator
WHERE p.basis IN ('caf_rates', 'caf_places');
