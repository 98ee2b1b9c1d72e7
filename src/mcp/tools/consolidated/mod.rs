//! The consolidated, agent-friendly tools (upstream's current surface, notes §C.1): `schema`
//! and `write` cover every mutation with one typed, validated operation registry.

mod ops;
mod plan;
mod registry;
mod write;
