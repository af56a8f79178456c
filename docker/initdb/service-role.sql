-- The role redthread serves as (REDTHREAD_DATABASE_SERVICE_ROLE): it owns no table, so
-- row-level security holds for it. The migrations grant it what it needs; here it only
-- gets a password, which the server asks for over TCP.
CREATE ROLE redthread_service LOGIN PASSWORD 'redthread-service';
