-- The API's read paths over findings (issue 14). Keep in step with the other backend's
-- 0007_finding_read_paths.sql: only the generated column's kind differs.
--
-- Severity as a number, so that "at least high" is a range and "by severity" an index order.
-- SQLite computes it (VIRTUAL, the only kind ALTER TABLE can add there) and its indexes hold
-- it; PostgreSQL keeps it STORED (the only kind it has).
ALTER TABLE findings ADD COLUMN severity_rank BIGINT GENERATED ALWAYS AS (
    CASE severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END
) VIRTUAL;

-- A listing is a filter, an order and a LIMIT: each index below lets the database walk the
-- rows in the order asked and stop after a page, instead of sorting every match. The space
-- is the filter a triage list almost always has; the order is by id (the default), by when
-- first or last seen, or by severity. Without a space, the order's own index is walked and
-- the other filters are checked on the way.
DROP INDEX findings_by_space_status;
CREATE INDEX findings_by_space_status ON findings (space_key, status, id);
CREATE INDEX findings_by_space_first_seen ON findings (space_key, first_seen_at, id);
CREATE INDEX findings_by_space_last_seen ON findings (space_key, last_seen_at, id);
CREATE INDEX findings_by_space_severity ON findings (space_key, severity_rank, id);
CREATE INDEX findings_by_first_seen ON findings (first_seen_at, id);
CREATE INDEX findings_by_last_seen ON findings (last_seen_at, id);
CREATE INDEX findings_by_severity ON findings (severity_rank, id);

-- The summary: its five columns in its GROUP BY order, so that the counts come from the
-- index alone, in order, without reading or sorting the rows.
CREATE INDEX findings_summary ON findings (space_key, category, severity, detector, status);
