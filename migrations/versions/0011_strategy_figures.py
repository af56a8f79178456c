"""Figures of a strategy's content kept as the content changes, so reports do not count it.

The coverage report and the dashboard counted every content item, KPI link and metric of a
strategy on each request: at 100,000 items, about 1.4 s of PostgreSQL time per report. They
now read figures that the writes keep, in the transaction that changes the content:

* ``content_count``: how many items a strategy has per tactic, channel, status and whether
  they are mapped (a tactic and a primary KPI);
* ``content_kpi_count``: how many live (not archived) items serve each KPI, per tactic;
* ``kpi_contribution``: per KPI and live item serving it, the sum of the item's metrics of
  the KPI's metric (the dashboard's top content is the first rows of its index);
* ``content_item_figure``: what the figures last counted of each item, so that a change
  subtracts exactly what was added before (and the sample of unmapped items is an index scan).

Triggers on content items, their KPI links, their metrics and on a KPI's metric note the
items a statement touched (``figure_pending``, one row of ids per statement). When the
transaction commits, a deferred trigger folds them: it locks the touched items' figures in id
order (two transactions folding the same item take turns, and the second counts what the
first committed), reads the items as they are now, and adds the difference to the counts in
key order. Counts are locked only for that moment at commit, never across a transaction.

The figure tables have no foreign keys: checking one at commit would take a share lock on
the strategy or KPI after the content's locks, against the writers' lock order
(``domain/records.py``), and a KPI being deleted meanwhile (locked, then waiting for the
content) would deadlock with the commit. The figures of a deleted strategy or KPI go as its
content goes: the cascaded deletes of its items and links are folded like any other. The
functions run as the tables' owner (``SECURITY DEFINER``), so the service role may read the
figures but write none of them.

Items whose tactic is not among the tactics of a KPI they serve ("misaligned") are not kept:
that depends on the KPI's tactics as well, which change without touching the items. The
report finds the (KPI, tactic) pairs of ``content_kpi_count`` that the KPI does not name, and
reads only the links of those pairs: none in a strategy that is in order.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

from domain.persistence.settings import DatabaseSettings

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = """
CREATE TABLE content_item_figure (
    content_item_id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    strategy_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    tactic_id uuid,
    channel_id uuid,
    status content_status NOT NULL,
    live boolean NOT NULL,
    unmapped boolean NOT NULL,
    kpi_ids uuid[] NOT NULL,
    CONSTRAINT pk_content_item_figure PRIMARY KEY (content_item_id)
);
CREATE INDEX ix_content_item_figure_strategy_id ON content_item_figure (strategy_id);
CREATE INDEX ix_content_item_figure_unmapped ON content_item_figure (strategy_id, created_at, content_item_id)
    WHERE live AND unmapped;

CREATE TABLE content_count (
    workspace_id uuid NOT NULL,
    strategy_id uuid NOT NULL,
    tactic_id uuid,
    channel_id uuid,
    status content_status NOT NULL,
    unmapped boolean NOT NULL,
    n bigint NOT NULL,
    CONSTRAINT uq_content_count_strategy_id
        UNIQUE NULLS NOT DISTINCT (strategy_id, tactic_id, channel_id, status, unmapped)
);

CREATE TABLE content_kpi_count (
    workspace_id uuid NOT NULL,
    strategy_id uuid NOT NULL,
    kpi_id uuid NOT NULL,
    tactic_id uuid,
    n bigint NOT NULL,
    CONSTRAINT uq_content_kpi_count_kpi_id UNIQUE NULLS NOT DISTINCT (kpi_id, tactic_id)
);
CREATE INDEX ix_content_kpi_count_strategy_id ON content_kpi_count (strategy_id);

CREATE TABLE kpi_contribution (
    workspace_id uuid NOT NULL,
    kpi_id uuid NOT NULL,
    content_item_id uuid NOT NULL,
    value numeric NOT NULL,
    CONSTRAINT pk_kpi_contribution PRIMARY KEY (content_item_id, kpi_id)
);
CREATE INDEX ix_kpi_contribution_top ON kpi_contribution (kpi_id, value DESC, content_item_id);

