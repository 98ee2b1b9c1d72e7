//! The broker's single-use credentials (codes, refresh tokens), its signing key, and the
//! purge of expired rows.

use sqlx::{AssertSqlSafe, Row};

use super::rows::CodeRow;
use super::store::{OAuthStore, RefreshRow, Use};
use crate::store::{Store, StoreError};

impl OAuthStore {
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

    /// Use a refresh token: the first use gets it; a later one within `grace` seconds of the
    /// first is `Recent`; any other learns its grant.
    pub async fn use_refresh(
        &self,
        hash: &str,
        now: i64,
        grace: i64,
    ) -> Result<Use<RefreshRow>, StoreError> {
        let sql = "UPDATE oauth_refresh_tokens SET used_at = $2 WHERE token_hash = $1 \
                   AND used_at IS NULL RETURNING grant_id, client_id, expires_at";
        if let Some(r) = self.refresh_row(sql, hash, now).await? {
            return Ok(Use::Fresh(r));
        }
        let sql = "SELECT grant_id, client_id, expires_at FROM oauth_refresh_tokens \
                   WHERE token_hash = $1 AND used_at >= $2";
        let recent = self.refresh_row(sql, hash, now - grace).await?;
        if let Some(r) = recent.filter(|_| grace > 0) {
            return Ok(Use::Recent(r));
        }
        let sql = "SELECT grant_id FROM oauth_refresh_tokens WHERE token_hash = $1";
        self.owner(sql, hash).await
    }

    /// The refresh token `sql` returns, bound to its hash and a time.
    async fn refresh_row(
        &self,
        sql: &'static str,
        hash: &str,
        at: i64,
    ) -> Result<Option<RefreshRow>, StoreError> {
        let row = on_backend!(&self.0, sql, |q, pool| async {
            let Some(r) = q.bind(hash).bind(at).fetch_optional(pool).await? else {
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
        Ok(row)
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
