//! The one module that knows the YAML libraries. Parsing goes through
//! serde_yaml (typed, strict); positions of nodes for semantic errors come
//! from yaml-rust2's marked events. Swapping either is a change to this file.

use std::collections::HashMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, ScanError};

use crate::capped::{read_capped, CONFIG_LIMIT};
use crate::diag::Reported;
use crate::diag::{Diagnostic, Span};
use crate::messages::{pick, tr};
use crate::printable::printable_line;

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

/// Read one configuration file (instrument, policy, map) for [`parse`]:
/// at most [`CONFIG_LIMIT`] bytes, UTF-8 (a bad byte is a located error),
/// a leading byte-order mark dropped. Errors name the file; located ones
/// come rendered (`Reported`).
pub fn read_config(path: &Path, what: &str) -> anyhow::Result<String> {
    let bytes = read_capped(path, what, CONFIG_LIMIT)?;
    let name = path.display().to_string();
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with(BOM) {
                text.drain(..BOM.len_utf8());
            }
            Ok(text)
        }
        Err(e) => {
            let bytes = e.as_bytes();
            let valid = e.utf8_error().valid_up_to();
            let before = String::from_utf8_lossy(&bytes[..valid]);
            let before = before.strip_prefix(BOM).unwrap_or(&before);
            let shown = String::from_utf8_lossy(bytes);
            let shown = shown.strip_prefix(BOM).unwrap_or(&shown);
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            let byte = bytes[valid];
            let d = Diagnostic::new(
                &name,
                "",
                tr!(
                    "the file is not UTF-8 (byte 0x{byte:02X} cannot be read)",
                    "文件不是 UTF-8 编码（字节 0x{byte:02X} 无法读取）"
                ),
            )
            .at(Some(Span { line, col }))
            .expected(pick(
                "a UTF-8 text file (save it as UTF-8)",
                "UTF-8 文本文件（请另存为 UTF-8）",
            ));
            Err(Reported(d.render(shown)).into())
        }
    }
}

const BOM: char = '\u{feff}';

/// Parse `source` into `T`, with a position index for later checks.
/// Errors are located diagnostics, never a raw serde dump; every
/// duplicate key is one of them.
pub fn parse<T: DeserializeOwned>(file: &str, source: &str) -> Result<(T, Index), Vec<Diagnostic>> {
    let source = source.strip_prefix(BOM).unwrap_or(source);
    if source.trim().is_empty() {
        return Err(vec![empty(file)]);
    }
    let unchecked = check_structure(file, source)?;
    let parsed = parse_shipped(file, source)?;
    match unchecked {
        Some(d) => Err(vec![d]),
        None => Ok(parsed),
    }
}

/// `parse` without the structure check, for a document shipped inside
/// the binary (a built-in instrument): its structure is checked by a test
/// (`shipped_documents_pass_the_structure_check`), not on every run,
/// where the second parser cost a third of start-up.
pub fn parse_shipped<T: DeserializeOwned>(
    file: &str,
    source: &str,
) -> Result<(T, Index), Vec<Diagnostic>> {
    let value: T = serde_yaml::from_str(source).map_err(|e| vec![from_serde(file, &e)])?;
    Ok((
        value,
        Index {
            source: source.to_string(),
            spans: std::sync::OnceLock::new(),
        },
    ))
}

fn empty(file: &str) -> Diagnostic {
    Diagnostic::new(file, "", pick("the file is empty", "文件是空的"))
        .expected(pick("a YAML mapping", "YAML 映射（键: 值）"))
}

