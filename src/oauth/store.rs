//! The broker's tables (`migrations/*/20260901000000_oauth_broker.sql`) over the shared
//! [`Store`]: one set of queries for both backends. The tables use only types both speak the
//! same way (TEXT, BIGINT Unix seconds, a byte string), the SQL is written with `$n`
//! placeholders (SQLite gets them as `?n`), and every step of a sign-in that must happen once
//! (taking a sign-in, using a code, rotating a refresh token) is one atomic statement.

use sqlx::{AssertSqlSafe, Row};

use crate::store::{Store, StoreError};

pub use super::rows::{ClientRow, GrantRow, GrantsQuery, RequestRow};

const CLIENT_COLS: &str =
    "client_id, secret_hash, client_name, redirect_uris, token_endpoint_auth_method, created_at";
const REQUEST_COLS: &str = "id_hash, phase, client_id, redirect_uri, code_challenge, \
    client_state, scopes, browser_hash, upstream_verifier, nonce, subject, email, created_at, \
    expires_at";
const GRANT_COLS: &str = "id, client_id, client_name, subject, email, scopes, created_at, \
    last_used_at, expires_at, revoked_at, revoked_reason";

/// How a presented single-use credential (code or refresh token) turned out.
#[derive(Debug)]
pub enum Use<T> {
    /// First use: here is what it was issued for.
    Fresh(T),
    /// Used before, but less than the reuse grace period ago (refresh tokens only).
    Recent(T),
    /// Used before: the grant it belongs to (revoke it).
    Reused(String),
    /// Never issued (or purged).
    Unknown,
}

