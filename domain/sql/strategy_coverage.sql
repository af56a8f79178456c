-- How content covers strategies: one row per part (kind, strategy, id, name, count n, second
-- count m, share, rank in its strategy), per strategy's totals, and the sampled items of the
-- content findings. It reads the figures kept on write (domain/strategy/figures.py), so it
-- costs the same at any plan size. Misaligned content is read from the links of the
-- (KPI, tactic) pairs that content serves and the KPI does not name (`off`): none in a
-- strategy that is in order. Follows strategy_figures.sql.
, off AS (
    SELECT sv.strategy_id, sv.kpi_id, sv.tactic_id FROM served sv
    WHERE sv.tactic_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM kpi_tactic kt WHERE kt.kpi_id = sv.kpi_id AND kt.tactic_id = sv.tactic_id
    )
),
misaligned AS (
    SELECT DISTINCT c.strategy_id, c.id AS item_id, c.created_at
    FROM off o
    JOIN content_item_kpi ck ON ck.kpi_id = o.kpi_id
    JOIN content_item c ON c.id = ck.content_item_id AND c.tactic_id = o.tactic_id
    WHERE c.status <> 'ARCHIVED'
),
totals AS (
    SELECT s.id AS sid,
           (SELECT coalesce(sum(c.n), 0)::bigint FROM counted c WHERE c.strategy_id = s.id) AS live,
           (SELECT coalesce(sum(c.n), 0)::bigint FROM counted c WHERE c.strategy_id = s.id AND c.unmapped)
               AS unmapped,
           (SELECT count(*) FROM misaligned m WHERE m.strategy_id = s.id) AS misaligned
    FROM s
)
SELECT 'tactic' AS kind, t.strategy_id AS sid, t.id, t.name, coalesce(n.n, 0)::bigint AS n, 0::bigint AS m,
       t.target_share AS share,
       row_number() OVER (PARTITION BY t.strategy_id ORDER BY t.position, t.created_at, t.id) AS rank
FROM tactic t JOIN s ON t.strategy_id = s.id
LEFT JOIN (SELECT c.tactic_id, sum(c.n) AS n FROM counted c GROUP BY c.tactic_id) n ON n.tactic_id = t.id
UNION ALL
SELECT 'kpi', k.strategy_id, k.id, k.name, coalesce(n.n, 0)::bigint, 0, NULL,
       row_number() OVER (PARTITION BY k.strategy_id ORDER BY k.created_at, k.id)
FROM kpi k JOIN s ON k.strategy_id = s.id
LEFT JOIN (SELECT sv.kpi_id, sum(sv.n) AS n FROM served sv GROUP BY sv.kpi_id) n ON n.kpi_id = k.id
UNION ALL
SELECT 'audience', a.strategy_id, a.id, a.name, count(sca.strategy_channel_id), 0, NULL,
       row_number() OVER (PARTITION BY a.strategy_id ORDER BY a.created_at, a.id)
FROM audience a JOIN s ON a.strategy_id = s.id
LEFT JOIN strategy_channel_audience sca ON sca.audience_id = a.id
GROUP BY a.id
UNION ALL
SELECT 'channel', sc.strategy_id, sc.id, ch.name,
       (SELECT count(*) FROM strategy_channel_audience sca WHERE sca.strategy_channel_id = sc.id),
       coalesce(used.n, 0)::bigint, NULL,
       row_number() OVER (PARTITION BY sc.strategy_id ORDER BY sc.created_at, sc.id)
FROM strategy_channel sc JOIN s ON sc.strategy_id = s.id JOIN channel ch ON ch.id = sc.channel_id
LEFT JOIN (
    SELECT c.strategy_id, c.channel_id, sum(c.n) AS n FROM counted c GROUP BY c.strategy_id, c.channel_id
) used
       ON used.strategy_id = sc.strategy_id AND used.channel_id = sc.channel_id
UNION ALL
SELECT 'live', t.sid, NULL, NULL, t.live, 0, NULL, 0 FROM totals t
UNION ALL
SELECT 'unmapped', t.sid, NULL, NULL, t.unmapped, 0, NULL, 0 FROM totals t
UNION ALL
SELECT 'misaligned', t.sid, NULL, NULL, t.misaligned, 0, NULL, 0 FROM totals t
UNION ALL
SELECT 'unmapped_item', s.id, u.content_item_id, NULL, 0, 0, NULL, u.rank
FROM s CROSS JOIN LATERAL (
    SELECT f.content_item_id, row_number() OVER (ORDER BY f.created_at, f.content_item_id) AS rank
    FROM content_item_figure f
    WHERE f.strategy_id = s.id AND f.live AND f.unmapped
    ORDER BY f.created_at, f.content_item_id
    LIMIT :sample
) u
UNION ALL
SELECT 'misaligned_item', m.strategy_id, m.item_id, NULL, 0, 0, NULL, m.rank
FROM (SELECT m.*, row_number() OVER (PARTITION BY m.strategy_id ORDER BY m.created_at, m.item_id) AS rank
      FROM misaligned m) m
WHERE m.rank <= :sample
