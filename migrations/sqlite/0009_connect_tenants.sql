-- Connect tenants (issue 15): one row per Confluence Cloud site that installed the project's
-- Connect app. Keep in step with the other backend's 0009_connect_tenants.sql (this file is
-- the same on both).
--
-- `sealed_shared_secret` is the tenant's HS256 secret sealed under the server's seal key
-- (XChaCha20-Poly1305, as job payloads are): a copy of the store alone cannot sign events.
CREATE TABLE connect_tenants (
    client_key           TEXT PRIMARY KEY,
    base_url             TEXT NOT NULL,
    sealed_shared_secret TEXT NOT NULL,
    installed_at         BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
