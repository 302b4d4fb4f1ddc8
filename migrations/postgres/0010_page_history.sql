-- Page history (issue 15). Keep in step with the other backend's 0010_page_history.sql: only
-- the way the content type check is widened differs.
--
-- The older versions of a page or blog post are one item of their own per page, content type
-- `history` (its findings never resolve the current body's, nor the other way round).
ALTER TABLE findings DROP CONSTRAINT findings_content_type_check;
ALTER TABLE findings ADD CONSTRAINT findings_content_type_check
    CHECK (content_type IN ('page', 'blogpost', 'comment', 'attachment', 'file', 'history'));

-- How far back a scan reads older versions (`scan --history`): NULL for none, `all`, or a
-- number of versions before the current one. Crawl jobs read it from the scan's row.
ALTER TABLE scans ADD COLUMN history TEXT;

-- Older versions of a page or blog post already classified, by rule pack: a version never
-- changes once written, so a later history scan under the same rules does not fetch it again.
-- `item_id` is the page's (the id of its history item); a version that was deleted (404) is
-- recorded too, as read.
CREATE TABLE history_versions (
    item_id      TEXT NOT NULL,
    version      BIGINT NOT NULL,
    rules_digest TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (item_id, version)
);

-- `in_history_only` of a history finding is read with it: whether the page's current body
-- has an open finding of the same rule and value. One probe of this index per finding served.
CREATE INDEX findings_by_value_in_item ON findings (item_id, fingerprint, detector, status);
