-- Nothing: signaling crosses nodes through PostgreSQL only (0019_signals in
-- the postgres migrations), and SQLite is one node. The version is kept so
-- that both dialects count the same migrations.
SELECT 1;
