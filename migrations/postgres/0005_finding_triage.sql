-- Triage (issue 14): a person can close a finding as a false positive or an accepted risk,
-- with a reason, and that decision outlives re-scans. Keep in step with the other backend's
-- 0005_finding_triage.sql.
--
-- `finding_suppressions` holds one row per suppressed value, by fingerprint (a keyed hash, no
-- value): a finding recorded with a suppressed fingerprint, here or at any other place, is
-- stored under the suppression's status, never as open. Who decided and why is in the audit
-- trail (`finding.status_changed`).
CREATE TABLE finding_suppressions (
    fingerprint TEXT PRIMARY KEY,
    status      TEXT NOT NULL CHECK (status IN ('false_positive', 'accepted_risk')),
    finding_id  TEXT NOT NULL,
    actor       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

ALTER TABLE findings DROP CONSTRAINT findings_status_check;
ALTER TABLE findings ADD CONSTRAINT findings_status_check
    CHECK (status IN ('open', 'resolved', 'false_positive', 'accepted_risk'));
