-- An agent holds one call at a time. The workflow checks this before a
-- take, but two takes of the same agent in concurrent transactions (two
-- console tabs) could both pass the check on PostgreSQL: the index makes
-- the second insert fail, and the workflow reports the agent busy.
CREATE UNIQUE INDEX calls_agent_live ON calls (agent_id) WHERE ended_at IS NULL;
