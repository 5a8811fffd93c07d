//! A grant as the API takes it: `"all"`, or a list of permissions in the
//! manifest's shape (`[{"name": "kv"}, {"name": "http-outbound", "hosts":
//! ["127.0.0.1:4000"]}]`), as JSON (`POST /api/apps/{id}/grants`) or as
//! the text of the multipart field `permissions` (uploads).

use capsule_runtime::package::Permission;
use serde_json::Value;

use crate::apps::manager::Grant;
use crate::gateway::error::ApiError;

/// The grant `value` names; an error names what is wrong with it.
pub fn parse(value: Value) -> Result<Grant, ApiError> {
    match value {
        Value::String(text) if text == "all" => Ok(Grant::All),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(index, item)| {
                serde_json::from_value::<Permission>(item).map_err(|error| {
                    ApiError::invalid_params(format!(
                        "invalid field `permissions[{index}]`: {error}"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Grant::Only),
        other => Err(ApiError::invalid_params(format!(
            "`permissions` must be \"all\" or a list of permissions such as [{{\"name\": \"kv\"}}], not {other}"
        ))),
    }
}

/// The grant in the text of a multipart field: `all` (bare or as a JSON
/// string) or a JSON list.
pub fn parse_text(text: &str) -> Result<Grant, ApiError> {
    let text = text.trim();
    if text == "all" {
        return Ok(Grant::All);
    }
    let value = serde_json::from_str(text).map_err(|error| {
        ApiError::invalid_params(format!(
            "the field `permissions` is neither `all` nor a JSON list of permissions: {error}"
        ))
    })?;
    parse(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn all_and_lists_are_grants_and_anything_else_is_named() {
        assert!(matches!(parse(json!("all")), Ok(Grant::All)));
        assert!(matches!(parse_text(" all "), Ok(Grant::All)));
        assert!(matches!(parse_text("\"all\""), Ok(Grant::All)));
        let Ok(Grant::Only(list)) = parse_text(
            r#"[{"name": "kv"}, {"name": "http-outbound", "hosts": ["127.0.0.1:4000"]}]"#,
        ) else {
            panic!("a list is a grant");
        };
        assert_eq!(list.len(), 2);
        assert_eq!(
            list[1].hosts.as_deref(),
            Some(&["127.0.0.1:4000".to_owned()][..])
        );

        let wrong = parse(json!([{"name": "kv"}, {"nmae": "kv"}])).unwrap_err();
        assert!(
            wrong.message.contains("permissions[1]"),
            "{}",
            wrong.message
        );
        let wrong = parse(json!("some")).unwrap_err();
        assert!(wrong.message.contains("\"all\""), "{}", wrong.message);
        assert!(parse_text("{not json").is_err());
    }
}
