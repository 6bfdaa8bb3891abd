-- The peer benchmark's aggregation, in plain SQL.
--
-- Input: a table or view named "extracts" holding the rows of every benchmark
-- extract (one Parquet file per municipality and round; columns documented in
-- docs/benchmark.md). Two queries, each introduced by a "-- name:" line:
--
--   municipality_figures  one share per municipality, round and figure
--   peer_figures          per round and figure: how many municipalities contribute,
--                         the median and the quartiles of their shares; it reads
--                         municipality_figures, so create that as a view first.
--
-- Only standard SQL is used (CASE, SUM, COUNT, ROW_NUMBER() OVER, FLOOR, CEIL,
-- UNION ALL, CAST AS DOUBLE), so the same text runs on DuckDB, PostgreSQL, Spark SQL
-- or Trino. Quartiles are computed by linear interpolation between the ranked
-- shares (the "type 7" rule that pandas and numpy use by default), written out
-- with ROW_NUMBER because PERCENTILE_CONT is not available on every engine.
-- k-anonymity (a figure needs at least k municipalities) is applied by the reader
-- of peer_figures, from its "municipalities" column.

-- name: municipality_figures
SELECT municipality, round, metric, dim1, dim2, hits, total,
       CAST(hits AS DOUBLE) / total AS share
FROM (
    -- residual risks at or above the first level calling for a management decision,
    -- per KLE main group and perspective
    SELECT municipality, round, 'risk_share' AS metric,
           COALESCE(kle_group, '-') AS dim1, perspective AS dim2,
           SUM(CASE WHEN treatment_class <> 'acceptable' THEN n ELSE 0 END) AS hits,
           SUM(n) AS total
    FROM extracts
    WHERE kind = 'risk' AND stage = 'residual'
    GROUP BY municipality, round, COALESCE(kle_group, '-'), perspective
    UNION ALL
    -- the same over all KLE groups
    SELECT municipality, round, 'risk_share', '*', perspective,
           SUM(CASE WHEN treatment_class <> 'acceptable' THEN n ELSE 0 END),
           SUM(n)
    FROM extracts
    WHERE kind = 'risk' AND stage = 'residual'
    GROUP BY municipality, round, perspective
    UNION ALL
    -- applicable SoA controls that are implemented, per Annex A theme
    SELECT municipality, round, 'soa_implemented', theme, '',
           SUM(CASE WHEN status = 'implemented' THEN n ELSE 0 END),
           SUM(n)
    FROM extracts
    WHERE kind = 'soa' AND status <> 'not_applicable'
    GROUP BY municipality, round, theme
    UNION ALL
    -- actions in the action plan that are past their deadline and not done
    SELECT municipality, round, 'actions_overdue', '', '',
           SUM(CASE WHEN overdue THEN n ELSE 0 END),
           SUM(n)
    FROM extracts
    WHERE kind = 'action'
    GROUP BY municipality, round
) AS f
WHERE total > 0;

-- name: peer_figures
SELECT round, metric, dim1, dim2,
       MAX(n) AS municipalities,
       MAX(CASE WHEN rn = FLOOR(p25) THEN share END)
         + (MAX(p25) - FLOOR(MAX(p25)))
         * (MAX(CASE WHEN rn = CEIL(p25) THEN share END) - MAX(CASE WHEN rn = FLOOR(p25) THEN share END)) AS q1,
       MAX(CASE WHEN rn = FLOOR(p50) THEN share END)
         + (MAX(p50) - FLOOR(MAX(p50)))
         * (MAX(CASE WHEN rn = CEIL(p50) THEN share END) - MAX(CASE WHEN rn = FLOOR(p50) THEN share END)) AS median,
       MAX(CASE WHEN rn = FLOOR(p75) THEN share END)
         + (MAX(p75) - FLOOR(MAX(p75)))
         * (MAX(CASE WHEN rn = CEIL(p75) THEN share END) - MAX(CASE WHEN rn = FLOOR(p75) THEN share END)) AS q3
FROM (
    SELECT round, metric, dim1, dim2, share, rn, n,
           1 + (n - 1) * 0.25 AS p25,
           1 + (n - 1) * 0.5 AS p50,
           1 + (n - 1) * 0.75 AS p75
    FROM (
        SELECT round, metric, dim1, dim2, share,
               ROW_NUMBER() OVER (PARTITION BY round, metric, dim1, dim2 ORDER BY share, municipality) AS rn,
               COUNT(*) OVER (PARTITION BY round, metric, dim1, dim2) AS n
        FROM municipality_figures
    ) AS ranked
) AS positioned
GROUP BY round, metric, dim1, dim2;
