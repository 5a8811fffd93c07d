//! The files `capsule-app new` writes.

/// A template and where it goes in the new app.
pub struct Template {
    pub path: &'static str,
    pub text: &'static str,
}

/// Every file of a new app.
pub const FILES: &[Template] = &[
    Template {
        path: "Cargo.toml",
        text: include_str!("../templates/Cargo.toml.tmpl"),
    },
    Template {
        path: "manifest.json",
        text: include_str!("../templates/manifest.json.tmpl"),
    },
    Template {
        path: "src/lib.rs",
        text: include_str!("../templates/lib.rs.tmpl"),
    },
    Template {
        path: "tests/app.rs",
        text: include_str!("../templates/app_test.rs.tmpl"),
    },
    Template {
        path: "README.md",
        text: include_str!("../templates/README.md.tmpl"),
    },
    Template {
        path: ".gitignore",
        text: include_str!("../templates/gitignore.tmpl"),
    },
];

/// Fills `{{key}}` placeholders.
pub fn render(text: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text.to_string(), |out, (key, value)| {
        out.replace(&format!("{{{{{key}}}}}"), value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_everywhere() {
        assert_eq!(
            render("{{a}}-{{b}}-{{a}}", &[("a", "x"), ("b", "y")]),
            "x-y-x"
        );
    }

    #[test]
    fn every_template_uses_only_known_placeholders() {
        for t in FILES {
            let rendered = render(
                t.text,
                &[
                    ("name", "n"),
                    ("sdk", "s"),
                    ("testkit", "t"),
                    ("author", "a"),
                ],
            );
            assert!(
                !rendered.contains("{{"),
                "{} has an unknown placeholder",
                t.path
            );
        }
    }
}
