-- Webhook deliveries already taken (issue 15). Keep in step with the other backend's
-- 0008_webhooks.sql (this file is the same on both).
--
-- A delivery is claimed by its id before it becomes a job, so a replayed or redelivered
-- request is refused (`source` = forge, datacenter, connect; the id is the token's `jti` or
-- a digest of the signed request). The content it names is claimed too, under source
-- `content` and the item's key with its version, so two deliveries about the same version
-- of the same content make one job. Rows older than the replay window are pruned.
CREATE TABLE webhook_deliveries (
    source      TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (source, delivery_id)
);
CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (received_at);
