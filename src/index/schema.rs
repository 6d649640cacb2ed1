//! The index's tables. docs/INDEX.md describes each, for whoever queries
//! the file with `sqlite3` directly.

/// Raised whenever a table changes: an index of another version is
/// rebuilt, never read.
pub const VERSION: i64 = 4;

/// The tables, created empty, then their secondary indexes ([`INDEXES`]).
pub const TABLES: &str = "
CREATE TABLE state (
    id          INTEGER PRIMARY KEY CHECK (id = 0),
    schema      INTEGER NOT NULL,
    archive_id  TEXT,
    entries     INTEGER NOT NULL,
    log_bytes   INTEGER NOT NULL,
    last_entry  TEXT
);
CREATE TABLE documents (
    id              INTEGER PRIMARY KEY,
    sha256          TEXT NOT NULL UNIQUE,
    size            INTEGER NOT NULL,
    media_type      TEXT NOT NULL,
    first_capture   INTEGER NOT NULL,
    last_capture    INTEGER NOT NULL,
    user_title      TEXT,
    text_entry      INTEGER,
    text_sha256     TEXT,
    sources_entry   INTEGER,
    sources_sha256  TEXT
);
CREATE TABLE captures (
    seq         INTEGER PRIMARY KEY,
    doc         INTEGER NOT NULL,
    line_offset INTEGER NOT NULL,
    line_len    INTEGER NOT NULL,
    retrieved   INTEGER NOT NULL,
    source      TEXT NOT NULL,
    label       TEXT NOT NULL,
    url         TEXT,
    host        TEXT,
    rhost       TEXT,
    status      INTEGER,
    media_type  TEXT NOT NULL,
    media       TEXT NOT NULL,
    size        INTEGER NOT NULL,
    title       TEXT,
    note        TEXT
);
CREATE TABLE analyses (
    seq             INTEGER PRIMARY KEY,
    capture         INTEGER NOT NULL,
    doc             INTEGER,
    sha256          TEXT NOT NULL,
    has_text        INTEGER NOT NULL,
    text_sha256     TEXT,
    has_sources     INTEGER NOT NULL,
    sources_sha256  TEXT,
    outlets         INTEGER,
    people          INTEGER
);
CREATE TABLE metadata (
    doc             INTEGER PRIMARY KEY,
    title           TEXT,
    authors         TEXT NOT NULL,
    published       TEXT,
    modified        TEXT,
    canonical_url   TEXT,
    site_name       TEXT,
    outlet          TEXT,
    language        TEXT,
    description     TEXT
);
CREATE TABLE outlets (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    kind     TEXT NOT NULL,
    domain   TEXT,
    country  TEXT NOT NULL,
    named    INTEGER NOT NULL DEFAULT 0,
    cited    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE people (
    id     INTEGER PRIMARY KEY,
    key    TEXT NOT NULL UNIQUE,
    name   TEXT NOT NULL,
    words  INTEGER NOT NULL,
    named  INTEGER NOT NULL DEFAULT 0,
    cited  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE people_roles (
    person  INTEGER NOT NULL,
    role    TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (person, role)
) WITHOUT ROWID;
CREATE TABLE doc_outlets (
    outlet    INTEGER NOT NULL,
    doc       INTEGER NOT NULL,
    cited     INTEGER NOT NULL,
    mentions  INTEGER NOT NULL,
    PRIMARY KEY (outlet, doc)
) WITHOUT ROWID;
CREATE TABLE doc_people (
    person    INTEGER NOT NULL,
    doc       INTEGER NOT NULL,
    name      TEXT NOT NULL,
    role      TEXT,
    cited     INTEGER NOT NULL,
    mentions  INTEGER NOT NULL,
    quotes    INTEGER NOT NULL,
    PRIMARY KEY (person, doc)
) WITHOUT ROWID;
CREATE TABLE mentions (
    doc     INTEGER NOT NULL,
    outlet  INTEGER,
    person  INTEGER,
    start   INTEGER NOT NULL,
    end     INTEGER NOT NULL,
    text    TEXT NOT NULL
);
CREATE TABLE quotes (
    doc     INTEGER NOT NULL,
    person  INTEGER NOT NULL,
    start   INTEGER NOT NULL,
    end     INTEGER NOT NULL,
    text    TEXT NOT NULL,
    cue     TEXT NOT NULL,
    kind    TEXT NOT NULL
);
CREATE VIRTUAL TABLE texts USING fts5 (
    title, body,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO texts (texts, rank) VALUES ('rank', 'bm25(4.0, 1.0)');
";

/// How many documents name and cite each outlet and person, and give
/// each role, kept by triggers as rows come and go, so that the count
/// over the whole archive is a read of a few thousand rows.
pub const TRIGGERS: &str = "
CREATE TRIGGER doc_outlets_insert AFTER INSERT ON doc_outlets BEGIN
    UPDATE outlets SET named = named + 1, cited = cited + NEW.cited WHERE id = NEW.outlet;
END;
CREATE TRIGGER doc_outlets_delete AFTER DELETE ON doc_outlets BEGIN
    UPDATE outlets SET named = named - 1, cited = cited - OLD.cited WHERE id = OLD.outlet;
END;
CREATE TRIGGER doc_outlets_update AFTER UPDATE OF cited ON doc_outlets BEGIN
    UPDATE outlets SET cited = cited - OLD.cited + NEW.cited WHERE id = NEW.outlet;
END;
CREATE TRIGGER doc_people_insert AFTER INSERT ON doc_people BEGIN
    UPDATE people SET named = named + 1, cited = cited + NEW.cited WHERE id = NEW.person;
    INSERT INTO people_roles (person, role, n) SELECT NEW.person, NEW.role, 1 WHERE NEW.role IS NOT NULL
        ON CONFLICT (person, role) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER doc_people_delete AFTER DELETE ON doc_people BEGIN
    UPDATE people SET named = named - 1, cited = cited - OLD.cited WHERE id = OLD.person;
    UPDATE people_roles SET n = n - 1 WHERE person = OLD.person AND role = OLD.role;
END;
CREATE TRIGGER doc_people_update AFTER UPDATE OF cited, role ON doc_people BEGIN
    UPDATE people SET cited = cited - OLD.cited + NEW.cited WHERE id = NEW.person;
    UPDATE people_roles SET n = n - 1 WHERE person = OLD.person AND role = OLD.role;
    INSERT INTO people_roles (person, role, n) SELECT NEW.person, NEW.role, 1 WHERE NEW.role IS NOT NULL
        ON CONFLICT (person, role) DO UPDATE SET n = n + 1;
END;
";

pub const INDEXES: &str = "
CREATE INDEX captures_doc ON captures (doc);
CREATE INDEX captures_retrieved ON captures (retrieved);
CREATE INDEX captures_rhost ON captures (rhost);
CREATE INDEX captures_url ON captures (url);
CREATE INDEX captures_label ON captures (label);
CREATE INDEX captures_media ON captures (media);
CREATE INDEX analyses_doc ON analyses (doc);
CREATE INDEX documents_analysed ON documents (sources_sha256) WHERE sources_sha256 IS NOT NULL;
CREATE INDEX doc_outlets_doc ON doc_outlets (doc);
CREATE INDEX doc_people_doc ON doc_people (doc);
CREATE INDEX doc_people_role ON doc_people (person, role);
CREATE INDEX mentions_doc ON mentions (doc);
CREATE INDEX quotes_doc ON quotes (doc);
CREATE INDEX quotes_person ON quotes (person);
";
