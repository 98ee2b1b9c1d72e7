//! Build script: records the git commit for the `opik_mcp_build_info` metric.
//! `BUILD_GIT_SHA` set in the environment wins (release builds outside a git checkout);
//! otherwise `git rev-parse`, else `unknown`. Not named `OPIK_MCP_*`: cargo also sets
//! build-script variables when running the binary under `cargo run`/tests, and that prefix
//! is the configuration's environment namespace.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=BUILD_GIT_SHA");
    // `sqlx::migrate!` embeds migrations/ at compile time: a new migration file must rebuild
    // the crate even when no Rust source changed.
    println!("cargo:rerun-if-changed=migrations");
    let sha = std::env::var("BUILD_GIT_SHA").ok().or_else(git_sha);
    if let Some(head) = git_path("HEAD") {
        println!("cargo:rerun-if-changed={head}");
    }
    if let Some(refs) = git_path("refs/heads") {
        println!("cargo:rerun-if-changed={refs}");
    }
    println!(
        "cargo:rustc-env=BUILD_GIT_SHA={}",
        sha.unwrap_or_else(|| "unknown".into())
    );
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn git_sha() -> Option<String> {
    git(&["rev-parse", "--short=12", "HEAD"])
}

/// A path inside the git directory (worktrees keep HEAD apart from the shared refs).
fn git_path(name: &str) -> Option<String> {
    git(&["rev-parse", "--git-path", name]).filter(|p| std::path::Path::new(p).exists())
}
