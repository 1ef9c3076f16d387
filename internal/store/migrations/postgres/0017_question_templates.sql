-- Question templates: what the call script suggests asking about a claim,
-- by the claim's kind, in the order shown. Admins manage them; updated_by is
-- the staff member who last changed one ('' for the built-in questions seeded
-- here, the ones attest shipped with before templates were data).
CREATE TABLE question_templates (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX question_templates_by_kind ON question_templates (kind, position);

INSERT INTO question_templates (id, kind, text, position, updated_at) VALUES
    ('qst_builtin_identity_1', 'identity', 'Please hold your ID document up to the camera so that I can read the name.', 1, now()),
    ('qst_builtin_identity_2', 'identity', 'Is the name on your profile the one on your ID?', 2, now()),
    ('qst_builtin_location_1', 'location', 'Which city do you usually work from?', 1, now()),
    ('qst_builtin_location_2', 'location', 'How long have you worked from there?', 2, now()),
    ('qst_builtin_location_3', 'location', 'Roughly what time is it where you are now?', 3, now()),
    ('qst_builtin_skill_1', 'skill', 'Tell me about a recent project where you used this.', 1, now()),
    ('qst_builtin_skill_2', 'skill', 'What was the hardest part of it, and how did you solve it?', 2, now()),
    ('qst_builtin_skill_3', 'skill', 'Which tools do you use most for this work?', 3, now()),
    ('qst_builtin_education_1', 'education', 'Where and when did you study?', 1, now()),
    ('qst_builtin_education_2', 'education', 'What was your main subject?', 2, now()),
    ('qst_builtin_education_3', 'education', 'Could you upload the certificate after the call?', 3, now()),
    ('qst_builtin_employment_1', 'employment', 'What was your role there?', 1, now()),
    ('qst_builtin_employment_2', 'employment', 'What did a normal week of work look like?', 2, now()),
    ('qst_builtin_employment_3', 'employment', 'What kind of team did you work in?', 3, now()),
    ('qst_builtin_other_1', 'other', 'Could you tell me a little more about this part of your profile?', 1, now());
