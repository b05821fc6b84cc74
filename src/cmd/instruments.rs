use crate::messages::tr;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use crate::cli::Format;
use crate::diag::Reported;
use crate::exit::Exit;
use crate::instrument::{self, Instrument, Lang};
use crate::io::output::Output;
use crate::io::protect::Protected;
use crate::io::write::{Columns, Dest, Kind, Sink};
use crate::printable::printable;
use crate::score::known;

fn all_builtins() -> anyhow::Result<Vec<Instrument>> {
    instrument::builtin_ids()
        .into_iter()
        .map(|id| instrument::builtin(id).expect("listed built-in exists"))
        .collect()
}

/// The built-ins, one row each. A table on a terminal is short (id, name,
/// items: the licences are long and wrap every row; `instruments show`
/// gives them); CSV and JSON, or a table into a pipe, have every column.
pub fn list(format: Option<Format>) -> anyhow::Result<Exit> {
    let format = super::default_format(format, false);
    let stdout = std::io::stdout();
    let dest = Dest::terminal_if(stdout.is_terminal());
    let short = format == Format::Table && dest == Dest::Terminal;
    let all = [
        ("id", Kind::Label),
        ("name", Kind::Text),
        ("items", Kind::Number),
        ("scales", Kind::Text),
        ("version", Kind::Label),
        ("license", Kind::Text),
    ];
    let shown = if short { &all[..3] } else { &all[..] };
    let mut cols = Columns::new();
    for &(n, k) in shown {
        cols.push(n, k);
    }
    let mut sink = Sink::new(format, stdout.lock(), cols, dest)?;
    for inst in all_builtins()? {
        let scales: Vec<&str> = inst.scales.iter().map(|s| s.id.as_str()).collect();
        let mut fields = vec![
            inst.id.clone(),
            inst.name.get(Lang::En).to_string(),
            inst.items.len().to_string(),
            scales.join(" "),
            inst.version.clone(),
            inst.license.clone(),
        ];
        fields.truncate(shown.len());
        sink.row(&csv::ByteRecord::from(fields))?;
    }
    sink.finish()?.flush()?;
    if short {
        eprintln!("licences, sources and scoring: psyscreen instruments show ID; every column: --format csv");
    }
    Ok(Exit::Success)
}

pub fn show(spec: &str, lang: Lang) -> anyhow::Result<Exit> {
    let inst = instrument::resolve_one(spec)?;
    let mut out = std::io::stdout().lock();
    out.write_all(printable(&instrument::describe(&inst, lang)).as_bytes())?;
    Ok(Exit::Success)
}

/// Check every file, report all problems, exit 2 if any file has one.
pub fn validate(files: &[PathBuf]) -> Exit {
    let mut bad = 0;
    for f in files {
        match instrument::load_file(f) {
            Ok(inst) => {
                let (file, id) = (f.display(), &inst.id);
                let (items, scales, tests) =
                    (inst.items.len(), inst.scales.len(), inst.tests.len());
                println!(
                    "{}",
                    tr!(
                        "{file}: ok ({id}: {items} items, {scales} scale(s), {tests} known-answer test(s) passed)",
                        "{file}：通过（{id}：{items} 个题目，{scales} 个分量表，{tests} 个已知答案测试通过）"
                    )
                );
            }
            Err(e) => {
                bad += 1;
                report(&e);
            }
        }
    }
    if bad > 0 {
        let all = files.len();
        eprintln!(
            "{}",
            tr!(
                "{bad} of {all} file(s) have errors",
                "{all} 个文件中有 {bad} 个有错误"
            )
        );
        Exit::Error
    } else {
        Exit::Success
    }
}

fn report(e: &anyhow::Error) {
    match e.downcast_ref::<Reported>() {
        Some(r) => eprintln!("{}", r.0.trim_end()),
        None => eprintln!("{}{e:#}", crate::messages::error()),
    }
}

/// Run known-answer tests of the given instruments (all built-ins if none).
pub fn test(specs: &[String]) -> anyhow::Result<Exit> {
    let specs: Vec<String> = if specs.is_empty() {
        instrument::builtin_ids()
            .into_iter()
            .map(String::from)
            .collect()
    } else {
        specs.to_vec()
    };
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, 0usize);
    let mut out = std::io::stdout().lock();
    for spec in &specs {
        let inst = match instrument::resolve_one_with(spec, false) {
            Ok(i) => i,
            Err(e) => {
                report(&e);
                broken += 1;
                continue;
            }
        };
        let (n, failures) = known::run(&inst);
        passed += n - failures.len();
        failed += failures.len();
        writeln!(
            out,
            "{}: {} passed, {} failed",
            inst.id,
            n - failures.len(),
            failures.len()
        )?;
        for f in &failures {
            writeln!(out, "  FAILED {} ({}): {}", f.test, f.path, f.message)?;
        }
    }
    writeln!(out, "{passed} passed, {failed} failed")?;
    if broken > 0 {
        eprintln!("{broken} instrument(s) could not be loaded");
    }
    Ok(if failed > 0 || broken > 0 {
        Exit::Error
    } else {
        Exit::Success
    })
}