/// What serde_yaml lets through or reports without a place: a key given
/// twice in one mapping (serde keeps the last one silently in a map, so a
/// repeated label in a map file lowered a risk), a second document, a file
/// of comments only. One pass over yaml-rust2's marked events. When that
/// parser gives up, serde_yaml's own error follows; should serde_yaml
/// read what yaml-rust2 could not, the file is refused all the same (the
/// `Ok(Some)`): it could not be checked for repeated keys.
pub(crate) fn check_structure(
    file: &str,
    source: &str,
) -> Result<Option<Diagnostic>, Vec<Diagnostic>> {
    let mut check = StructureCheck::default();
    let mut unchecked = None;
    let too_deep = match events(source, &mut check, |c| c.stack.len() > MAX_DEPTH) {
        Ok(stopped) => stopped,
        // yaml-rust2 looks ahead through flow nesting for a key and gives
        // up at its own limit before any event: the same problem
        Err(e) if e.info().contains("recursion limit") => Some(Span {
            line: e.marker().line(),
            col: e.marker().col() + 1,
        }),
        Err(e) => {
            unchecked = Some(
                Diagnostic::new(
                    file,
                    "",
                    tr!(
                        "the file could not be checked for repeated keys: {}",
                        "无法检查文件中是否有重复的键：{}",
                        e.info()
                    ),
                )
                .at(Some(Span {
                    line: e.marker().line(),
                    col: e.marker().col() + 1,
                }))
                .expected(pick(
                    "plain YAML (block mappings and lists, quoted strings)",
                    "普通的 YAML（块状映射和列表、加引号的字符串）",
                )),
            );
            None
        }
    };
    if let Some(at) = too_deep {
        return Err(vec![Diagnostic::new(
            file,
            "",
            tr!(
                "the file nests mappings and lists more than {MAX_DEPTH} levels deep",
                "文件中映射和列表的嵌套超过 {MAX_DEPTH} 层"
            ),
        )
        .at(Some(at))
        .expected(pick(
            "a flatter file (instruments and policies need a few levels)",
            "层次更少的文件（量表和策略只需几层）",
        ))]);
    }
    let mut errs = Vec::new();
    if check.documents.is_empty() && check.finished {
        errs.push(empty(file));
    }
    if let Some(&second) = check.documents.get(1) {
        errs.push(
            Diagnostic::new(
                file,
                "",
                pick(
                    "the file holds more than one YAML document: a second one starts here",
                    "文件包含不止一个 YAML 文档：第二个从这里开始",
                ),
            )
            .at(Some(second))
            .expected(pick(
                "one document per file (remove this `---` and what follows, or put it in its own file)",
                "每个文件一个文档（删除这里的 `---` 及其后的内容，或把它们放进单独的文件）",
            )),
        );
    }
    let unshown = check.repeated - check.duplicates.len();
    for dup in check.duplicates {
        let within = match (dup.path.is_empty(), crate::messages::lang()) {
            (true, _) => String::new(),
            (false, crate::messages::Lang::En) => format!(" in `{}`", dup.path),
            (false, crate::messages::Lang::Zh) => format!("（在 `{}` 中）", dup.path),
        };
        let key = printable_line(&shorten(&dup.key)).into_owned();
        let (line, col) = (dup.first.line, dup.first.col);
        errs.push(
            Diagnostic::new(
                file,
                "",
                tr!(
                    "duplicate key `{key}`{within} (first at line {line}, column {col})",
                    "键 `{key}` 重复{within}（第一次在第 {line} 行第 {col} 列）"
                ),
            )
            .at(Some(dup.again))
            .expected(pick(
                "each key once: a repeated key would silently replace the first",
                "每个键只写一次：重复的键会悄悄替换第一个",
            )),
        );
    }
    if unshown > 0 {
        errs.push(Diagnostic::new(
            file,
            "",
            tr!(
                "{unshown} more duplicate key(s), not shown",
                "还有 {unshown} 个重复的键未显示"
            ),
        ));
    }
    if errs.is_empty() {
        Ok(unchecked)
    } else {
        Err(errs)
    }
}

/// A key as quoted in a message: at most 60 characters.
fn shorten(key: &str) -> String {
    match key.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &key[..cut]),
        None => key.to_string(),
    }
}

struct Duplicate {
    key: String,
    /// The mapping that holds the key (`values`, `scales[0]`).
    path: String,
    first: Span,
    again: Span,
}

/// One open mapping or sequence. Frames hold no path: a path is built
/// from the stack only for a duplicate, so deep nesting stays linear.
enum CheckFrame {
    Map {
        /// Keys seen so far, with where each was first given.
        keys: HashMap<String, Span>,
        /// The key whose value comes next; `None` while a key is awaited.
        key: Option<String>,
    },
    Seq {
        next: usize,
    },
}

#[derive(Default)]
struct StructureCheck {
    stack: Vec<CheckFrame>,
    documents: Vec<Span>,
    duplicates: Vec<Duplicate>,
    /// Every repeated key, kept or not.
    repeated: usize,
    finished: bool,
}

/// Duplicates reported with their place; any more are counted in one
/// last message (a hostile file can repeat a key millions of times).
const MAX_DUPLICATES: usize = 20;

/// Deeper nesting is refused before serde_yaml sees the file: serde_yaml
/// (and yaml-rust2) stop at 128 levels anyway, and libyaml spends
/// quadratic time on deep flow nesting (`[[[[...`) before it gets there.
const MAX_DEPTH: usize = 100;

