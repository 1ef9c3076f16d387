-- Webhooks: each attempt notes the generation of its delivery (replays)
-- it was made under, so that the attempts of one job (one generation) can
-- be told from an overtaken attempt of an earlier one logged among them:
-- an endpoint is disabled only when nothing got through since the first
-- attempt of the final job's own generation.
ALTER TABLE webhook_attempts ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
