//! The spec is the one place the wire is written: no hand-written Rust file spells an
//! operationId (nor the generated method name made from it) or an item action key as a string
//! literal. Code names them through the generated wire table (`vbo365::Operation`, the action
//! keys) or reads them from the spec.
//!
//! Files are lexed, not parsed, so that the strings inside macros (`format!`, `json!`) are
//! seen too; doc comments are prose and may name the wire.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use serde_json::Value;

use crate::spec::Spec;

/// The hand-written trees that the rule covers.
const TREES: [&str; 4] = ["src", "crates", "xtask/src", "build.rs"];

/// The words of the wire: every operationId, its snake-case method name, every action key.
pub fn wire_words(spec: &Spec) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for op in spec.operations() {
        if let Some(id) = op.id {
            words.insert(id.to_string());
            words.insert(snake_case(id));
        }
    }
    let actions = spec
        .at("/components/schemas/MailboxItemAction/oneOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for variant in actions {
        let variant = spec.resolve(variant);
        for key in variant
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            words.insert(key.0.clone());
        }
    }
    words
}

fn snake_case(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Every string literal of the covered files that contains a wire word, as
/// `file:line: "literal" spells word`.
pub fn findings(root: &Path, words: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for file in rust_files(root) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let shown = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let tokens: TokenStream = match text.parse() {
            Ok(tokens) => tokens,
            Err(e) => {
                out.push(format!("{shown}: cannot be lexed: {e}"));
                continue;
            }
        };
        let mut cursor = 0;
        literals(tokens, &mut |source, value| {
            // Tokens come in source order: the literal's own text, searched onwards from the
            // last one, gives its line (proc-macro2's span locations would change its build
            // for every proc macro of the workspace).
            let at = match text[cursor..].find(source) {
                Some(i) => {
                    cursor += i + source.len();
                    cursor - source.len()
                }
                None => cursor,
            };
            let line = text[..at].matches('\n').count() + 1;
            for word in value.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if words.contains(word) {
                    out.push(format!("{shown}:{line}: {value:?} spells `{word}`"));
                }
            }
        });
    }
    out
}

/// Calls `found` with the source text and value of every string literal outside doc attributes and
/// outside items marked `#[cfg(test)]`: tests pin the wire on purpose, with the exact bytes.
fn literals(tokens: TokenStream, found: &mut impl FnMut(&str, &str)) {
    let mut previous_was_pound = false;
    let mut skipping_test_item = false;
    for token in tokens {
        match &token {
            TokenTree::Group(group)
                if previous_was_pound && group.delimiter() == Delimiter::Bracket =>
            {
                let text = group.stream().to_string().replace(' ', "");
                if text == "cfg(test)" || text.starts_with("cfg(all(test") {
                    skipping_test_item = true;
                } else if !text.starts_with("doc") {
                    literals(group.stream(), found);
                }
            }
            TokenTree::Group(group)
                if skipping_test_item && group.delimiter() == Delimiter::Brace =>
            {
                skipping_test_item = false;
            }
            TokenTree::Punct(p) if skipping_test_item && p.as_char() == ';' => {
                skipping_test_item = false;
            }
            _ if skipping_test_item => {}
            TokenTree::Group(group) => literals(group.stream(), found),
            TokenTree::Literal(literal) => {
                let source = literal.to_string();
                if let Ok(syn::Lit::Str(text)) = syn::parse_str::<syn::Lit>(&source) {
                    found(&source, &text.value());
                }
            }
            _ => {}
        }
        previous_was_pound = matches!(&token, TokenTree::Punct(p) if p.as_char() == '#')
            || (previous_was_pound && matches!(&token, TokenTree::Punct(p) if p.as_char() == '!'));
    }
}

fn rust_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending: Vec<PathBuf> = TREES.iter().map(|t| root.join(t)).collect();
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            for entry in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                pending.push(entry.path());
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            // Test modules in files of their own, and this rule's own file (test-only).
            && !path.ends_with("tests.rs")
            && !path.ends_with("xtask/src/wire_literals.rs")
        {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    #[test]
    fn no_hand_written_file_spells_the_wire() {
        let spec =
            Spec::parse(&std::fs::read_to_string(root().join("openapi/vbo-v4.yaml")).unwrap())
                .unwrap();
        let words = wire_words(&spec);
        let findings = findings(&root(), &words);
        assert!(
            findings.is_empty(),
            "wire names written by hand (use the generated wire table or read the spec):\n  {}",
            findings.join("\n  ")
        );
    }

    #[test]
    fn the_rule_sees_the_wire_in_literals_and_macros_but_not_in_doc_comments() {
        let spec =
            Spec::parse(&std::fs::read_to_string(root().join("openapi/vbo-v4.yaml")).unwrap())
                .unwrap();
        let words = wire_words(&spec);
        for word in [
            "createToken",
            "create_token",
            "performMailboxItemAction",
            "exportToPst",
            "restoretoOriginallocation",
            "savetoMsg",
        ] {
            assert!(words.contains(word), "{word} in {words:?}");
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("src/a.rs"),
            "/// `exportToPst` is prose.\n//! so is `savetoMsg`\nconst A: &str = \"x\";\n\
             fn f() { let _ = format!(\"{}.mailbox\", \"restoreTo\"); }\n\
             #[doc = \"listMailboxes\"] fn g() { json!({\"savetoMsg\": null}); }\n\
             const B: &str = r#\"create_token\"#;\n\
             #[cfg(test)]\nmod tests { const C: &str = \"savetoMsg\"; }\n\
             #[cfg(test)]\nconst D: &str = \"savetoMsg\";\nconst E: &str = \"restoreTo\";\n",
        )
        .unwrap();
        let found = findings(dir.path(), &words);
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].starts_with("src/a.rs:4:") && found[0].ends_with("`restoreTo`"));
        assert!(found[1].contains("`savetoMsg`"));
        assert!(found[2].starts_with("src/a.rs:6:"));
        // After the test-only items, the rule applies again.
        assert!(found[3].starts_with("src/a.rs:11:"), "{found:?}");
    }
}
