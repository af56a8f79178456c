-- The first part of strategy_coverage.sql and strategy_dashboard.sql, which follow it: the
-- strategies asked for that are in scope (`s`), and the figures kept on write of their content
-- (domain/strategy/figures.py): live items per tactic, channel and mapping (`counted`) and live
-- items per KPI and tactic (`served`).
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
