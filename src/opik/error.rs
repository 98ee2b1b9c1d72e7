//! `OpikError`: every way an Opik call can fail, with the status-specific advice a tool shows.
//!
//! Opik answers errors in two shapes (`ErrorMessage {code, message, details}` and
//! `ErrorMessage_Detailed {errors: [..]}`, see `shared/opik/openapi.yaml`); [`upstream_message`]
//! reads both so every variant carries Opik's own words.

use std::time::Duration;

use serde::Deserialize;

/// An Opik REST call failed.
#[derive(Debug, thiserror::Error)]
pub enum OpikError {
    /// 401: no key, or a key Opik does not accept.
    #[error("Opik rejected the credentials (401 Unauthorized): {message}")]
    Unauthorized {
        /// Opik's message.
        message: String,
    },
    /// 403: the key may not use this workspace, or no workspace was sent.
    #[error("Opik denied access to the workspace (403 Forbidden): {message}")]
    Forbidden {
        /// Opik's message.
        message: String,
    },
    /// 404: the entity does not exist (in this workspace).
    #[error("not found in Opik (404): {message}")]
    NotFound {
        /// Opik's message.
        message: String,
    },
    /// 400/422: Opik refused the request as invalid.
    #[error("Opik rejected the request ({status}): {message}")]
    Invalid {
        /// 400 or 422.
        status: u16,
        /// Opik's message.
        message: String,
    },
    /// 409: a name that must be unique is taken, or the entity is in use.
    #[error("conflict in Opik (409): {message}")]
    Conflict {
        /// Opik's message.
        message: String,
    },
    /// 429: Opik is rate limiting this key.
    #[error("Opik is rate limiting requests (429): {message}")]
    RateLimited {
        /// Opik's message.
        message: String,
    },
    /// 5xx: Opik itself failed.
    #[error("Opik failed ({status}): {message}")]
    Server {
        /// The 5xx status.
        status: u16,
        /// Opik's message.
        message: String,
    },
    /// Any other unexpected status.
    #[error("Opik answered with unexpected status {status}: {message}")]
    Status {
        /// The status.
        status: u16,
        /// Opik's message.
        message: String,
    },
    /// No complete answer within the request timeout.
    #[error("Opik did not answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    /// The connection could not be made (refused, DNS, TLS).
    #[error("cannot reach Opik at {url}: {reason}")]
    Connect {
        /// The base URL (never carries credentials).
        url: String,
        /// What failed.
        reason: String,
    },
    /// The response body was larger than `opik.max_response_bytes`.
    #[error("Opik's response is larger than the {limit}-byte limit")]
    TooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The body was not the JSON the endpoint documents.
    #[error("Opik sent a response that is not the expected JSON: {0}")]
    Malformed(String),
    /// Another transport failure mid-request.
    #[error("the request to Opik failed: {0}")]
    Transport(String),
    /// The HTTP client could not be built from the settings.
    #[error("cannot build the Opik HTTP client: {0}")]
    Build(String),
    /// The call would use the server's own key in a workspace `opik.allowed_workspaces` does
    /// not list; refused before any request is sent.
    #[error(
        "workspace {workspace:?} is not allowed with this server's Opik key (allowed: {allowed})"
    )]
    WorkspaceNotAllowed {
        /// The workspace asked for.
        workspace: String,
        /// The allowed ones, comma-separated.
        allowed: String,
    },
    /// A credential holds characters an HTTP header cannot carry (CR, LF, other control
    /// characters, non-ASCII); refused rather than sent without it.
    #[error(
        "the {0} contains characters an HTTP header cannot carry (control characters or non-ASCII)"
    )]
    InvalidHeaderValue(&'static str),
    /// Opik answered with a redirect to another host, which is not followed: it would carry
    /// the workspace header and the request body to a server nobody configured.
    #[error("Opik redirected the request to another host ({target}); not followed")]
    Redirected {
        /// The redirect status.
        status: u16,
        /// Scheme, host and port of the target (never its path or credentials).
        target: String,
    },
}

impl OpikError {
    /// Map a non-success status and its body to an error.
    pub fn from_status(status: u16, body: &[u8]) -> Self {
        Self::from_upstream(status, body, &[])
    }

    /// [`Self::from_status`], with Opik's message made safe to show and log: `secrets` (the
    /// call's credentials) removed if the body echoes them, URL user-info and token-shaped
    /// values redacted, control characters dropped, at most [`MAX_MESSAGE`] characters.
    pub fn from_upstream(status: u16, body: &[u8], secrets: &[&str]) -> Self {
        let message = crate::scrub::upstream_text(&upstream_message(body), secrets, MAX_MESSAGE);
        match status {
            401 => Self::Unauthorized { message },
            403 => Self::Forbidden { message },
            404 => Self::NotFound { message },
            400 | 422 => Self::Invalid { status, message },
            409 => Self::Conflict { message },
            429 => Self::RateLimited { message },
            500..=599 => Self::Server { status, message },
            _ => Self::Status { status, message },
        }
    }

