//! JSON-RPC error codes: the engine's refusals and the HTTP layer's (`error.rs`) use the same
//! numbers.

/// Invalid JSON.
pub const PARSE_ERROR: i32 = -32700;
/// Valid JSON, but not an acceptable JSON-RPC message here.
pub const INVALID_REQUEST: i32 = -32600;
/// Params that do not fit the method.
pub const INVALID_PARAMS: i32 = -32602;
/// Internal error.
pub const INTERNAL_ERROR: i32 = -32603;
/// Transport-level refusal (headers, limits, session rules).
pub const TRANSPORT: i32 = -32000;
/// Unknown or ended session.
pub const SESSION_NOT_FOUND: i32 = -32001;
/// A quota was exceeded; `data.retryAfterSecs` says when to retry.
pub const RATE_LIMITED: i32 = -32029;
