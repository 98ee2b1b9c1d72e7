//! The broker's tables (`migrations/*/20260901000000_oauth_broker.sql`) over the shared
//! [`Store`]: one set of queries for both backends. The tables use only types both speak the
//! same way (TEXT, BIGINT Unix seconds, a byte string), the SQL is written with `$n`
//! placeholders (SQLite gets them as `?n`), and every step of a sign-in that must happen once
//! (taking a sign-in, using a code, rotating a refresh token) is one atomic statement.

use sqlx::{AssertSqlSafe, Row};

use crate::store::{Store, StoreError};

pub use super::rows::{ClientRow, CodeRow, GrantRow, GrantsQuery, RequestRow};

/// Run `$body` with `$q` bound to a `sqlx::query` of `$sql` on whichever backend `$store` is.
/// Written once, compiled per backend: the row types differ, the code does not.
macro_rules! on_backend {
    ($store:expr, $sql:expr, |$q:ident, $pool:ident| $body:expr) => {
        match $store {
            Store::Sqlite(s) => {
                let sql = $sql.replace('$', "?");
                let $q = sqlx::query(AssertSqlSafe(sql));
                let $pool = s.pool();
                $body
            }
            Store::Postgres(s) => {
                let $q = sqlx::query(AssertSqlSafe($sql.to_string()));
                let $pool = s.pool();
                $body
            }
        }
    };
}

/// Build a row struct from the columns of the same names.
macro_rules! read_row {
    ($row:expr, $ty:ident { $($field:ident),* $(,)? }) => {
        $ty { $($field: $row.try_get(stringify!($field))?),* }
    };
}

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

    /// Store an authorization code (by hash).
    pub async fn insert_code(&self, c: &CodeRow) -> Result<(), StoreError> {
        let sql = "INSERT INTO oauth_codes (code_hash, grant_id, client_id, redirect_uri, \
                   code_challenge, expires_at) VALUES ($1, $2, $3, $4, $5, $6)";
        on_backend!(&self.0, sql, |q, pool| q
            .bind(&c.code_hash)
            .bind(&c.grant_id)
            .bind(&c.client_id)
            .bind(&c.redirect_uri)
            .bind(&c.code_challenge)
            .bind(c.expires_at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Use a code: the first use gets it, any later one learns its grant.
    pub async fn use_code(&self, code_hash: &str, now: i64) -> Result<Use<CodeRow>, StoreError> {
        let sql = "UPDATE oauth_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL \
                   RETURNING code_hash, grant_id, client_id, redirect_uri, code_challenge, \
                   expires_at";
        let fresh = on_backend!(&self.0, sql, |q, pool| async {
            let Some(r) = q.bind(code_hash).bind(now).fetch_optional(pool).await? else {
                return Ok::<_, sqlx::Error>(None);
            };
            Ok(Some(read_row!(
                r,
                CodeRow {
                    code_hash,
                    grant_id,
                    client_id,
                    redirect_uri,
                    code_challenge,
                    expires_at,
                }
            )))
        }
        .await)?;
        if let Some(code) = fresh {
            return Ok(Use::Fresh(code));
        }
        let sql = "SELECT grant_id FROM oauth_codes WHERE code_hash = $1";
        self.owner(sql, code_hash).await
    }

    /// Store a refresh token (by hash).
    pub async fn insert_refresh(
        &self,
        token_hash: &str,
        r: &RefreshRow,
        now: i64,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO oauth_refresh_tokens (token_hash, grant_id, client_id, created_at, \
                   expires_at) VALUES ($1, $2, $3, $4, $5)";
        on_backend!(&self.0, sql, |q, pool| q
            .bind(token_hash)
            .bind(&r.grant_id)
            .bind(&r.client_id)
            .bind(now)
            .bind(r.expires_at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Use a refresh token: the first use gets it, any later one learns its grant.
    pub async fn use_refresh(&self, hash: &str, now: i64) -> Result<Use<RefreshRow>, StoreError> {
        let sql = "UPDATE oauth_refresh_tokens SET used_at = $2 WHERE token_hash = $1 \
                   AND used_at IS NULL RETURNING grant_id, client_id, expires_at";
        let fresh = on_backend!(&self.0, sql, |q, pool| async {
            let Some(r) = q.bind(hash).bind(now).fetch_optional(pool).await? else {
                return Ok::<_, sqlx::Error>(None);
            };
            Ok(Some(read_row!(
                r,
                RefreshRow {
                    grant_id,
                    client_id,
                    expires_at
                }
            )))
        }
        .await)?;
        if let Some(r) = fresh {
            return Ok(Use::Fresh(r));
        }
        let sql = "SELECT grant_id FROM oauth_refresh_tokens WHERE token_hash = $1";
        self.owner(sql, hash).await
    }

    /// The grant of a used credential (`sql` selects `grant_id` by hash).
    async fn owner<T>(&self, sql: &'static str, hash: &str) -> Result<Use<T>, StoreError> {
        let grant = on_backend!(&self.0, sql, |q, pool| async {
            let row = q.bind(hash).fetch_optional(pool).await?;
            row.map(|r| r.try_get::<String, _>("grant_id")).transpose()
        }
        .await)?;
        Ok(grant.map_or(Use::Unknown, Use::Reused))
    }

    /// The grant a refresh token belongs to, used or not (revocation).
    pub async fn refresh_grant(&self, hash: &str) -> Result<Option<String>, StoreError> {
        let sql = "SELECT grant_id FROM oauth_refresh_tokens WHERE token_hash = $1";
        Ok(match self.owner::<()>(sql, hash).await? {
            Use::Reused(g) => Some(g),
            _ => None,
        })
    }

    /// The oldest stored signing key (`kid`, PKCS#8 DER).
    pub async fn signing_key(&self) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let sql = "SELECT kid, private_pkcs8 FROM oauth_signing_keys \
                   ORDER BY created_at, kid LIMIT 1";
        let key = on_backend!(&self.0, sql, |q, pool| async {
            let row = q.fetch_optional(pool).await?;
            row.map(|r| Ok::<_, sqlx::Error>((r.try_get("kid")?, r.try_get("private_pkcs8")?)))
                .transpose()
        }
        .await)?;
        Ok(key)
    }

    /// Store a generated signing key.
    pub async fn insert_signing_key(
        &self,
        kid: &str,
        pkcs8: &[u8],
        now: i64,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO oauth_signing_keys (kid, private_pkcs8, created_at) \
                   VALUES ($1, $2, $3)";
        on_backend!(&self.0, sql, |q, pool| q
            .bind(kid)
            .bind(pkcs8)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Delete what has expired: sign-ins and codes at once, refresh tokens when they expire,
    /// grants `keep_secs` after they expired. Returns the rows deleted.
    pub async fn purge(&self, now: i64, keep_secs: i64) -> Result<u64, StoreError> {
        let mut total = 0;
        for sql in [
            "DELETE FROM oauth_requests WHERE expires_at < $1",
            "DELETE FROM oauth_codes WHERE expires_at < $1",
            "DELETE FROM oauth_refresh_tokens WHERE expires_at < $1",
        ] {
            let done = on_backend!(&self.0, sql, |q, pool| q
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()))?;
            total += done;
        }
        let sql = "DELETE FROM oauth_grants WHERE expires_at < $1";
        let done = on_backend!(&self.0, sql, |q, pool| q
            .bind(now - keep_secs)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(total + done)
    }
}
