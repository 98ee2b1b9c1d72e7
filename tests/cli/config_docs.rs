//! docs/configuration.md cannot drift from the code:
//! - every option the real binary's `--help` (and each subcommand's) lists is documented,
//!   and every flag the document names is one the binary accepts (listed, or a hidden
//!   upstream alias clap knows);
//! - every setting key (the leaves of `Settings::default()`) has a row, and every row's key
//!   is one the config loader accepts (`deny_unknown_fields` refuses the rest);
//! - each row's environment names are exactly the generic `OPIK_MCP_<SECTION>__<KEY>` plus
//!   the upstream names `env_names` maps to that key;
//! - each default written as a TOML literal is the real default (the documented defaults,
//!   loaded as a config file, give `Settings::default()`).

use std::collections::BTreeSet;

use clap::CommandFactory;
use figment::{
    Figment,
    providers::{Format, Toml},
};
use opik_mcp::config::{Cli, Settings, env_names};

use super::bin;

const DOC: &str = include_str!("../../docs/configuration.md");

/// One row of a settings table: key, flag cell, env cell, default cell.
struct Row {
    key: String,
    flags: String,
    env: String,
    default: String,
}

/// The rows of every table whose first column is a dotted setting key.
fn rows() -> Vec<Row> {
    DOC.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim().strip_prefix('|')?.split('|').collect();
            let key = cells.first()?.trim().strip_prefix('`')?.strip_suffix('`')?;
            let is_key = key
                .chars()
                .all(|c| c.is_ascii_lowercase() || "._[]".contains(c));
            (is_key && cells.len() >= 5).then(|| Row {
                key: key.to_owned(),
                flags: cells[1].trim().to_owned(),
                env: cells[2].trim().to_owned(),
                default: cells[3].trim().to_owned(),
            })
        })
        .collect()
}

/// `--long` options in `text`.
fn long_flags(text: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("--") {
        let tail = &rest[i + 2..];
        let name: String = tail
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let starts_word = i == 0 || !rest[..i].ends_with(|c: char| c.is_ascii_alphanumeric());
        if starts_word && name.len() > 1 && name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            flags.insert(format!("--{name}"));
        }
        rest = tail;
    }
    flags
}

/// The long options the binary's help lists, over the top level and every subcommand.
fn help_flags() -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["healthcheck", "--help"],
    ] {
        let out = bin().args(args).output().expect("run --help");
        assert!(out.status.success(), "{args:?}");
        let help = String::from_utf8_lossy(&out.stdout);
        // Option lines only ("  -t, --transport <MODE>", "      --config <FILE>"): the
        // descriptions mention other flags in passing.
        for line in help.lines().filter(|l| l.trim_start().starts_with('-')) {
            flags.extend(long_flags(
                line.split("  ").find(|s| !s.is_empty()).unwrap_or(""),
            ));
        }
    }
    flags
}

/// Hidden aliases clap accepts (upstream's camelCase names and the like).
fn alias_flags() -> BTreeSet<String> {
    let cmd = Cli::command();
    let mut all = vec![cmd.clone()];
    all.extend(cmd.get_subcommands().cloned());
    all.iter()
        .flat_map(|c| c.get_arguments().cloned().collect::<Vec<_>>())
        .flat_map(|a| {
            a.get_all_aliases()
                .unwrap_or_default()
                .into_iter()
                .map(|alias| format!("--{alias}"))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_option_in_help_is_documented_and_every_documented_flag_exists() {
    let help = help_flags();
    assert!(help.len() >= 25, "help parsing found only {help:?}");
    let documented = long_flags(DOC);
    let missing: Vec<_> = help.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "in --help, not in docs/configuration.md: {missing:?}"
    );
    let aliases = alias_flags();
    let unknown: Vec<_> = documented
        .iter()
        .filter(|f| !help.contains(*f) && !aliases.contains(*f))
        .collect();
    assert!(
        unknown.is_empty(),
        "documented, but the binary has no such flag: {unknown:?}"
    );
    let undocumented_aliases: Vec<_> = aliases.difference(&documented).collect();
    assert!(
        undocumented_aliases.is_empty(),
        "aliases not documented: {undocumented_aliases:?}"
    );
}

/// Dotted paths of the leaves of `Settings::default()`, read from its pretty `Debug`
/// (4 spaces per level; a value ending in `{` opens a section).
fn setting_keys() -> BTreeSet<String> {
    let debug = format!("{:#?}", Settings::default());
    let mut path: Vec<String> = Vec::new();
    let mut keys = BTreeSet::new();
    for line in debug.lines().skip(1) {
        let indent = line.len() - line.trim_start().len();
        let Some((name, value)) = line.trim_start().split_once(": ") else {
            continue;
        };
        if !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            continue; // a map entry or a list item, not a field
        }
        path.truncate(indent / 4 - 1);
        let full = path
            .iter()
            .chain([&name.to_owned()])
            .cloned()
            .collect::<Vec<_>>()
            .join(".");
        if value.ends_with('{') && !value.starts_with('{') {
            path.push(name.to_owned());
        } else {
            keys.insert(full);
        }
    }
    keys
}

#[test]
fn every_setting_has_a_row_and_every_row_is_a_setting() {
    let keys = setting_keys();
    assert!(keys.len() >= 100, "Debug parsing found only {keys:?}");
    let rows: BTreeSet<String> = rows().into_iter().map(|r| r.key).collect();
    let missing: Vec<_> = keys.difference(&rows).collect();
    assert!(missing.is_empty(), "settings without a row: {missing:?}");
    let unknown: Vec<_> = rows
        .iter()
        .filter(|k| !k.contains("[]") && !keys.contains(*k))
        .collect();
    assert!(
        unknown.is_empty(),
        "rows that are not settings: {unknown:?}"
    );
}

#[test]
fn each_row_lists_exactly_the_environment_names_of_its_key() {
    for row in rows().iter().filter(|r| !r.key.contains("[]")) {
        let mut expected: BTreeSet<String> =
            env_names(&row.key).into_iter().map(str::to_owned).collect();
        expected.insert(format!(
            "OPIK_MCP_{}",
            row.key.to_uppercase().replace('.', "__")
        ));
        let listed: BTreeSet<String> = row
            .env
            .split(['`', ',', ' '])
            .filter(|s| s.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(str::to_owned)
            .collect();
        assert_eq!(listed, expected, "{}", row.key);
        let flags = long_flags(&row.flags);
        assert!(
            flags.is_empty() == (row.flags == "—"),
            "{}: the flag cell is `—` or names flags: {}",
            row.key,
            row.flags
        );
    }
}

#[test]
fn documented_defaults_are_the_real_defaults() {
    let mut toml = String::new();
    let mut checked = 0;
    for row in rows().iter().filter(|r| !r.key.contains("[]")) {
        // A TOML literal in backticks is checked; prose ("none", "see …") is not.
        let Some(literal) = row
            .default
            .strip_prefix('`')
            .and_then(|d| d.strip_suffix('`'))
        else {
            continue;
        };
        toml.push_str(&format!("{} = {literal}\n", row.key));
        checked += 1;
    }
    assert!(checked >= 90, "only {checked} defaults are TOML literals");
    let loaded: Settings = Figment::new()
        .merge(Toml::string(&toml))
        .extract()
        .unwrap_or_else(|e| panic!("documented defaults do not load: {e}\n{toml}"));
    assert_eq!(
        format!("{loaded:#?}"),
        format!("{:#?}", Settings::default()),
        "a documented default differs from the code's"
    );
}