/// What a refresh token was issued for.
#[derive(Debug, Clone)]
pub struct RefreshRow {
    /// Its grant.
    pub grant_id: String,
    /// The client it was issued to.
    pub client_id: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// The broker's queries over the shared store.
#[derive(Clone, Debug)]
pub struct OAuthStore(pub Store);

impl OAuthStore {
    /// Store a registered client.
    pub async fn insert_client(&self, c: &ClientRow, addr: Option<&str>) -> Result<(), StoreError> {
        let uris = serde_json::to_string(&c.redirect_uris).unwrap_or_default();
        let sql = format!(
            "INSERT INTO oauth_clients ({CLIENT_COLS}, client_addr) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        );
        on_backend!(&self.0, sql, |q, pool| q
            .bind(&c.client_id)
            .bind(&c.secret_hash)
            .bind(&c.client_name)
            .bind(&uris)
            .bind(&c.auth_method)
            .bind(c.created_at)
            .bind(addr)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// A registered client.
    pub async fn client(&self, id: &str) -> Result<Option<ClientRow>, StoreError> {
        let sql = format!("SELECT {CLIENT_COLS} FROM oauth_clients WHERE client_id = $1");
        let row = on_backend!(&self.0, sql, |q, pool| async {
            let Some(r) = q.bind(id).fetch_optional(pool).await? else {
                return Ok::<_, sqlx::Error>(None);
            };
            let uris: String = r.try_get("redirect_uris")?;
            Ok(Some(ClientRow {
                client_id: r.try_get("client_id")?,
                secret_hash: r.try_get("secret_hash")?,
                client_name: r.try_get("client_name")?,
                redirect_uris: serde_json::from_str(&uris).unwrap_or_default(),
                auth_method: r.try_get("token_endpoint_auth_method")?,
                created_at: r.try_get("created_at")?,
            }))
        }
        .await)?;
        Ok(row)
    }

    /// Store a sign-in in progress.
    pub async fn insert_request(&self, r: &RequestRow) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO oauth_requests ({REQUEST_COLS}) VALUES ($1, $2, $3, $4, \
             $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        );
        on_backend!(&self.0, sql, |q, pool| q
            .bind(&r.id_hash)
            .bind(&r.phase)
            .bind(&r.client_id)
            .bind(&r.redirect_uri)
            .bind(&r.code_challenge)
            .bind(&r.client_state)
            .bind(&r.scopes)
            .bind(&r.browser_hash)
            .bind(&r.upstream_verifier)
            .bind(&r.nonce)
            .bind(&r.subject)
            .bind(&r.email)
            .bind(r.created_at)
            .bind(r.expires_at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Take (delete and return) the sign-in of `phase` keyed by `id_hash`: a second take of
    /// the same one finds nothing.
    pub async fn take_request(
        &self,
        id_hash: &str,
        phase: &str,
    ) -> Result<Option<RequestRow>, StoreError> {
        let sql = format!(
            "DELETE FROM oauth_requests WHERE id_hash = $1 AND phase = $2 RETURNING {REQUEST_COLS}"
        );
        let row = on_backend!(&self.0, sql, |q, pool| async {
            let Some(r) = q.bind(id_hash).bind(phase).fetch_optional(pool).await? else {
                return Ok::<_, sqlx::Error>(None);
            };
            Ok(Some(read_row!(
                r,
                RequestRow {
                    id_hash,
                    phase,
                    client_id,
                    redirect_uri,
                    code_challenge,
                    client_state,
                    scopes,
                    browser_hash,
                    upstream_verifier,
                    nonce,
                    subject,
                    email,
                    created_at,
                    expires_at,
                }
            )))
        }
        .await)?;
        Ok(row)
    }

    /// Store a new grant.
    pub async fn insert_grant(&self, g: &GrantRow) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO oauth_grants ({GRANT_COLS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        );
        on_backend!(&self.0, sql, |q, pool| q
            .bind(&g.id)
            .bind(&g.client_id)
            .bind(&g.client_name)
            .bind(&g.subject)
            .bind(&g.email)
            .bind(&g.scopes)
            .bind(g.created_at)
            .bind(g.last_used_at)
            .bind(g.expires_at)
            .bind(g.revoked_at)
            .bind(&g.revoked_reason)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Grants, newest first, filtered by `q`.
    pub async fn grants(&self, q: &GrantsQuery) -> Result<Vec<GrantRow>, StoreError> {
        let sql = format!(
            "SELECT {GRANT_COLS} FROM oauth_grants WHERE ($1 IS NULL OR id = $1) \
             AND ($2 IS NULL OR subject = $2) AND ($3 IS NULL OR client_id = $3) \
             AND ($4 = 0 OR (revoked_at IS NULL AND expires_at > $5)) \
             ORDER BY created_at DESC, id DESC LIMIT $6"
        );
        let rows = on_backend!(&self.0, sql, |q_, pool| async {
            let rows = q_
                .bind(&q.id)
                .bind(&q.subject)
                .bind(&q.client_id)
                .bind(i64::from(q.active_only))
                .bind(q.now)
                .bind(i64::from(q.limit))
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(read_row!(
                        r,
                        GrantRow {
                            id,
                            client_id,
                            client_name,
                            subject,
                            email,
                            scopes,
                            created_at,
                            last_used_at,
                            expires_at,
                            revoked_at,
                            revoked_reason,
                        }
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
        }
        .await)?;
        Ok(rows)
    }

    /// Revoke a grant (its refresh tokens stop working); false if it was already revoked or
    /// does not exist.
    pub async fn revoke_grant(&self, id: &str, now: i64, reason: &str) -> Result<bool, StoreError> {
        let sql = "UPDATE oauth_grants SET revoked_at = $2, revoked_reason = $3 \
                   WHERE id = $1 AND revoked_at IS NULL";
        let done = on_backend!(&self.0, sql, |q, pool| q
            .bind(id)
            .bind(now)
            .bind(reason)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Record a use of a grant and push its expiry out to `expires_at`.
    pub async fn touch_grant(&self, id: &str, now: i64, expires_at: i64) -> Result<(), StoreError> {
        let sql = "UPDATE oauth_grants SET last_used_at = $2, expires_at = $3 WHERE id = $1";
        on_backend!(&self.0, sql, |q, pool| q
            .bind(id)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