/// Feed the events of `source` to `receiver` one by one, until the end,
/// a syntax error or `stop` says so; returns where it stopped early.
/// yaml-rust2's `Parser::load` recurses once per level and overflows the
/// stack on `- - - - ...`: this loop does not.
fn events<R: MarkedEventReceiver>(
    source: &str,
    receiver: &mut R,
    stop: impl Fn(&R) -> bool,
) -> Result<Option<Span>, ScanError> {
    let mut parser = Parser::new_from_str(source);
    loop {
        let (event, mark) = parser.next_token()?;
        let end = event == Event::StreamEnd;
        receiver.on_event(event, mark);
        if end {
            return Ok(None);
        }
        if stop(receiver) {
            return Ok(Some(Span {
                line: mark.line(),
                col: mark.col() + 1,
            }));
        }
    }
}

/// Stands for a key that is not compared: an alias or a complex key
/// (serde rejects those as keys anyway).
const UNCOMPARED: &str = "\u{0}";

impl StructureCheck {
    /// The path of the innermost open mapping or sequence
    /// (`scales[0].bands`).
    fn path(&self) -> String {
        let mut path = String::new();
        let parents = self.stack.len().saturating_sub(1);
        for frame in &self.stack[..parents] {
            match frame {
                CheckFrame::Map { key: Some(k), .. } => {
                    path = join(&path, k);
                }
                // inside a complex key: no path to give
                CheckFrame::Map { key: None, .. } => {}
                CheckFrame::Seq { next } => path.push_str(&format!("[{next}]")),
            }
        }
        path
    }

