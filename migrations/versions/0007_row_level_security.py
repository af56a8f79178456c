"""Row-level security on tenant tables, and the role the service connects as.

Every query of the service already filters by the caller's workspaces; the policies are a
second wall behind that filter. ``Database.transaction``/``Database.read`` bind the
caller's scope per transaction (``redthread.workspace_ids``, ``redthread.all_workspaces``),
and the ``tenant_isolation`` policy lets a statement see and write only the rows of those
workspaces. Without the settings, a statement sees no rows at all.

The running service connects as ``redthread_service`` (``REDTHREAD_DATABASE_SERVICE_ROLE``):
it owns no table, so the policies hold for it. The owner of the tables (the role that runs
the migrations) bypasses them; there is deliberately no ``FORCE ROW LEVEL SECURITY``.
The role is created here when missing, without a password (set one with
``ALTER ROLE redthread_service PASSWORD '…'`` where the server asks for one). Roles belong
to the whole server, so creating it is idempotent: every database of the server shares it.

The identity tables ``membership`` and ``api_key`` stay without policies: authentication
reads them before a scope exists.

A later migration that creates a tenant table protects it itself::

    op.execute("SELECT redthread_protect('new_table')")            # on its workspace_id
    op.execute("SELECT redthread_protect('other_table', 'tenant')")  # on another column

Tables the owner creates later are granted to the service role by default privileges
(SELECT, INSERT, UPDATE, DELETE); a migration may revoke what a table must not allow, e.g.
``REVOKE UPDATE, DELETE ON activity FROM redthread_service`` for an append-only log.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

from domain.persistence.settings import DatabaseSettings

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Read during authentication, before there is a scope to bind.
IDENTITY_TABLES = ("membership", "api_key")
#: Rows are added and read, never changed or removed (revision 0006): not granted back here.
APPEND_ONLY_TABLES = ("activity",)

PROTECT = """
CREATE OR REPLACE FUNCTION redthread_protect(target regclass, tenant_column name DEFAULT 'workspace_id')
RETURNS void
LANGUAGE plpgsql
AS $function$
DECLARE
    -- The settings are read, and the id list parsed, in scalar sub-selects: PostgreSQL
    -- evaluates them once per statement (an InitPlan), not once per row. (The outer
    -- ::uuid[] changes nothing; it keeps ANY from reading the sub-select as a row source.)
    --
    -- "All workspaces" is compared as an integer, `<> 0`, on purpose: the planner then
    -- estimates the condition as true for almost every row, so the policy leaves row
    -- estimates, and with them the plans, as they are without it (the service's own
    -- queries filter by workspace already). Written `= 'on'`, every protected table of a
    -- join was estimated at about 10/(number of workspaces) of its rows: with 200 workspaces,
    -- the strategy report on 100,000 content items chose nested loops and ran 1.5-2 times as long.
    condition text := format(
        '(SELECT (current_setting(''redthread.all_workspaces'', true) = ''on'')::int) <> 0'
        ' OR %I = ANY ((SELECT NULLIF(current_setting(''redthread.workspace_ids'', true), '''')'
        '::uuid[])::uuid[])',
        tenant_column
    );
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', target);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s FOR ALL USING (%s) WITH CHECK (%s)',
        target, condition, condition
    );
END
$function$
"""

COMMENT = """
COMMENT ON FUNCTION redthread_protect(regclass, name) IS
'Enable row-level security on a tenant table: its rows are seen and written only within the '
'workspaces bound to the transaction (redthread.workspace_ids), or everywhere when '
'redthread.all_workspaces is on.'
"""


def _role() -> str:
    """The service role, quoted (its name is checked by the settings: lower case, digits, _)."""
    return '"' + DatabaseSettings().database_service_role + '"'


def upgrade() -> None:
    op.execute(PROTECT)
    op.execute(COMMENT)
    op.execute("REVOKE ALL ON FUNCTION redthread_protect(regclass, name) FROM PUBLIC")
    op.execute("SELECT redthread_protect('workspace', 'id')")
    excluded = ", ".join(f"'{name}'" for name in IDENTITY_TABLES)
    op.execute(f"""
        SELECT redthread_protect(format('%I.%I', c.table_schema, c.table_name)::regclass)
        FROM information_schema.columns AS c
        JOIN information_schema.tables AS t USING (table_catalog, table_schema, table_name)
        WHERE c.table_schema = current_schema()
          AND c.column_name = 'workspace_id'
          AND t.table_type = 'BASE TABLE'
          AND c.table_name NOT IN ({excluded})
        ORDER BY c.table_name
    """)
    _create_service_role()
    _grant()


def _create_service_role() -> None:
    role = DatabaseSettings().database_service_role
    op.execute(f"""
        DO $role$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
            END IF;
        EXCEPTION
            -- Another database of the server created it at the same moment.
            WHEN duplicate_object OR unique_violation THEN NULL;
        END
        $role$
    """)
    op.execute(f"""
        DO $check$
        BEGIN
            IF EXISTS (
                SELECT FROM pg_roles WHERE rolname = '{role}' AND (rolsuper OR rolbypassrls)
            ) THEN
                RAISE WARNING 'The role {role} is a superuser or bypasses row-level security: '
                    'the tenant_isolation policies do not hold for the service.';
            END IF;
        END
        $check$
    """)


def _grant() -> None:
    role = _role()
    op.execute(f"""
        DO $grant$
        BEGIN
            EXECUTE format('GRANT CONNECT ON DATABASE %I TO {role}', current_database());
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO {role}', current_schema());
            EXECUTE format(
                'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO {role}', current_schema()
            );
            EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO {role}', current_schema());
            EXECUTE format(
                'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}',
                current_schema()
            );
            EXECUTE format(
                'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO {role}',
                current_schema()
            );
        END
        $grant$
    """)
    # The service reads which revision the schema is at; only migrations write it.
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}")
    for table in APPEND_ONLY_TABLES:
        op.execute(f"""
            DO $append_only$
            BEGIN
                IF to_regclass('{table}') IS NOT NULL THEN
                    REVOKE UPDATE, DELETE ON {table} FROM {role};
                END IF;
            END
            $append_only$
        """)


def downgrade() -> None:
    op.execute("""
        DO $unprotect$
        DECLARE
            protected regclass;
        BEGIN
            FOR protected IN
                SELECT polrelid::regclass FROM pg_policy WHERE polname = 'tenant_isolation'
            LOOP
                EXECUTE format('DROP POLICY tenant_isolation ON %s', protected);
                EXECUTE format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', protected);
            END LOOP;
        END
        $unprotect$
    """)
    op.execute("DROP FUNCTION redthread_protect(regclass, name)")
    # The role stays: other databases of the server may use it.
    name = DatabaseSettings().database_service_role
    role = _role()
    op.execute(f"""
        DO $revoke$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN
                RETURN;
            END IF;
            EXECUTE format(
                'ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE USAGE, SELECT ON SEQUENCES FROM {role}',
                current_schema()
            );
            EXECUTE format(
                'ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {role}',
                current_schema()
            );
            EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM {role}', current_schema());
            EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM {role}', current_schema());
            EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM {role}', current_schema());
            EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM {role}', current_database());
        END
        $revoke$
    """)
