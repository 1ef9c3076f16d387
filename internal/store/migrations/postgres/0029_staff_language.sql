-- The language a staff member's pages speak, a staff catalog's tag
-- ("en", "pt-BR"); empty means the browser's language (Accept-Language).
ALTER TABLE staff ADD COLUMN language TEXT NOT NULL DEFAULT '';
