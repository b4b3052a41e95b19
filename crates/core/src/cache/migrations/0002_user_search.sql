-- Search as you type (issue 5): an FTS5 index over what the users table is searched by.
--
-- The trigram tokenizer indexes every three-character window, so a query term matches
-- anywhere inside a word: a prefix ("sch" finds Schmidt) as well as the substring the
-- former LIKE search found ("midt"), now through an index instead of a full scan. It folds
-- case and (remove_diacritics) accents: "muller" finds "Müller".
--
-- One column holding the searched fields joined by newlines: query terms never contain a
-- newline, so no match spans two fields, and one column keeps the index smallest.
-- Contentless (content=''): the text is already in `users`; the rowid is `users.rowid`.
-- The cache rebuilds it in the same transaction that replaces the users.
CREATE VIRTUAL TABLE users_search USING fts5(
    doc,
    content = '',
    tokenize = 'trigram remove_diacritics 1'
);

INSERT INTO users_search (rowid, doc)
SELECT rowid, user_name || char(10) || display_name || char(10) || ifnull(given_name, '') || char(10)
    || ifnull(family_name, '') || char(10) || ifnull(email, '') || char(10) || ifnull(bu, '')
FROM users;
