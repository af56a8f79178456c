"""Notify the service of every change of who may see and do what.

The service keeps each caller's scope (their workspaces and roles) in memory for a short
time instead of reading it again on every request. These triggers tell every process of
the service, by ``NOTIFY redthread_access`` when the change commits, that a scope may have
changed: a membership granted, changed or revoked, an API key revoked, a workspace added to
an organization or removed, a member renamed. Each process then forgets the scopes it kept.

The triggers fire once per statement, only for the columns a scope is made of: writing an
API key's last-used time notifies no one. (A cascade from a deleted organization fires them
on its workspaces, memberships and keys.)

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The channel the service listens on (domain/access/authenticate.py).
CHANNEL = "redthread_access"
#: Per table, the events that change a scope.
EVENTS = {
    "membership": "INSERT OR UPDATE OR DELETE",
    "member": "UPDATE OF subject, name, email OR DELETE",
    "api_key": (
        "UPDATE OF organization_id, workspace_id, name, prefix, secret_hash, scopes, expires_at, revoked_at"
        " OR DELETE"
    ),
    "workspace": "INSERT OR UPDATE OF organization_id, scenario, expires_at OR DELETE",
}


def upgrade() -> None:
    op.execute(f"""
        CREATE FUNCTION redthread_access_changed() RETURNS trigger
        LANGUAGE plpgsql
        AS $function$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
            RETURN NULL;
        END
        $function$
    """)
    for table, events in EVENTS.items():
        op.execute(
            f"CREATE TRIGGER access_changed AFTER {events} ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION redthread_access_changed()"
        )


def downgrade() -> None:
    for table in EVENTS:
        op.execute(f"DROP TRIGGER access_changed ON {table}")
    op.execute("DROP FUNCTION redthread_access_changed()")
