-- What the freelancer asked for instead of a video call, and why.
ALTER TABLE verifications ADD COLUMN accommodation TEXT NOT NULL DEFAULT '';
ALTER TABLE verifications ADD COLUMN accommodation_reason TEXT NOT NULL DEFAULT '';
