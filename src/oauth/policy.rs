//! Who may sign in and with which scopes: allowed email domains and groups, default scopes
//! plus scopes by group. Every allowed user gets all the scopes they are entitled to (MCP
//! clients copy the challenge's `scope`, usually only the read scope, into their request;
//! narrowing to it would hide every write tool from people allowed to use them).

use super::upstream::Identity;
use crate::config::BrokerSettings;

/// The scopes `id` gets, or why they may not sign in.
pub fn admit(
    b: &BrokerSettings,
    id: &Identity,
    required: &[String],
) -> Result<Vec<String>, String> {
    if !b.allowed_domains.is_empty() {
        let domain = id
            .email
            .as_deref()
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, d)| d);
        let Some(domain) = domain else {
            return Err("the sign-in provider gave no verified email address".into());
        };
        if !b
            .allowed_domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(domain))
        {
            return Err(format!("accounts of {domain} may not use this server"));
        }
    }
    if !b.allowed_groups.is_empty() && !id.groups.iter().any(|g| b.allowed_groups.contains(g)) {
        return Err("the account is in none of the groups allowed to use this server".into());
    }
    let mut scopes: Vec<String> = b.default_scopes.clone();
    for g in &id.groups {
        if let Some(extra) = b.group_scopes.get(g) {
            scopes.extend(extra.iter().cloned());
        }
    }
    scopes.sort();
    scopes.dedup();
    if let Some(missing) = required.iter().find(|r| !scopes.contains(r)) {
        return Err(format!("the account is not granted the {missing} scope"));
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(email: Option<&str>, groups: &[&str]) -> Identity {
        Identity {
            subject: "u1".into(),
            email: email.map(str::to_owned),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        }
    }

    #[test]
    fn domains_and_groups_filter_and_groups_add_scopes() {
        let mut b = BrokerSettings::default();
        let required = vec!["opik:read".to_owned()];
        b.allowed_domains = vec!["example.com".into()];
        b.allowed_groups = vec!["staff".into()];
        b.group_scopes
            .insert("admins".into(), vec!["opik:admin".into()]);
        let ok = admit(
            &b,
            &who(Some("a@EXAMPLE.com"), &["staff", "admins"]),
            &required,
        );
        assert_eq!(
            ok.expect("admitted"),
            ["opik:admin", "opik:read", "opik:write"]
        );
        assert!(admit(&b, &who(Some("a@other.com"), &["staff"]), &required).is_err());
        assert!(admit(&b, &who(None, &["staff"]), &required).is_err());
        assert!(admit(&b, &who(Some("a@example.com"), &["guests"]), &required).is_err());
    }

    #[test]
    fn a_user_without_the_required_scope_is_refused() {
        let b = BrokerSettings {
            default_scopes: vec!["opik:write".into()],
            ..BrokerSettings::default()
        };
        let err = admit(&b, &who(None, &[]), &["opik:read".to_owned()]).expect_err("refused");
        assert!(err.contains("opik:read"));
    }
}
