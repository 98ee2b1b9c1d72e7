-- The direct relay between replicas (cluster.relay_listen; see docs/scaling.md): where each
-- replica receives relayed messages over TCP, and the token a sender presents there. NULL: the
-- replica receives relays through its NOTIFY channel only.
ALTER TABLE cluster_instances
    ADD COLUMN relay_addr  TEXT,
    ADD COLUMN relay_token TEXT;