    /// The HTTP status Opik answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::NotFound { .. } => Some(404),
            Self::Conflict { .. } => Some(409),
            Self::RateLimited { .. } => Some(429),
            Self::Invalid { status, .. }
            | Self::Server { status, .. }
            | Self::Status { status, .. }
            | Self::Redirected { status, .. } => Some(*status),
            Self::Timeout(_)
            | Self::Connect { .. }
            | Self::TooLarge { .. }
            | Self::Malformed(_)
            | Self::Transport(_)
            | Self::WorkspaceNotAllowed { .. }
            | Self::InvalidHeaderValue(_)
            | Self::Build(_) => None,
        }
    }

    /// What the caller can do about it; shown after the error in tool results.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Unauthorized { .. } => {
                "Check the Opik API key (OPIK_API_KEY / --apiKey, or your own credentials when the \
                 server forwards them). Self-hosted Opik without auth needs --selfHosted."
            }
            Self::Forbidden { .. } => {
                "Check the workspace: it is the Comet workspace name (OPIK_WORKSPACE_NAME, or the \
                 workspaceName argument), not a project name, and the API key must belong to it."
            }
            Self::NotFound { .. } => {
                "Check the id or name, and that it lives in this workspace; the list-* tools show \
                 valid ids."
            }
            Self::Invalid { .. } => {
                "Fix the arguments named in Opik's message. Trace, thread and stats calls need a \
                 projectName or projectId."
            }
            Self::Conflict { .. } => "Use another name, or update the existing entity instead.",
            Self::RateLimited { .. } => "Wait a little and retry with fewer calls.",
            Self::Server { .. } | Self::Status { .. } => {
                "Opik is having trouble; retry later. If it persists, check Opik's status."
            }
            Self::Timeout(_) => {
                "Retry, or ask for less: a smaller page size, a project, or a narrower time window."
            }
            Self::Connect { .. } => {
                "Check opik.api_url (OPIK_API_BASE_URL): Opik Cloud is \
                 https://www.comet.com/opik/api, self-hosted usually http://localhost:5173/api."
            }
            Self::TooLarge { .. } => {
                "Ask for less: a smaller page size or one entity at a time (the limit is \
                 opik.max_response_bytes)."
            }
            Self::Malformed(_) => {
                "Check that opik.api_url points at the Opik REST API (ending in /api), not the web UI."
            }
            Self::Transport(_) => "Retry; if it persists, check the network path to Opik.",
            Self::Build(_) => "Check the [opik] settings.",
            Self::WorkspaceNotAllowed { .. } => {
                "Use an allowed workspace (or leave workspaceName out), or call with your own Opik \
                 key where the server accepts one (opik.caller_key_header)."
            }
            Self::InvalidHeaderValue(_) => "Remove the control or non-ASCII characters.",
            Self::Redirected { .. } => {
                "Point opik.api_url (OPIK_API_BASE_URL) at the final API address (the redirect \
                 target), if that host is the intended Opik."
            }
        }
    }

    /// The one-paragraph text a tool result shows: what failed, then what to do.
    pub fn tool_text(&self) -> String {
        format!("{self}. {}", self.hint())
    }
}

/// The two error bodies Opik sends (`ErrorMessage`, `ErrorMessage_Detailed`).
#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorBody {
    Detailed {
        errors: Vec<String>,
    },
    Message {
        message: Option<String>,
        details: Option<String>,
    },
}

/// Longest piece of a non-JSON error body quoted back.
const MAX_QUOTED: usize = 300;

/// Longest upstream message (JSON-decoded or quoted) an error carries, characters.
pub const MAX_MESSAGE: usize = 500;

/// Opik's human message from an error body, whichever shape it has. A non-JSON body (an HTML
/// proxy page, say) is quoted briefly rather than dumped.
pub fn upstream_message(body: &[u8]) -> String {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody::Detailed { errors }) if !errors.is_empty() => errors.join("; "),
        Ok(ErrorBody::Message {
            message: Some(m),
            details,
        }) if !m.is_empty() => match details.filter(|d| !d.is_empty() && *d != m) {
            Some(d) => format!("{m} ({d})"),
            None => m,
        },
        _ => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                "no details given".into()
            } else if text.starts_with('<') {
                "a non-JSON (HTML) body".into()
            } else {
                let cut: String = text.chars().take(MAX_QUOTED).collect();
                if cut.len() < text.len() {
                    format!("{cut}…")
                } else {
                    cut
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_shape_is_decoded_with_details() {
        let body = br#"{"code":400,"message":"Either 'project_name' or 'project_id' query params must be provided","details":"x"}"#;
        let e = OpikError::from_status(400, body);
        assert!(matches!(e, OpikError::Invalid { status: 400, .. }));
        assert!(e.to_string().contains("project_name' or 'project_id"));
        assert!(e.to_string().contains("(x)"));
    }

    #[test]
    fn errors_shape_is_decoded_and_joined() {
        let e = OpikError::from_status(404, br#"{"errors":["Project not found","try again"]}"#);
        assert!(matches!(e, OpikError::NotFound { .. }));
        assert!(
            e.to_string().ends_with("Project not found; try again"),
            "{e}"
        );
    }

    #[test]
    fn each_status_gets_its_own_variant_and_hint() {
        for (status, needle) in [
            (401, "API key"),
            (403, "workspace"),
            (404, "id or name"),
            (422, "arguments"),
            (409, "another name"),
            (429, "retry"),
            (503, "retry later"),
        ] {
            let e = OpikError::from_status(status, b"{}");
            assert_eq!(e.status(), Some(status));
            assert!(
                e.tool_text().contains(needle),
                "{status}: {}",
                e.tool_text()
            );
        }
    }

    #[test]
    fn html_and_empty_bodies_are_not_dumped() {
        assert_eq!(
            upstream_message(b"<html><body>502</body></html>"),
            "a non-JSON (HTML) body"
        );
        assert_eq!(upstream_message(b""), "no details given");
        let long = "x".repeat(1000);
        assert!(upstream_message(long.as_bytes()).chars().count() <= MAX_QUOTED + 1);
    }
}
