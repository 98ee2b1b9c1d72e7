//! The consolidated, agent-friendly tools (upstream's current surface, notes §C.1): `read` and
//! `list` for every entity, `schema` and `write` for every mutation (one typed, validated
//! operation registry), and `run_experiment`.

mod answer;
mod bodies;
mod budget;
mod compare;
mod compare_rows;
mod entity;
mod experiment;
mod list;
mod list_types;
mod lookup;
mod names;
mod ops;
mod ordered;
mod pager;
mod plan;
mod plan_feedback;
mod plan_library;
mod plan_traces;
mod plan_updates;
mod read;
mod registry;
mod search;
mod search_filters;
mod search_types;
mod stats;
mod stats_render;
mod table;
mod trace_read;
mod window;
mod write;
