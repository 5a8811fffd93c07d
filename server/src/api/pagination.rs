//! `offset`, `count`, `sort` and `query` as Rocket.Chat's list endpoints
//! take them, and the `count` / `offset` / `total` they answer with.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::gateway::error::ApiError;
use crate::settings::Settings;
use crate::store::{Page, Paged, Sort};

/// The pagination parameters of a list request.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct PageParams {
    pub offset: Option<u64>,
    pub count: Option<u64>,
    /// JSON object of field to 1 (ascending) or -1 (descending).
    pub sort: Option<String>,
    /// JSON object of field to a string or `{"$regex": ...}`.
    pub query: Option<String>,
}

/// A parsed `query`: the fields a list may filter by, each with the text to
/// look for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryFilter(pub Vec<(String, String)>);

impl QueryFilter {
    /// The text given for `field`.
    pub fn text(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, t)| t.clone())
    }
}

impl PageParams {
    /// The page to read, with `count` defaulted and capped by the
    /// `API_*_Count` settings and `sort` limited to `sortable` fields.
    pub fn page(&self, settings: &Settings, sortable: &[&str]) -> Result<Page, ApiError> {
        let default = settings.int("API_Default_Count").max(1) as u64;
        let upper = settings.int("API_Upper_Count_Limit").max(1) as u64;
        let count = match self.count {
            None => default,
            Some(0) if settings.flag("API_Allow_Infinite_Count") => 0,
            Some(0) => upper,
            Some(n) => n.min(upper),
        };
        let sort = match &self.sort {
            None => Vec::new(),
            Some(text) => parse_sort(text, sortable)?,
        };
        Ok(Page {
            offset: self.offset.unwrap_or(0),
            count,
            sort,
        })
    }

    /// The `query` filter, limited to `filterable` fields.
    pub fn filter(&self, filterable: &[&str]) -> Result<QueryFilter, ApiError> {
        match &self.query {
            None => Ok(QueryFilter::default()),
            Some(text) => parse_query(text, filterable),
        }
    }
}

/// A JSON object's entries in the order they were written (a `sort` of
/// several keys means its first key first).
struct Entries(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

fn parse_object(text: &str, what: &str) -> Result<Vec<(String, Value)>, ApiError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(_)) => {}
        Ok(_) => {
            return Err(ApiError::invalid_params(format!(
                "`{what}` must be a JSON object"
            )));
        }
        Err(e) => {
            return Err(ApiError::invalid_params(format!(
                "`{what}` is not valid JSON: {e}"
            )));
        }
    }
    serde_json::from_str::<Entries>(text)
        .map(|entries| entries.0)
        .map_err(|e| ApiError::invalid_params(format!("`{what}` is not valid JSON: {e}")))
}

fn parse_sort(text: &str, sortable: &[&str]) -> Result<Vec<Sort>, ApiError> {
    let mut keys = Vec::new();
    for (field, direction) in parse_object(text, "sort")? {
        if !sortable.contains(&field.as_str()) {
            return Err(ApiError::invalid_params(format!(
                "cannot sort by `{field}`; this list sorts by {}",
                sortable.join(", ")
            )));
        }
        let descending = match direction.as_i64() {
            Some(1) => false,
            Some(-1) => true,
            _ => {
                return Err(ApiError::invalid_params(format!(
                    "sort direction of `{field}` must be 1 or -1"
                )));
            }
        };
        keys.push(Sort { field, descending });
    }
    Ok(keys)
}

fn parse_query(text: &str, filterable: &[&str]) -> Result<QueryFilter, ApiError> {
    let mut fields = Vec::new();
    for (field, condition) in parse_object(text, "query")? {
        if !filterable.contains(&field.as_str()) {
            return Err(ApiError::invalid_params(format!(
                "cannot filter by `{field}`; this list filters by {}",
                if filterable.is_empty() {
                    "nothing".to_owned()
                } else {
                    filterable.join(", ")
                }
            )));
        }
        let text = match &condition {
            Value::String(s) => s.clone(),
            Value::Object(op) => match op.get("$regex").and_then(Value::as_str) {
                Some(pattern) => literal_of(pattern),
                None => {
                    return Err(ApiError::invalid_params(format!(
                        "`query.{field}` supports a string or {{\"$regex\": ...}}"
                    )));
                }
            },
            _ => {
                return Err(ApiError::invalid_params(format!(
                    "`query.{field}` must be a string or {{\"$regex\": ...}}"
                )));
            }
        };
        fields.push((field, text));
    }
    Ok(QueryFilter(fields))
}

/// The literal text a simple regular expression looks for: clients send
/// escaped substrings (`ad\.a`), which stores match as plain text.
fn literal_of(pattern: &str) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for c in pattern
        .trim_start_matches('^')
        .trim_end_matches('$')
        .chars()
    {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    out
}

/// The answer of a list: the items under `key` with `count`, `offset` and
/// `total`.
pub fn listing(key: &str, paged: Paged<Value>, page: &Page) -> Value {
    json!({
        key: paged.items.clone(),
        "count": paged.items.len(),
        "offset": page.offset,
        "total": paged.total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keeps_the_order_of_its_keys() {
        let keys = parse_sort(r#"{"ts": -1, "name": 1}"#, &["name", "ts"]).unwrap();
        assert_eq!(keys[0].field, "ts");
        assert!(keys[0].descending);
        assert!(!keys[1].descending);
    }

    #[test]
    fn unknown_fields_are_named_in_the_error() {
        let error = parse_sort(r#"{"password": 1}"#, &["name"]).unwrap_err();
        assert!(error.message.contains("password"), "{}", error.message);
        let error = parse_query(r#"{"$where": "1"}"#, &["name"]).unwrap_err();
        assert!(error.message.contains("$where"), "{}", error.message);
    }

    #[test]
    fn regex_queries_become_substrings() {
        let filter = parse_query(r#"{"name": {"$regex": "ad\\.a"}}"#, &["name"]).unwrap();
        assert_eq!(filter.text("name").as_deref(), Some("ad.a"));
    }
}
