-- The vintage of the allocataires figures of each year (the latest Caf file not after it), for the captions
-- of indicator_value: the indicators computed from the allocataires files alone.
INSERT INTO context_vintage
SELECT i.indicator, v.year, v.vintage_year
FROM allocataires_vintage v
CROSS JOIN (VALUES ('allocataires'), ('alloc_rsa'), ('alloc_monoparents'), ('enfants_alloc_0_2'),
                   ('part_allocataires_rsa'), ('part_familles_monoparentales')) i(indicator);
