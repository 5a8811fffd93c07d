//! The one reader of a component's top-level import and export names,
//! used by the server when an admin grants and by the runtime's loader.
//! It reads names only (no validation, no compilation); call it on a
//! verified package's component.

use std::collections::BTreeSet;

use capsule_contract::Capability;
use wasmparser::{Chunk, Parser, Payload};

/// The names a component imports and exports at its top level, as written
/// (`capsule:apps/kv@0.1.0`, `wasi:cli/stdout@0.2.0`, ...), in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComponentInterfaces {
    /// Import names.
    pub imports: Vec<String>,
    /// Export names.
    pub exports: Vec<String>,
}

impl ComponentInterfaces {
    /// The capabilities among the imports (contract interfaces that are
    /// not capabilities, such as `types`, and non-contract names are left
    /// out).
    pub fn capabilities(&self) -> BTreeSet<Capability> {
        self.imports
            .iter()
            .filter_map(|name| Capability::from_import(name))
            .collect()
    }
}

/// The component could not be read.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[error("the component cannot be read: {0}")]
pub struct InspectError(String);

/// Reads the top-level import and export names of the component in
/// `wasm`. Nested modules and components are skipped unread, so this costs
/// little however large the component is.
pub fn inspect_component(wasm: &[u8]) -> Result<ComponentInterfaces, InspectError> {
    let mut found = ComponentInterfaces::default();
    let mut parser = Parser::new(0);
    let mut offset = 0usize;
    loop {
        let rest = wasm
            .get(offset..)
            .ok_or_else(|| InspectError("a nested section runs past the end".into()))?;
        let (consumed, payload) = match parser.parse(rest, true) {
            Ok(Chunk::Parsed { consumed, payload }) => (consumed, payload),
            Ok(Chunk::NeedMoreData(_)) => {
                return Err(InspectError("the component is truncated".into()));
            }
            Err(e) => return Err(InspectError(e.to_string())),
        };
        offset += consumed;
        match payload {
            // The outer parser has already counted the nested bytes; step
            // over them rather than parse them.
            Payload::ModuleSection {
                unchecked_range, ..
            }
            | Payload::ComponentSection {
                unchecked_range, ..
            } => offset = unchecked_range.end,
            Payload::ComponentImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(|e| InspectError(e.to_string()))?;
                    found.imports.push(import.name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(|e| InspectError(e.to_string()))?;
                    found.exports.push(export.name.name.to_owned());
                }
            }
            Payload::End(_) => return Ok(found),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_webassembly_cannot_be_read() {
        let error = inspect_component(b"hello").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("the component cannot be read")
        );
        assert!(inspect_component(&[0, b'a', b's', b'm', 0x0d, 0, 1]).is_err());
    }

    #[test]
    fn an_empty_component_has_no_interfaces() {
        let empty = [0, b'a', b's', b'm', 0x0d, 0, 1, 0];
        assert_eq!(
            inspect_component(&empty).unwrap(),
            ComponentInterfaces::default()
        );
    }

    #[test]
    fn capabilities_are_the_contract_imports_that_name_one() {
        let interfaces = ComponentInterfaces {
            imports: vec![
                "wasi:cli/stdout@0.2.0".into(),
                "capsule:apps/types@0.1.1".into(),
                "capsule:apps/kv@0.1.1".into(),
                "capsule:apps/logging@0.1.1".into(),
            ],
            exports: vec!["capsule:apps/lifecycle@0.1.1".into()],
        };
        assert_eq!(
            interfaces.capabilities(),
            BTreeSet::from([Capability::Kv, Capability::Logging])
        );
    }
}