/// `instruments export ID --fhir|--redcap`: the instrument for another
/// system, to stdout or `-o`.
pub fn export(
    spec: &str,
    (fhir, lang): (bool, Lang),
    (output, force): (Option<&Path>, bool),
) -> anyhow::Result<Exit> {
    let inst = instrument::resolve_one(spec)?;
    let text = if fhir {
        let mut t =
            serde_json::to_string_pretty(&crate::fhir::questionnaire::questionnaire(&inst)?)?;
        t.push('\n');
        t
    } else {
        crate::redcap::export(&inst, lang)?
    };
    let mut protected = Protected::default().instruments(&[spec.to_string()]);
    let mut out = Output::open(output, force, &mut protected)?;
    out.write_all(text.as_bytes())?;
    out.finish()?;
    Ok(Exit::Success)
}

/// `instruments import FILE.json` or `import redcap DICT.csv --form NAME`:
/// a YAML skeleton to stdout or `-o`; what needs a person on stderr.
pub fn import(
    (source, file, form): (&str, Option<&Path>, Option<&str>),
    (output, force): (Option<&Path>, bool),
) -> anyhow::Result<Exit> {
    let (path, skeleton, from) = match (source, file) {
        ("redcap", Some(dict)) => {
            let Some(form) = form else {
                anyhow::bail!(tr!("import redcap needs --form NAME: the form (instrument) to read from {}", "import redcap 需要 --form 表单名：要从 {} 读取的表单（instrument）", dict.display()));
            };
            let text = read_text(dict)?;
            let name = dict.display().to_string();
            let mut sk = crate::redcap::import(&name, &text, form)?;
            // a field has one label: Chinese ones are the instrument's Chinese
            if crate::redcap::is_chinese(&sk) {
                crate::redcap::read_as_chinese(&mut sk);
            }
            let from = tr!(
                "REDCap data dictionary {name}, form {form}",
                "REDCap 数据字典 {name} 的表单 {form}"
            );
            (dict.to_path_buf(), sk, from)
        }
        ("redcap", None) => anyhow::bail!(tr!("import redcap needs the data dictionary: psyscreen instruments import redcap DICT.csv --form NAME", "import redcap 需要数据字典：psyscreen instruments import redcap 字典.csv --form 表单名")),
        (_, Some(extra)) => anyhow::bail!(tr!(
            "import takes one Questionnaire file, or `redcap DICT.csv --form NAME`; `{}` is one too many",
            "import 只接受一个 Questionnaire 文件，或 `redcap 字典.csv --form 表单名`；`{}` 是多余的",
            extra.display()
        )),
        (json, None) => {
            if form.is_some() {
                anyhow::bail!(tr!("--form is for REDCap dictionaries: psyscreen instruments import redcap DICT.csv --form NAME", "--form 用于 REDCap 数据字典：psyscreen instruments import redcap 字典.csv --form 表单名"));
            }
            let path = PathBuf::from(json);
            let text = read_text(&path)?;
            let sk = crate::fhir::import::from_questionnaire(json, &text)?;
            (path, sk, format!("FHIR Questionnaire {json}"))
        }
    };
    let mut protected = Protected::default().file("the file imported", Some(&path));
    let mut out = Output::open(output, force, &mut protected)?;
    out.write_all(skeleton.to_yaml(&from).as_bytes())?;
    out.finish()?;
    let (items, sets) = (skeleton.items.len(), skeleton.response_sets.len());
    eprintln!(
        "{}{}",
        crate::messages::note(),
        tr!(
            "{items} item(s), {sets} response set(s) read; needs a person before it can score:",
            "已读取 {items} 个题目、{sets} 组选项；计分之前需要人工完成："
        )
    );
    for t in &skeleton.todo {
        eprintln!("  - {}", crate::printable::printable_line(t));
    }
    Ok(Exit::Success)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = crate::capped::read_capped(path, "file", crate::capped::CONFIG_LIMIT)?;
    if let Ok(text) = String::from_utf8(bytes.clone()) {
        return Ok(text);
    }
    // a dictionary saved by Excel on a Chinese Windows: GBK (GB18030)
    let (text, malformed) = encoding_rs::GB18030.decode_without_bom_handling(&bytes);
    if malformed {
        let file = path.display();
        anyhow::bail!(tr!(
            "{file} is neither UTF-8 nor GBK/GB18030: save it as UTF-8 CSV",
            "{file} 既不是 UTF-8 也不是 GBK/GB18030：请另存为 UTF-8 CSV"
        ));
    }
    Ok(text.into_owned())
}
