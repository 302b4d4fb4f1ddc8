-- The findings store, PostgreSQL dialect. Keep in step with migrations/sqlite/0001_init.sql:
-- the same tables, columns and constraints; only the dialect differs (REAL for DOUBLE
-- PRECISION, AUTOINCREMENT for an identity column).
--
-- Timestamps are BIGINT unix milliseconds (UTC) so that one set of queries serves both
-- databases through sqlx's Any driver, which has no portable timestamp type.

CREATE TABLE scans (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('space', 'paths')),
    site        TEXT,
    space_key   TEXT,
    actor       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    started_at  BIGINT NOT NULL,
    finished_at BIGINT
);

CREATE INDEX scans_started_at ON scans (started_at);

-- One row per job enqueued for a scan. Progress is counted from these rows, so a job that is
-- delivered twice or retried updates its row instead of adding to the counts.
CREATE TABLE scan_items (
    scan_id    TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    item_key   TEXT NOT NULL,
    label      TEXT NOT NULL,
    status     TEXT NOT NULL
               CHECK (status IN ('queued', 'done', 'failed', 'not_extracted', 'unchanged')),
    error      TEXT,
    attempts   BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (scan_id, item_key)
);

CREATE INDEX scan_items_by_status ON scan_items (scan_id, status);

-- Which content items (a page body, a comment, an attachment) a scan covered, classified or
-- found unchanged: what makes a scan's findings answerable after a re-scan that classified
-- nothing new.
CREATE TABLE scan_contents (
    scan_id      TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    item_key     TEXT NOT NULL,
    PRIMARY KEY (scan_id, content_type, item_id)
);

-- What was last classified for each content item, so a job can skip content whose version and
-- rule set have not changed.
CREATE TABLE content_state (
    content_type TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    version      BIGINT,
    rules_digest TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (content_type, item_id)
);

CREATE TABLE findings (
    id               TEXT PRIMARY KEY,
    detector         TEXT NOT NULL,
    category         TEXT NOT NULL CHECK (category IN ('secret', 'pii', 'pci', 'phi')),
    severity         TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    confidence       DOUBLE PRECISION NOT NULL,
    masked           TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    space_key        TEXT NOT NULL,
    content_type     TEXT NOT NULL
                     CHECK (content_type IN ('page', 'blogpost', 'comment', 'attachment')),
    -- The id of the item the finding sits in (comment, attachment or page): the key that
    -- content_state and scan_contents use.
    item_id          TEXT NOT NULL,
    page_id          TEXT NOT NULL,
    page_version     BIGINT,
    comment_id       TEXT,
    attachment_id    TEXT,
    attachment_title TEXT,
    path             TEXT,
    sheet            TEXT,
    cell             TEXT,
    pdf_page         BIGINT,
    line             BIGINT,
    start_offset     BIGINT,
    end_offset       BIGINT,
    status           TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    first_seen_at    BIGINT NOT NULL,
    last_seen_at     BIGINT NOT NULL,
    resolved_at      BIGINT,
    last_scan_id     TEXT REFERENCES scans (id) ON DELETE SET NULL
);

CREATE INDEX findings_by_space_status ON findings (space_key, status);
CREATE INDEX findings_by_item ON findings (content_type, item_id);
CREATE INDEX findings_by_page ON findings (page_id);
CREATE INDEX findings_by_fingerprint ON findings (fingerprint);

-- Append-only. Holds ids, counts and safe messages, never a sensitive value. No foreign key to
-- scans: the trail outlives the rows it talks about.
CREATE TABLE audit_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    scan_id TEXT,
    subject TEXT,
    detail  TEXT NOT NULL
);

CREATE INDEX audit_events_by_scan ON audit_events (scan_id, id);
