-- Per KPI: its terms, its strategy's period, its links, and its measurements summed up, as the
-- progress and SMART rules read them. A KPI computed from content counts only its rollup, any
-- other KPI only what was measured. A day with several measurements counts once, with the one
-- written last; after the deadline only measurements up to the deadline count.
SELECT k.id, k.strategy_id, k.direction, k.baseline, k.target, k.metric, k.unit,
       k.description,
       k.starts_on AS own_starts_on, k.deadline AS own_deadline,
       s.starts_on AS strategy_starts_on, s.ends_on AS strategy_ends_on,
       k.channel_id IS NOT NULL AS has_channel,
       (SELECT count(*) FROM kpi_tactic t WHERE t.kpi_id = k.id) AS tactic_count,
       (SELECT count(*) FROM kpi_audience a WHERE a.kpi_id = k.id) AS audience_count,
       h.n, h.first_on, h.first_value, h.last_on, h.last_value, h.slope, h.level
FROM kpi k
JOIN strategy s ON s.id = k.strategy_id
LEFT JOIN LATERAL (
    SELECT count(*) AS n,
           min(d.observed_on) AS first_on,
           (array_agg(d.value ORDER BY d.observed_on))[1] AS first_value,
           max(d.observed_on) AS last_on,
           (array_agg(d.value ORDER BY d.observed_on DESC))[1] AS last_value,
           regr_slope(d.value::float8, (d.observed_on - :as_of)::float8) AS slope,
           regr_intercept(d.value::float8, (d.observed_on - :as_of)::float8) AS level
    FROM (
        SELECT DISTINCT ON (m.observed_on) m.observed_on, m.value
        FROM kpi_measurement m
        WHERE m.kpi_id = k.id
          AND (k.source = 'CONTENT') = (m.source = 'CONTENT_ROLLUP')
          AND m.observed_on <= least(:as_of, coalesce(k.deadline, s.ends_on, :as_of))
        ORDER BY m.observed_on, m.updated_at DESC, m.id DESC
    ) d
) h ON true
WHERE (k.id = ANY(:ids) OR k.strategy_id = ANY(:strategies))
  AND (:everywhere OR k.workspace_id = ANY(:workspaces))
