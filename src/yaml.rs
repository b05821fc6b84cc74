//! The one module that knows the YAML libraries. Parsing goes through
//! serde_yaml (typed, strict); positions of nodes for semantic errors come
//! from yaml-rust2's marked events. Swapping either is a change to this file.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diag::{Diagnostic, Span};

/// Position of every node by its path (`scales[0].bands[1].min`), built
/// on first use: only a file with an error pays for it.
#[derive(Debug, Default, Clone)]
pub struct Index {
    source: String,
    spans: std::sync::OnceLock<HashMap<String, Span>>,
}

impl Index {
    /// The position of the node at `path`, or of its nearest ancestor.
    pub fn span(&self, path: &str) -> Option<Span> {
        let spans = self.spans.get_or_init(|| index(&self.source));
        let mut p = path;
        loop {
            if let Some(s) = spans.get(p) {
                return Some(*s);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

/// Parse `source` into `T`, with a position index for later checks.
/// Errors are located diagnostics, never a raw serde dump.
pub fn parse<T: DeserializeOwned>(file: &str, source: &str) -> Result<(T, Index), Diagnostic> {
    if source.trim().is_empty() {
        return Err(Diagnostic::new(file, "", "the file is empty").expected("a YAML mapping"));
    }
    let value: T = serde_yaml::from_str(source).map_err(|e| from_serde(file, &e))?;
    Ok((
        value,
        Index {
            source: source.to_string(),
            spans: std::sync::OnceLock::new(),
        },
    ))
}

fn from_serde(file: &str, e: &serde_yaml::Error) -> Diagnostic {
    // serde_yaml puts "at line L column C" into the message; we print the
    // location ourselves.
    let message = strip_location(&e.to_string());
    let message = message
        .replace(
            "data did not match any variant of untagged enum",
            "unexpected form for",
        )
        .replace("invalid type: ", "wrong type: ");
    let span = e.location().map(|l| Span {
        line: l.line(),
        col: l.column(),
    });
    Diagnostic::new(file, "", message).at(span)
}

fn strip_location(msg: &str) -> String {
    let Some(i) = msg.find(" at line ") else {
        return msg.to_string();
    };
    let rest = &msg[i + " at line ".len()..];
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix(" column ").unwrap_or(rest);
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    format!("{}{rest}", &msg[..i])
}

fn index(source: &str) -> HashMap<String, Span> {
    let mut builder = IndexBuilder::default();
    let mut parser = Parser::new_from_str(source);
    // The document already parsed with serde_yaml; a failure here only
    // costs positions, never correctness.
    let _ = parser.load(&mut builder, false);
    builder.spans
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, next: usize },
}

#[derive(Default)]
struct IndexBuilder {
    stack: Vec<Frame>,
    spans: HashMap<String, Span>,
}

impl IndexBuilder {
    /// Path of the node starting now; `None` when it is a mapping key.
    fn node_path(&mut self, scalar: Option<&str>) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Map {
                key: key @ None, ..
            }) => {
                *key = Some(scalar.unwrap_or_default().to_string());
                None
            }
            Some(Frame::Map { path, key: Some(k) }) => Some(if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            }),
            Some(Frame::Seq { path, next }) => Some(format!("{path}[{next}]")),
        }
    }

    fn node_done(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Map { key, .. }) => *key = None,
            Some(Frame::Seq { next, .. }) => *next += 1,
            None => {}
        }
    }
}

impl MarkedEventReceiver for IndexBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let span = Span {
            line: mark.line(),
            col: mark.col() + 1,
        };
        match ev {
            Event::Scalar(value, ..) => {
                if let Some(path) = self.node_path(Some(&value)) {
                    self.spans.entry(path).or_insert(span);
                    self.node_done();
                }
            }
            Event::Alias(_) => {
                if let Some(path) = self.node_path(None) {
                    self.spans.entry(path).or_insert(span);
                    self.node_done();
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let path = self.node_path(None).unwrap_or_default();
                self.spans.entry(path.clone()).or_insert(span);
                self.stack.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map { path, key: None }
                } else {
                    Frame::Seq { path, next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.node_done();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        id: String,
        scales: Vec<Scale>,
    }
    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Scale {
        id: String,
        items: Vec<String>,
    }

    const SRC: &str = "id: x\nscales:\n  - id: s\n    items: [a, b]\n  - {id: t, items: [c]}\n";

    #[test]
    fn positions_of_nested_nodes() {
        let (_d, idx): (Doc, _) = parse("f", SRC).unwrap();
        assert_eq!(idx.span("id"), Some(Span { line: 1, col: 5 }));
        assert_eq!(idx.span("scales[0].id"), Some(Span { line: 3, col: 9 }));
        assert_eq!(
            idx.span("scales[0].items[1]"),
            Some(Span { line: 4, col: 16 })
        );
        assert_eq!(
            idx.span("scales[1].items[0]"),
            Some(Span { line: 5, col: 21 })
        );
        // unknown paths fall back to the nearest ancestor
        assert_eq!(idx.span("scales[1].bands[3]"), idx.span("scales[1]"));
    }

    #[test]
    fn unknown_key_is_located_without_serde_suffix() {
        let err = parse::<Doc>("f.yaml", "id: x\nscales: []\ncolour: red\n").unwrap_err();
        assert!(
            err.message.starts_with("unknown field `colour`, expected"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("at line"));
        assert_eq!(err.span.map(|s| s.line), Some(3));
    }

    #[test]
    fn location_is_cut_from_the_middle() {
        assert_eq!(
            strip_location("did not find ',' at line 15 column 5, while parsing"),
            "did not find ',', while parsing"
        );
        assert_eq!(strip_location("x at line 3 column 1"), "x");
    }

    #[test]
    fn empty_file() {
        let err = parse::<Doc>("f.yaml", "  \n").unwrap_err();
        assert_eq!(err.message, "the file is empty");
    }
}
