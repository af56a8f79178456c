-- The figures a strategy dashboard draws, as rows (kind, strategy, a, b, status, n, value):
-- tactic x KPI cells, channel x status counts, and each KPI's top contributors (the first rows
-- of its contributions' index). Follows strategy_figures.sql.
SELECT 'cell' AS kind, sv.strategy_id AS sid, sv.tactic_id AS a, sv.kpi_id AS b, NULL AS status,
       sv.n, NULL::numeric AS value
FROM served sv WHERE sv.tactic_id IS NOT NULL
UNION ALL
SELECT 'channel', cc.strategy_id, cc.channel_id, NULL, cc.status::text, sum(cc.n)::bigint, NULL
FROM content_count cc JOIN s ON cc.strategy_id = s.id WHERE cc.strategy_id = ANY(:strategies)
GROUP BY cc.strategy_id, cc.channel_id, cc.status
UNION ALL
SELECT 'top', k.strategy_id, k.id, t.content_item_id, NULL, t.place, t.value
FROM kpi k JOIN s ON k.strategy_id = s.id
CROSS JOIN LATERAL (
    SELECT kc.content_item_id, kc.value,
           row_number() OVER (ORDER BY kc.value DESC, kc.content_item_id) AS place
    FROM kpi_contribution kc WHERE kc.kpi_id = k.id
    ORDER BY kc.value DESC, kc.content_item_id
    LIMIT :top
) t