    /// A node ended at `at`; `scalar` is its text when it was a scalar.
    /// In a mapping that awaits a key, the node was that key.
    fn done(&mut self, scalar: Option<String>, at: Span) {
        let mut repeated = None;
        match self.stack.last_mut() {
            Some(CheckFrame::Map {
                keys,
                key: expecting @ None,
            }) => {
                let k = scalar.unwrap_or_else(|| UNCOMPARED.to_string());
                if k != UNCOMPARED {
                    match keys.get(&k) {
                        Some(&first) => repeated = Some((k.clone(), first)),
                        None => {
                            keys.insert(k.clone(), at);
                        }
                    }
                }
                *expecting = Some(k);
            }
            Some(CheckFrame::Map { key, .. }) => *key = None,
            Some(CheckFrame::Seq { next }) => *next += 1,
            None => {}
        }
        if let Some((key, first)) = repeated {
            self.repeated += 1;
            if self.duplicates.len() < MAX_DUPLICATES {
                let path = self.path();
                self.duplicates.push(Duplicate {
                    key,
                    path,
                    first,
                    again: at,
                });
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl MarkedEventReceiver for StructureCheck {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let at = Span {
            line: mark.line(),
            col: mark.col() + 1,
        };
        match ev {
            Event::DocumentStart => self.documents.push(at),
            Event::StreamEnd => self.finished = true,
            Event::Scalar(value, ..) => self.done(Some(value), at),
            // aliases and complex keys are not compared
            Event::Alias(_) => self.done(None, at),
            Event::MappingStart(..) => self.stack.push(CheckFrame::Map {
                keys: HashMap::new(),
                key: None,
            }),
            Event::SequenceStart(..) => self.stack.push(CheckFrame::Seq { next: 0 }),
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.done(None, at);
            }
            _ => {}
        }
    }
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
    let message = match crate::messages::lang() {
        crate::messages::Lang::En => message,
        crate::messages::Lang::Zh => serde_in_chinese(&message),
    };
    let span = e.location().map(|l| Span {
        line: l.line(),
        col: l.column(),
    });
    Diagnostic::new(file, "", message).at(span)
}

/// serde_yaml's and yaml-rust2's wording, phrase by phrase; names, types
/// and quoted YAML are kept as written.
const SERDE_PHRASES: &[(&str, &str)] = &[
    ("unknown field ", "未知字段 "),
    ("missing field ", "缺少字段 "),
    ("duplicate field ", "重复字段 "),
    ("unknown variant ", "未知取值 "),
    ("wrong type: ", "类型不对："),
    ("invalid value: ", "取值无效："),
    ("invalid length ", "长度无效 "),
    ("unexpected form for ", "写法不对："),
    (", expected one of ", "，应为以下之一："),
    (", expected ", "，应为 "),
    ("there are no fields", "这里不能有字段"),
    ("did not find expected key", "没有找到应有的键"),
    ("did not find expected node content", "没有找到应有的内容"),
    (
        "did not find expected ',' or ']'",
        "没有找到应有的 ',' 或 ']'",
    ),
    (
        "did not find expected ',' or '}'",
        "没有找到应有的 ',' 或 '}'",
    ),
    ("did not find expected '-' indicator", "没有找到应有的 '-'"),
    (
        "mapping values are not allowed in this context",
        "这里不能有映射值（冒号后要有空格；含冒号的文字要加引号）",
    ),
    ("found unexpected end of stream", "文件意外结束"),
    ("found unknown escape character", "有未知的转义字符"),
    (
        "found character that cannot start any token",
        "有不能作为开头的字符（缩进请用空格，不要用制表符）",
    ),
    (
        "found a tab character that violates indentation",
        "有违反缩进的制表符（缩进请用空格）",
    ),
    (", while parsing a block mapping", "（解析块状映射时）"),
    ("while parsing a block mapping", "解析块状映射时"),
    (", while parsing a block collection", "（解析块状列表时）"),
    ("while parsing a block collection", "解析块状列表时"),
    (", while parsing a flow mapping", "（解析流式映射时）"),
    ("while parsing a flow mapping", "解析流式映射时"),
    (", while parsing a flow sequence", "（解析流式列表时）"),
    ("while parsing a flow sequence", "解析流式列表时"),
    (", while parsing a block node", "（解析块状节点时）"),
    ("while parsing a block node", "解析块状节点时"),
    (", while parsing a flow node", "（解析流式节点时）"),
    ("while parsing a flow node", "解析流式节点时"),
    (
        ", while scanning a quoted scalar",
        "（读取加引号的字符串时）",
    ),
    ("while scanning a quoted scalar", "读取加引号的字符串时"),
    (", while scanning a simple key", "（读取键时）"),
    ("while scanning a simple key", "读取键时"),
    ("could not find expected ':'", "没有找到应有的 ':'"),
    (
        ", while scanning a plain scalar",
        "（读取无引号的字符串时）",
    ),
    ("while scanning a plain scalar", "读取无引号的字符串时"),
    (", while scanning a block scalar", "（读取块状字符串时）"),
    ("while scanning a block scalar", "读取块状字符串时"),
    (", while scanning an anchor", "（读取锚点时）"),
    (", while scanning an alias", "（读取别名时）"),
    (", while scanning a tag", "（读取标签时）"),
    (", while parsing a node", "（解析节点时）"),
];

fn serde_in_chinese(message: &str) -> String {
    let mut out = message.to_string();
    for (en, zh) in SERDE_PHRASES {
        out = out.replace(en, zh);
    }
    // what was expected, when it is a kind of value (never quoted YAML)
    for (en, zh) in [
        ("a string", "字符串"),
        ("a sequence", "列表"),
        ("a map", "映射"),
        ("a boolean", "布尔值"),
        ("an integer", "整数"),
        ("a number", "数字"),
    ] {
        out = out.replace(&format!("，应为 {en}"), &format!("，应为{zh}"));
    }
    // what was found, when it is a kind of value
    for (en, zh) in [
        ("sequence", "列表"),
        ("map", "映射"),
        ("string", "字符串"),
        ("integer", "整数"),
        ("floating point", "小数"),
        ("boolean", "布尔值"),
        ("unit value", "空值"),
    ] {
        out = out.replace(&format!("类型不对：{en}"), &format!("类型不对：{zh}"));
    }
    // where the part being parsed began, inside its parenthesis
    let mut rest = out.as_str();
    let mut shown = String::new();
    while let Some(at) = rest.find(" at line ") {
        let tail = &rest[at + " at line ".len()..];
        let line_len = tail
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (line, after) = tail.split_at(line_len);
        let Some(after) = after.strip_prefix(" column ") else {
            shown.push_str(&rest[..at + 1]);
            rest = &rest[at + 1..];
            continue;
        };
        let col_len = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        let (col, after) = after.split_at(col_len);
        let before = &rest[..at];
        match before.strip_suffix("时）") {
            Some(b) => shown.push_str(&format!("{b}时，开头在第 {line} 行第 {col} 列）")),
            None => shown.push_str(&format!("{before}（第 {line} 行第 {col} 列）")),
        }
        rest = after;
    }
    shown.push_str(rest);
    shown
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
    // The document already parsed with serde_yaml; a failure here only
    // costs positions, never correctness.
    let _ = events(source, &mut builder, |_| false);
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
        let [err] = &err[..] else { panic!("{err:?}") };
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
        assert_eq!(err[0].message, "the file is empty");
        let err = parse::<Doc>("f.yaml", "# only a comment\n\n").unwrap_err();
        assert_eq!(err[0].message, "the file is empty");
    }

    fn messages(source: &str) -> Vec<String> {
        match parse::<serde_yaml::Value>("f.yaml", source) {
            Ok(_) => vec![],
            Err(errs) => errs
                .iter()
                .map(|d| {
                    let s = d.span.expect("located");
                    format!("{}:{} {}", s.line, s.col, d.message)
                })
                .collect(),
        }
    }

    #[test]
    fn duplicate_keys_are_located_with_the_first() {
        assert_eq!(
            messages("values:\n  \"Almost daily\": 3\n  Almost daily: 0\n"),
            ["3:3 duplicate key `Almost daily` in `values` (first at line 2, column 3)"]
        );
        // top level, inside a sequence, in a flow mapping, every one of them
        assert_eq!(
            messages("id: a\nid: b\nscales:\n  - {id: s, items: [], id: t}\n  - id: u\n    x: {a: 1, a: 2}\n"),
            [
                "2:1 duplicate key `id` (first at line 1, column 1)",
                "4:24 duplicate key `id` in `scales[0]` (first at line 4, column 6)",
                "6:15 duplicate key `a` in `scales[1].x` (first at line 6, column 9)",
            ]
        );
    }

    #[test]
    fn a_flood_of_duplicates_stays_small_and_fast() {
        let source = format!("values: {{{}}}\n", vec!["a: 1"; 50_000].join(", "));
        let errs = check_structure("f", &source).unwrap_err();
        assert_eq!(errs.len(), MAX_DUPLICATES + 1);
        assert_eq!(
            errs.last().unwrap().message,
            format!(
                "{} more duplicate key(s), not shown",
                50_000 - 1 - MAX_DUPLICATES
            )
        );
        // deep nesting (yaml-rust2 stops flow nesting at 255 levels, block
        // nesting costs indentation): paths are built only for a duplicate
        let deep = format!("a: {}{{k: 1, k: 2}}{}\n", "[".repeat(250), "]".repeat(250));
        let errs = check_structure("f", &deep).unwrap_err();
        assert_eq!(errs.len(), 1);
        let long_key = format!("{k}: 1\n{k}: 2\n", k = "x".repeat(1000));
        let errs = check_structure("f", &long_key).unwrap_err();
        assert!(errs[0].message.len() < 120, "{}", errs[0].message);
    }

    #[test]
    fn deep_nesting_is_refused_quickly_without_overflowing_the_stack() {
        for source in [
            format!("{}x\n", "- ".repeat(1_000_000)),
            format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
        ] {
            let errs = parse::<serde_yaml::Value>("f", &source).unwrap_err();
            assert!(
                errs[0].message.contains("more than 100 levels deep"),
                "{:?}",
                errs[0]
            );
        }
        assert!(check_structure("f", &format!("{}x\n", "- ".repeat(99))).is_ok());
    }

    #[test]
    fn same_key_in_different_mappings_is_fine() {
        assert!(messages("a: {x: 1}\nb: {x: 1}\nc: [{x: 1}, {x: 2}]\nd:\n  a: 1\n").is_empty());
        // a key equal to a value is no duplicate
        assert!(messages("a: b\nb: a\n").is_empty());
        // complex keys and aliases are left to serde
        assert!(check_structure("f", "? [a]\n: 1\n? [a]\n: 2\n? *x\n: 3\n").is_ok());
    }

    #[test]
    fn a_second_document_is_located() {
        assert_eq!(
            messages("id: x\n---\nid: y\n"),
            ["2:1 the file holds more than one YAML document: a second one starts here"]
        );
        // one document, marked as such, is fine
        assert!(messages("---\nid: x\n...\n").is_empty());
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_key() {
        let (d, _): (Doc, _) = parse("f", &format!("\u{feff}{SRC}")).unwrap();
        assert_eq!(d.id, "x");
    }

    #[test]
    fn a_config_file_is_read_capped_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.yaml");
        std::fs::write(&p, b"\xef\xbb\xbfid: x\n").unwrap();
        assert_eq!(read_config(&p, "map file").unwrap(), "id: x\n");
        std::fs::write(&p, b"id: x\nname: \"ab\xc3\xa9\xff\"\n").unwrap();
        let err = read_config(&p, "map file").unwrap_err().to_string();
        assert!(
            err.starts_with("error: the file is not UTF-8 (byte 0xFF cannot be read)\n"),
            "{err}"
        );
        assert!(err.contains(":2:11\n"), "{err}");
        assert!(
            err.ends_with("\n  |           ^ expected a UTF-8 text file (save it as UTF-8)"),
            "{err}"
        );
    }
}