-- Rows live only inside the transaction that wrote them (the fold deletes them before it
-- commits): nothing to recover after a crash, so no WAL.
CREATE UNLOGGED TABLE figure_pending (content_item_ids uuid[] NOT NULL);
"""

FIGURE_TABLES = ("content_item_figure", "content_count", "content_kpi_count", "kpi_contribution")

#: Note the items a statement touched; ``TG_ARGV[0]`` names the column that holds their ids.
#: An update of an item counts only when a figure reads what it changed.
TOUCH = """
CREATE FUNCTION redthread_figures_touched() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
AS $function$
BEGIN
    IF TG_TABLE_NAME = 'content_item' AND TG_OP = 'UPDATE' THEN
        INSERT INTO figure_pending
        SELECT array_agg(n.id) FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.strategy_id, n.tactic_id, n.primary_kpi_id, n.channel_id, n.status, n.created_at)
              IS DISTINCT FROM (o.strategy_id, o.tactic_id, o.primary_kpi_id, o.channel_id, o.status, o.created_at)
        HAVING count(*) > 0;
    ELSIF TG_TABLE_NAME = 'kpi' THEN
        INSERT INTO figure_pending
        SELECT array_agg(DISTINCT ck.content_item_id)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        JOIN content_item_kpi ck ON ck.kpi_id = n.id
        WHERE n.metric IS DISTINCT FROM o.metric
        HAVING count(*) > 0;
    ELSIF TG_OP = 'INSERT' THEN
        EXECUTE format('INSERT INTO figure_pending SELECT array_agg(%I) FROM new_rows HAVING count(*) > 0',
                       TG_ARGV[0]);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('INSERT INTO figure_pending SELECT array_agg(%I) FROM old_rows HAVING count(*) > 0',
                       TG_ARGV[0]);
    ELSE
        EXECUTE format(
            'INSERT INTO figure_pending SELECT array_agg(i) FROM'
            ' (SELECT %1$I FROM old_rows UNION SELECT %1$I FROM new_rows) AS t(i) HAVING count(*) > 0',
            TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$function$
"""

#: Bring the figures of the touched items up to date (see the module's doc).
FOLD = """
CREATE FUNCTION redthread_fold_figures() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
AS $function$
DECLARE
    touched uuid[];
    strategies uuid[];
BEGIN
    WITH taken AS (DELETE FROM figure_pending RETURNING content_item_ids)
    SELECT array_agg(DISTINCT i ORDER BY i) INTO touched FROM taken, unnest(taken.content_item_ids) AS i;
    IF touched IS NULL THEN
        RETURN;
    END IF;

    PERFORM FROM content_item_figure f WHERE f.content_item_id = ANY (touched)
    ORDER BY f.content_item_id FOR UPDATE;

    SELECT array_agg(DISTINCT x.strategy_id) INTO strategies FROM (
        SELECT c.strategy_id FROM content_item c WHERE c.id = ANY (touched)
        UNION ALL
        SELECT f.strategy_id FROM content_item_figure f WHERE f.content_item_id = ANY (touched)
    ) x;

    WITH now AS (
        SELECT c.id, c.workspace_id, c.strategy_id, c.created_at, c.tactic_id, c.channel_id, c.status,
               c.status <> 'ARCHIVED' AS live,
               c.tactic_id IS NULL OR c.primary_kpi_id IS NULL AS unmapped,
               coalesce(
                   (SELECT array_agg(ck.kpi_id ORDER BY ck.kpi_id)
                    FROM content_item_kpi ck WHERE ck.content_item_id = c.id),
                   '{}'
               ) AS kpi_ids
        FROM content_item c WHERE c.id = ANY (touched)
    ),
    was AS (SELECT f.* FROM content_item_figure f WHERE f.content_item_id = ANY (touched)),
    item_change AS (
        SELECT n.workspace_id, n.strategy_id, n.tactic_id, n.channel_id, n.status, n.unmapped, 1 AS change
        FROM now n
        UNION ALL
        SELECT w.workspace_id, w.strategy_id, w.tactic_id, w.channel_id, w.status, w.unmapped, -1 FROM was w
    ),
    kpi_change AS (
        SELECT n.workspace_id, n.strategy_id, k.kpi_id, n.tactic_id, 1 AS change
        FROM now n, unnest(n.kpi_ids) AS k(kpi_id) WHERE n.live
        UNION ALL
        SELECT w.workspace_id, w.strategy_id, k.kpi_id, w.tactic_id, -1
        FROM was w, unnest(w.kpi_ids) AS k(kpi_id) WHERE w.live
    ),
    items_counted AS (
        INSERT INTO content_count AS cc (workspace_id, strategy_id, tactic_id, channel_id, status, unmapped, n)
        SELECT d.workspace_id, d.strategy_id, d.tactic_id, d.channel_id, d.status, d.unmapped, sum(d.change)
        FROM item_change d
        GROUP BY d.workspace_id, d.strategy_id, d.tactic_id, d.channel_id, d.status, d.unmapped
        HAVING sum(d.change) <> 0
        ORDER BY d.strategy_id, d.tactic_id, d.channel_id, d.status, d.unmapped
        ON CONFLICT ON CONSTRAINT uq_content_count_strategy_id DO UPDATE SET n = cc.n + excluded.n
    ),
    kpis_counted AS (
        INSERT INTO content_kpi_count AS kc (workspace_id, strategy_id, kpi_id, tactic_id, n)
        SELECT d.workspace_id, d.strategy_id, d.kpi_id, d.tactic_id, sum(d.change)
        FROM kpi_change d
        GROUP BY d.workspace_id, d.strategy_id, d.kpi_id, d.tactic_id
        HAVING sum(d.change) <> 0
        ORDER BY d.kpi_id, d.tactic_id
        ON CONFLICT ON CONSTRAINT uq_content_kpi_count_kpi_id DO UPDATE SET n = kc.n + excluded.n
    ),
    gone AS (
        DELETE FROM content_item_figure f
        WHERE f.content_item_id = ANY (touched) AND NOT EXISTS (SELECT FROM now n WHERE n.id = f.content_item_id)
    )
    INSERT INTO content_item_figure AS f
        (content_item_id, workspace_id, strategy_id, created_at, tactic_id, channel_id, status, live, unmapped,
         kpi_ids)
    SELECT n.id, n.workspace_id, n.strategy_id, n.created_at, n.tactic_id, n.channel_id, n.status, n.live,
           n.unmapped, n.kpi_ids
    FROM now n
    ORDER BY n.id
    ON CONFLICT (content_item_id) DO UPDATE SET
        workspace_id = excluded.workspace_id, strategy_id = excluded.strategy_id,
        created_at = excluded.created_at, tactic_id = excluded.tactic_id, channel_id = excluded.channel_id,
        status = excluded.status, live = excluded.live, unmapped = excluded.unmapped, kpi_ids = excluded.kpi_ids;

    DELETE FROM content_count WHERE strategy_id = ANY (strategies) AND n = 0;
    DELETE FROM content_kpi_count WHERE strategy_id = ANY (strategies) AND n = 0;

    DELETE FROM kpi_contribution WHERE content_item_id = ANY (touched);
    INSERT INTO kpi_contribution (workspace_id, kpi_id, content_item_id, value)
    SELECT c.workspace_id, ck.kpi_id, c.id, sum(cm.value)
    FROM content_item c
    JOIN content_item_kpi ck ON ck.content_item_id = c.id
    JOIN kpi k ON k.id = ck.kpi_id
    JOIN content_metric cm ON cm.content_item_id = c.id AND cm.metric = k.metric
    WHERE c.id = ANY (touched) AND c.status <> 'ARCHIVED'
    GROUP BY c.workspace_id, ck.kpi_id, c.id
    ORDER BY c.id, ck.kpi_id;
END
$function$
"""

DUE = """
CREATE FUNCTION redthread_figures_due() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
AS $function$
BEGIN
    PERFORM redthread_fold_figures();
    RETURN NULL;
END
$function$
"""

#: (table, column naming the item, events): every write whose rows a figure reads.
TOUCHES = (
    ("content_item", "id", ("INSERT", "UPDATE", "DELETE")),
    ("content_item_kpi", "content_item_id", ("INSERT", "UPDATE", "DELETE")),
    ("content_metric", "content_item_id", ("INSERT", "UPDATE", "DELETE")),
    ("kpi", "id", ("UPDATE",)),
)
TRANSITIONS = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}


def upgrade() -> None:
    for statement in TABLES.split(";\n"):
        if statement.strip():
            op.execute(statement)
    role = '"' + DatabaseSettings().database_service_role + '"'
    for table in FIGURE_TABLES:
        op.execute(f"SELECT redthread_protect('{table}')")
        # The service reads the figures; only the functions below, as the owner, write them.
        op.execute(f"REVOKE INSERT, UPDATE, DELETE ON {table} FROM {role}")
    op.execute(f"REVOKE ALL ON figure_pending FROM {role}")
    op.execute(TOUCH)
    op.execute(FOLD)
    op.execute(DUE)
    op.execute(
        "CREATE CONSTRAINT TRIGGER figures_due AFTER INSERT ON figure_pending"
        " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION redthread_figures_due()"
    )
    for table, column, events in TOUCHES:
        for event in events:
            op.execute(
                f"CREATE TRIGGER figures_touched_{event.lower()} AFTER {event} ON {table}"
                f" REFERENCING {TRANSITIONS[event]}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION redthread_figures_touched('{column}')"
            )
    # The figures of the content there is already.
    op.execute("INSERT INTO figure_pending SELECT array_agg(id) FROM content_item HAVING count(*) > 0")
    op.execute("SELECT redthread_fold_figures()")


def downgrade() -> None:
    for table, _, events in TOUCHES:
        for event in events:
            op.execute(f"DROP TRIGGER figures_touched_{event.lower()} ON {table}")
    op.execute("DROP TABLE figure_pending")
    op.execute("DROP FUNCTION redthread_figures_due()")
    op.execute("DROP FUNCTION redthread_fold_figures()")
    op.execute("DROP FUNCTION redthread_figures_touched()")
    for table in FIGURE_TABLES:
        op.execute(f"DROP TABLE {table}")
