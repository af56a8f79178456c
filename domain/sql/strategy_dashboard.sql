-- The figures a strategy dashboard draws, as rows (kind, strategy, a, b, status, n, value):
-- tactic x KPI cells, channel x status counts, and each KPI's top contributors (the first rows
-- of its contributions' index). Read from the figures kept on write.
--
-- The strategies asked for that are in scope (`s`), and their figures: live items per tactic,
-- channel and mapping (`counted`) and live items per KPI and tactic (`served`).
WITH s AS (
    SELECT s.id FROM strategy s
    WHERE s.id = ANY(:strategies) AND (:everywhere OR s.workspace_id = ANY(:workspaces))
),
counted AS (
    SELECT cc.strategy_id, cc.tactic_id, cc.channel_id, cc.unmapped, cc.n
    FROM content_count cc JOIN s ON cc.strategy_id = s.id
    WHERE cc.strategy_id = ANY(:strategies) AND cc.status <> 'ARCHIVED'
),
served AS (
    SELECT kc.strategy_id, kc.kpi_id, kc.tactic_id, kc.n
    FROM content_kpi_count kc JOIN s ON kc.strategy_id = s.id
    WHERE kc.strategy_id = ANY(:strategies)
)
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
