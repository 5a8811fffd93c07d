//! What `deploy` grants: `--grant all`, `--grant NAME,NAME`, or the
//! admin's answer on a terminal. Nothing is granted that nobody approved.

use serde_json::{Value, json};

use super::view::Permission;

/// The `--grant` flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantChoice {
    /// Everything the app asks for.
    All,
    /// Only the permissions with these names (each as the app asks for it:
    /// the hosts and rooms it names).
    Only(Vec<String>),
}

/// Parses `--grant`: `all`, or permission names separated by commas
/// (`none` or an empty value for none at all).
pub fn parse_choice(text: &str) -> Result<GrantChoice, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("all") {
        return Ok(GrantChoice::All);
    }
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Ok(GrantChoice::Only(Vec::new()));
    }
    let names: Vec<String> = text.split(',').map(|n| n.trim().to_string()).collect();
    if let Some(bad) = names.iter().find(|n| {
        n.is_empty()
            || !n
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }) {
        return Err(format!(
            "`{bad}` is not a permission name: give `all` or names such as `kv,http-outbound`"
        ));
    }
    Ok(GrantChoice::Only(names))
}

/// How the grant will be decided, worked out before anything is uploaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantPlan {
    /// `--grant` decides.
    Given(GrantChoice),
    /// `--yes` without `--grant`: everything asked for.
    Approved,
    /// Ask on the terminal.
    Ask,
}

/// Whether `deploy` can decide a grant: with `--grant` or `--yes`, or by
/// asking when stdin is a terminal. A script that gave neither is refused,
/// so that nothing is granted silently.
pub fn plan(choice: Option<GrantChoice>, yes: bool, terminal: bool) -> Result<GrantPlan, String> {
    match (choice, yes, terminal) {
        (Some(choice), _, _) => Ok(GrantPlan::Given(choice)),
        (None, true, _) => Ok(GrantPlan::Approved),
        (None, false, true) => Ok(GrantPlan::Ask),
        (None, false, false) => Err(
            "no terminal to ask on for the permissions to grant: pass `--grant all`, \
             `--grant NAME,NAME` or `--yes`"
                .to_string(),
        ),
    }
}

/// The `permissions` value of a grant request for `choice`, given what the
/// app asks for; names the app does not ask for are refused here, with the
/// list of what it does ask for.
pub fn grant_body(choice: &GrantChoice, requested: &[Permission]) -> Result<Value, String> {
    match choice {
        GrantChoice::All => Ok(json!("all")),
        GrantChoice::Only(names) => {
            if let Some(unknown) = names
                .iter()
                .find(|n| !requested.iter().any(|p| &p.name == *n))
            {
                return Err(format!(
                    "the app does not ask for `{unknown}`; it asks for: {}",
                    names_of(requested)
                ));
            }
            let chosen: Vec<&Permission> = requested
                .iter()
                .filter(|p| names.contains(&p.name))
                .collect();
            Ok(json!(chosen))
        }
    }
}

/// The permissions, one per line, for a review; those the component
/// imports (`required`) are marked, since a grant must include them.
pub fn review(requested: &[Permission], required: &[String]) -> String {
    if requested.is_empty() {
        return "  (no permissions)".to_string();
    }
    requested
        .iter()
        .map(|p| {
            let mark = if required.contains(&p.name) {
                " [used by the component: required]"
            } else {
                ""
            };
            format!("  - {p}{mark}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether an answer to the terminal's question is a yes.
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

fn names_of(requested: &[Permission]) -> String {
    if requested.is_empty() {
        "nothing".to_string()
    } else {
        requested
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perm(name: &str, hosts: Option<&[&str]>) -> Permission {
        Permission {
            name: name.into(),
            hosts: hosts.map(|h| h.iter().map(|s| s.to_string()).collect()),
            rooms: None,
        }
    }

    #[test]
    fn grant_flag_takes_all_or_names() {
        assert_eq!(parse_choice("all"), Ok(GrantChoice::All));
        assert_eq!(
            parse_choice("kv, http-outbound"),
            Ok(GrantChoice::Only(vec!["kv".into(), "http-outbound".into()]))
        );
        assert_eq!(parse_choice("none"), Ok(GrantChoice::Only(vec![])));
        assert!(parse_choice("kv,,x").unwrap_err().contains("``"));
        assert!(parse_choice("KV!").unwrap_err().contains("`KV!`"));
    }

    #[test]
    fn a_script_without_grant_or_yes_is_refused_before_uploading() {
        assert!(
            plan(None, false, false)
                .unwrap_err()
                .contains("--grant all")
        );
        assert_eq!(plan(None, false, true), Ok(GrantPlan::Ask));
        assert_eq!(plan(None, true, false), Ok(GrantPlan::Approved));
        assert_eq!(
            plan(Some(GrantChoice::All), false, false),
            Ok(GrantPlan::Given(GrantChoice::All))
        );
    }

    #[test]
    fn named_grants_keep_the_hosts_the_app_asks_for() {
        let requested = [perm("kv", None), perm("http-outbound", Some(&["x.org"]))];

        let body = grant_body(&GrantChoice::Only(vec!["http-outbound".into()]), &requested);

        assert_eq!(
            body,
            Ok(json!([{"name": "http-outbound", "hosts": ["x.org"]}]))
        );
        assert_eq!(grant_body(&GrantChoice::All, &requested), Ok(json!("all")));
    }

    #[test]
    fn a_name_the_app_does_not_ask_for_is_refused_with_what_it_asks_for() {
        let requested = [perm("kv", None)];

        let err = grant_body(&GrantChoice::Only(vec!["message-write".into()]), &requested);

        assert_eq!(
            err,
            Err("the app does not ask for `message-write`; it asks for: kv".into())
        );
    }

    #[test]
    fn the_review_lists_each_permission_with_its_hosts() {
        assert_eq!(review(&[], &[]), "  (no permissions)");
        assert_eq!(
            review(
                &[perm("kv", None), perm("http-outbound", Some(&["a:1", "b"]))],
                &["http-outbound".into()]
            ),
            "  - kv\n  - http-outbound (hosts: a:1, b) [used by the component: required]"
        );
        assert!(is_yes(" Y\n") && is_yes("yes") && !is_yes("") && !is_yes("n"));
    }
}
