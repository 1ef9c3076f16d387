-- A call's live check, chosen at random when it starts and kept with it, so
-- that the console, the freelancer's page and the decision read the same
-- challenges: JSON, [{"key":"read_phrase","words":["river","apple","sun"]}],
-- the phrase's words as keys each language says in its own words. NULL for
-- calls started before, whose challenges are derived from their id as then.
ALTER TABLE calls ADD COLUMN challenges TEXT;
