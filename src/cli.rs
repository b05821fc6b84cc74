//! Command-line definitions (clap derive only). Doc comments are the help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::instrument::Lang;

#[derive(Debug, Parser)]
#[command(
    name = "psyscreen",
    version,
    about = "Score psychological screening questionnaires and flag people for follow-up.",
    long_about = "Score psychological screening questionnaires (PHQ-9, GAD-7, ASQ, K10, DASS-21, ...) \
from YAML definitions, in batch from CSV/xlsx, and flag people for follow-up by a referral policy.\n\n\
psyscreen is a screening aid: it screens, flags and refers. It does not diagnose.",
    after_help = "Examples:\n  psyscreen instruments list\n  psyscreen score survey.csv -i phq9,gad7 --keep class\n  psyscreen score survey.csv -i phq9 --min-level refer -o referrals.csv\n  psyscreen template -i phq9,gad7 -o blank.csv",
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, show, validate, test, export and import instrument definitions.
    #[command(subcommand)]
    Instruments(InstrumentsCmd),
    /// Score answers from CSV or xlsx (a file or - for stdin).
    Score(Box<ScoreArgs>),
    /// Count results by group (class, grade): bands, risk levels, mean and SD; small groups suppressed.
    Summary(Box<SummaryArgs>),
    /// Write a class report: one self-contained, printable HTML file with charts per group.
    Report(Box<ReportArgs>),
    /// Write an empty CSV with the header the scorer expects.
    #[command(
        after_help = "Examples:\n  psyscreen template -i gad7,phq9\n  psyscreen template -i phq9 -o blank.csv"
    )]
    Template(TemplateArgs),
    /// Show or validate a referral policy.
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// Print crisis hotlines from the dated resources file.
    #[command(after_help = "Examples:\n  psyscreen hotlines\n  psyscreen hotlines --region cn")]
    Hotlines(HotlinesArgs),
    /// Give questionnaires to one person, one question at a time (terminal or plain lines).
    #[command(
        after_help = "Keys (terminal): the option's number answers at once (0-9); arrows + Enter also work; \
b or Backspace = back; s = skip (recorded as missing); q = quit (keep the answers to resume, or delete \
them); Ctrl-C = stop, keeping the answers.\n\n\
Plain mode (stdin not a terminal, TERM=dumb, or --plain): one prompt per line, one answer per line \
(a value, an option's words, skip, back, quit); after a crisis message the next line acknowledges it.\n\n\
Every answer is written at once to a journal (FILE.RESPONDENT.partial beside --append FILE, else in \
$XDG_DATA_HOME/psyscreen or ~/.local/share/psyscreen); the same command resumes an interrupted session.\n\n\
Exit status: 0 completed (and saved with --append); 2 stopped before the end (quit, Ctrl-C, end of \
input: the answers stay in the journal unless deleted) or a usage error.\n\n\
Examples:\n  psyscreen administer -i phq9,gad7 --respondent P001 --append clinic.csv\n  \
psyscreen administer -i asq --lang zh --respondent 2024001\n  \
printf '1\\n2\\n0\\n1\\n0\\n0\\n1\\n' | psyscreen administer -i gad7 --plain"
    )]
    Administer(Box<AdministerArgs>),
    /// Print shell completions (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "Examples:\n  psyscreen completions bash > /etc/bash_completion.d/psyscreen\n  psyscreen completions zsh > ~/.zfunc/_psyscreen"
    )]
    Completions { shell: clap_complete::Shell },
    /// Follow-up across screening waves: who changed reliably, recovered, has a new risk, was not re-screened.
    Change(Box<ChangeArgs>),
}

#[derive(Debug, Subcommand)]
pub enum InstrumentsCmd {
    /// List the built-in instruments.
    #[command(
        after_help = "Examples:\n  psyscreen instruments list\n  psyscreen instruments list --format json"
    )]
    List {
        /// Output format [default: table on a terminal, csv otherwise]
        #[arg(long, value_enum)]
        format: Option<RecordFormat>,
    },
    /// Show an instrument's items, options, scoring, bands and citation.
    #[command(
        after_help = "Examples:\n  psyscreen instruments show phq9\n  psyscreen instruments show gad7 --lang zh\n  psyscreen instruments show my/epds.yaml"
    )]
    Show {
        /// A built-in id (phq9) or a YAML file.
        instrument: String,
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
    },
    /// Check instrument files: schema, semantics and known-answer tests.
    #[command(
        after_help = "Exit status: 0 when every file is clean, 2 otherwise.\n\nExamples:\n  psyscreen instruments validate instruments/*.yaml\n  psyscreen instruments validate my/epds.yaml"
    )]
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Language of messages (the summary, errors in the files).
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
    },
    /// Run known-answer tests (all built-ins when none given).
    #[command(
        after_help = "Examples:\n  psyscreen instruments test\n  psyscreen instruments test phq9 my/epds.yaml"
    )]
    Test {
        /// Built-in ids or YAML files.
        instruments: Vec<String>,
    },
    /// Write an instrument for another system: a FHIR R4 Questionnaire (JSON) or a REDCap data dictionary (CSV).
    #[command(
        group(clap::ArgGroup::new("target").required(true).args(["fhir", "redcap"])),
        after_help = "FHIR: items with their codes (the instrument's verified codes: block, else its canonical URL), \
each option's scored weight as itemWeight, skip logic as enableWhen. REDCap: a radio field per item \
(choices `0, Not at all | 1, Several days | ...`), a calculated field per scale (blank when an item is \
blank), skip logic as branching logic. Scoring, bands and policies stay in psyscreen.\n\n\
Examples:\n  psyscreen instruments export phq9 --fhir -o phq9.json\n  \
psyscreen instruments export gad7 --redcap -o gad7_dictionary.csv"
    )]
    Export {
        /// A built-in id (phq9) or a YAML file.
        instrument: String,
        /// A FHIR R4 Questionnaire (JSON).
        #[arg(long)]
        fhir: bool,
        /// A REDCap data dictionary (CSV, 18 columns).
        #[arg(long)]
        redcap: bool,
        /// Write to FILE (atomically) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Overwrite the -o file if it exists.
        #[arg(long)]
        force: bool,
        /// Language of messages, and of a REDCap dictionary's labels (a
        /// field has one; a FHIR Questionnaire carries both).
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
    },
    /// Read an instrument from a FHIR Questionnaire (FILE.json) or a REDCap dictionary (redcap DICT.csv --form NAME) into a psyscreen YAML skeleton.
    #[command(
        after_help = "The skeleton holds the items, response sets, skip logic and codes that could be read. \
Bands, the missing-data rule, critical items, known-answer tests, citation and licence are not in a \
Questionnaire or a dictionary: the skeleton marks them TODO and lists them at its top, and \
`instruments validate` refuses it until a person has completed them. What could not be read is \
said on stderr.\n\n\
Examples:\n  psyscreen instruments import phq9.json -o my/phq9.yaml\n  \
psyscreen instruments import redcap dictionary.csv --form gad7 -o my/gad7.yaml"
    )]
    Import {
        /// A Questionnaire (FILE.json), or `redcap` followed by the dictionary.
        source: String,
        /// With `redcap`: the data dictionary (CSV).
        file: Option<PathBuf>,
        /// With `redcap`: the form (instrument) to read.
        #[arg(long, value_name = "NAME")]
        form: Option<String>,
        /// Write to FILE (atomically) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Overwrite the -o file if it exists.
        #[arg(long)]
        force: bool,
        /// Language of messages (the list of what needs a person, errors).
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCmd {
    /// Show a policy (the built-in default when no file is given).
    #[command(
        after_help = "Examples:\n  psyscreen policy show\n  psyscreen policy show policies/school-tiers.yaml --lang zh"
    )]
    Show {
        file: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
    },
    /// Check a policy file against the instruments it will run with.
    #[command(
        after_help = "Exit status: 0 clean, 2 with located errors.\n\nExamples:\n  psyscreen policy validate my-policy.yaml -i phq9,gad7"
    )]
    Validate {
        file: PathBuf,
        /// Instruments the policy runs with (built-in ids or YAML files).
        #[arg(
            short = 'i',
            long = "instruments",
            value_name = "ID|FILE",
            required = true
        )]
        instruments: Vec<String>,
        /// Language of messages (the summary, errors in the policy).
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
    },
}

#[derive(Debug, Args)]
pub struct AdministerArgs {
    /// Instruments: built-in ids or YAML files, comma-separated or repeated.
    #[arg(
        short = 'i',
        long = "instruments",
        value_name = "ID|FILE",
        required = true
    )]
    pub instruments: Vec<String>,
    /// Language of instructions, questions, options and results.
    #[arg(long, value_enum, default_value = "en")]
    pub lang: LangArg,
    /// The person's id, written in the id column [default: anon-TIME].
    #[arg(long, value_name = "ID")]
    pub respondent: Option<String>,
    /// Append the completed row to FILE (the CSV layout `score` reads); created with a header if needed.
    #[arg(long, value_name = "FILE")]
    pub append: Option<PathBuf>,
    /// Referral policy file [default: the built-in default policy].
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// One prompt per line and one answer per line (automatic when stdin is not a terminal).
    #[arg(long)]
    pub plain: bool,
}

#[derive(Debug, Args)]
pub struct HotlinesArgs {
    /// Only this region (cn, cn-bj, us, uk, ca, intl).
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long, value_enum, default_value = "en")]
    pub lang: LangArg,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Instruments: built-in ids or YAML files, comma-separated or repeated.
    #[arg(
        short = 'i',
        long = "instruments",
        value_name = "ID|FILE",
        required = true
    )]
    pub instruments: Vec<String>,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Columns: an item's column is found by its id (phq9_1), by the item's text in any language \
(a leading question number like \"3、\" or \"Q3.\" is ignored), or by --map.\n\
Answers: a value of the item's response set, an option label in any language, or with \
--one-based the option's position. Anything else is reported as\n  row N, column C: ...\n\
(N as a spreadsheet shows it: the header is row 1) and counted as missing, which can only \
raise a risk level.\n\n\
Exit status: 0 all scored; 1 scored, with problems in the input (invalid or undecodable cells, \
wrong field counts, quotes over several lines, missing item columns); 2 nothing scored (also a \
header with no rows); 3 a row reached --fail-on.\n\n\
Examples:\n  psyscreen score survey.csv -i phq9,gad7 --keep class\n  \
psyscreen score wjx.csv -i phq9 --id-column 学号 --lang zh\n  \
cat survey.csv | psyscreen score - -i gad7 --format jsonl\n  \
psyscreen score survey.xlsx -i phq9 --sheet Sheet1 --min-level refer -o referrals.csv\n  \
psyscreen score survey.csv -i phq9 --check\n  \
psyscreen score survey.csv -i phq9,gad7 --format fhir --fhir-bundle -o bundle.json")]
pub struct ScoreArgs {
    /// Input CSV or xlsx file; - or nothing for stdin.
    pub input: Option<PathBuf>,
    /// Instruments: built-in ids or YAML files, comma-separated or repeated.
    #[arg(
        short = 'i',
        long = "instruments",
        value_name = "ID|FILE",
        required = true
    )]
    pub instruments: Vec<String>,
    /// Referral policy file [default: the built-in default policy].
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Column and answer-label map (YAML: columns: {...}, values: {...}).
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
    /// Numeric answers are option positions 1..k (wjx "按选项序号" exports).
    #[arg(long)]
    pub one_based: bool,
    /// Output format [default: table on a terminal, csv otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite the -o file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Column that identifies a person [default: a survey platform's response id, else id, else the row number].
    #[arg(long, value_name = "COL")]
    pub id_column: Option<String>,
    /// Input columns to copy to the output (comma-separated or repeated).
    #[arg(long, value_name = "COL", value_delimiter = ',')]
    pub keep: Vec<String>,
    /// Output only rows at or above this level (a referral list): its id or label (refer, Refer, 转介).
    #[arg(long, value_name = "LEVEL")]
    pub min_level: Option<String>,
    /// Exit 3 when any row reaches this level.
    #[arg(long, value_name = "LEVEL")]
    pub fail_on: Option<String>,
    /// Report which column feeds which item, and which are missing; score nothing.
    #[arg(long)]
    pub check: bool,
    /// A table on a terminal shows every column (default there: a compact
    /// table that fits the width: id, totals, bands, level, short reason).
    #[arg(long)]
    pub wide: bool,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Language of labels and reasons.
    #[arg(long, value_enum, default_value = "en")]
    pub lang: LangArg,
    /// No summary or progress on stderr (errors are still shown).
    #[arg(short, long)]
    pub quiet: bool,
    /// Replace the id by a keyed hash (HMAC-SHA256); the key is read from
    /// KEYFILE, or created there (owner-only) when absent. Only the key
    /// holder can re-link results to people.
    #[arg(long, value_name = "KEYFILE")]
    pub pseudonymize: Option<PathBuf>,
    /// Rows with the same id (a second submission): keep all and warn,
    /// keep each id's first or last row (the others are set aside, each
    /// named on stderr), or stop with an error (nothing written). `last`
    /// reads a file twice, and cannot read stdin.
    #[arg(long, value_enum, value_name = "WHICH", default_value = "keep")]
    pub duplicates: DuplicatesArg,
    /// With --format fhir: one FHIR transaction Bundle (JSON) instead of NDJSON.
    #[arg(long)]
    pub fhir_bundle: bool,
    /// Write a provenance manifest (JSON): input SHA-256, rows, instruments
    /// and versions, policy, psyscreen version, time, counts per level.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// The input has no header row (a chunk of a larger file, as Spark's
    /// RDD.pipe sends it): these are its column names, comma-separated.
    #[arg(
        long,
        value_name = "COLS",
        value_delimiter = ',',
        conflicts_with = "header_from"
    )]
    pub header: Vec<String>,
    /// The input has no header row: take the column names from FILE's
    /// header (its first row; any rows after it are not read).
    #[arg(long, value_name = "FILE")]
    pub header_from: Option<PathBuf>,
}

/// How to read an input table (shared by `score`, `summary`, `report`).
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Input encoding [default: detect UTF-8 (with or without BOM) or GB18030/GBK].
    #[arg(long, value_name = "ENC")]
    pub encoding: Option<String>,
    /// Field delimiter [default: detect , ; or tab].
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,
    /// xlsx sheet name [default: the first sheet].
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// The survey platform that exported the input [default: auto, detected
    /// from its header rows; `plain` turns detection off].
    #[arg(long = "from", value_enum, value_name = "PLATFORM")]
    pub from_arg: Option<Platform>,
    /// The export's numbers are the instruments' own values: skip the
    /// code-book check that stops numbers which look like a platform's
    /// option numbers (1..k) or a recode.
    #[arg(long)]
    pub codes_as_is: bool,
    /// The same responses exported with choice labels (the platform's
    /// other download): each code is checked against its label before
    /// anything is scored.
    #[arg(long, value_name = "FILE")]
    pub labels_export: Option<PathBuf>,
    /// Threads to read and score on: 1 reads and scores on one thread; more read a large CSV file in parts [default: the cores available].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
}

impl ReadArgs {
    /// `--from`: the platform forced, or `None` to detect it (`auto`).
    pub fn from(&self) -> Option<Platform> {
        self.from_arg.filter(|p| *p != Platform::Auto)
    }

    /// `--threads`, or the cores this process may run on.
    pub fn threads(&self) -> usize {
        self.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            usize::from,
        )
    }
}

/// Input of `summary` and `report`: a scored file, or raw answers with -i.
#[derive(Debug, Args)]
pub struct GroupInputArgs {
    /// A file `psyscreen score` wrote, or raw answers with -i; - or nothing for stdin.
    pub input: Option<PathBuf>,
    /// Score raw answers with these instruments first (built-in ids or YAML files).
    #[arg(short = 'i', long = "instruments", value_name = "ID|FILE")]
    pub instruments: Vec<String>,
    /// Group by these columns (comma-separated or repeated), e.g. class or class,grade.
    #[arg(long, value_name = "COL", value_delimiter = ',', required = true)]
    pub by: Vec<String>,
    /// Groups with fewer respondents are suppressed (shown as <N, no counts).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub min_group: u64,
    /// Referral policy: the one the file was scored with, or to score with [default: built-in].
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Column and answer-label map for raw answers (as for `score`).
    #[arg(long, value_name = "FILE", requires = "instruments")]
    pub map: Option<PathBuf>,
    /// Numeric answers are option positions 1..k (as for `score`).
    #[arg(long, requires = "instruments")]
    pub one_based: bool,
    /// Column that identifies a person [default: id (raw) or the first column (scored), else the row number].
    /// An id in several rows counts once, its last row (a file is read twice; the rows set aside are named).
    #[arg(long, value_name = "COL")]
    pub id_column: Option<String>,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Language of labels.
    #[arg(long, value_enum, default_value = "en")]
    pub lang: LangArg,
    /// No summary line on stderr (errors and notices are still shown).
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Input: a file `psyscreen score` wrote (columns {scale}_total, {scale}_band, risk_level), or raw \
answers with -i, scored first exactly as `score` scores them.\n\
Per group: respondents (n), rows with an incomplete scale, mean and SD of each total, the count of \
each band and of each risk level. A group with fewer than --min-group respondents is suppressed: \
shown as <5 with no counts. The overall row (scope all) adds up the shown groups only, so it \
never reveals a suppressed group.\n\
--quality (needs -i): Cronbach's alpha per scale, corrected item-total r and alpha if an item is \
dropped, over all shown groups and per shown group (complete cases).\n\
--flags (needs -i): rows flagged for careless responding: longstring, too fast (a duration column \
such as wjx 所用时间: under 2 s per item), reverse-worded items answered like forward ones. A flag \
never changes a score or a level.\n\n\
Exit status: 0 done; 1 done, with problems in the input (as for `score`); 2 nothing summarised.\n\n\
Examples:\n  psyscreen summary scored.csv --by class\n  \
psyscreen summary examples/class-survey.csv -i phq9,gad7 --by class --format csv\n  \
psyscreen summary survey.csv -i pss10 --by class,grade --min-group 10 --lang zh\n  \
psyscreen summary survey.csv -i pss10 --by class --quality\n  \
psyscreen summary wjx.csv -i phq9 --by 2、班级 --id-column 1、姓名或学号 --flags")]
pub struct SummaryArgs {
    #[command(flatten)]
    pub input: GroupInputArgs,
    /// Reliability: Cronbach's alpha and item-total correlations per scale.
    #[arg(long, requires = "instruments", conflicts_with = "flags")]
    pub quality: bool,
    /// Careless-responding flags per row (id + flags), only rows with a flag.
    #[arg(long, requires = "instruments")]
    pub flags: bool,
    /// Column with the completion time, for --flags [default: 所用时间, duration, ... when present].
    #[arg(long, value_name = "COL", requires = "flags")]
    pub duration_column: Option<String>,
    /// Output format [default: table on a terminal, csv otherwise].
    #[arg(long, value_enum)]
    pub format: Option<RecordFormat>,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite the -o file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `--format` of every command but `score`: `Format` without `fhir`,
/// which only `score` writes, so that `--help` and completions offer only
/// what the command writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecordFormat {
    Table,
    Csv,
    Json,
    Jsonl,
}

impl From<RecordFormat> for Format {
    fn from(f: RecordFormat) -> Format {
        match f {
            RecordFormat::Table => Format::Table,
            RecordFormat::Csv => Format::Csv,
            RecordFormat::Json => Format::Json,
            RecordFormat::Jsonl => Format::Jsonl,
        }
    }
}

#[derive(Debug, Args)]
#[command(after_help = "\
One HTML file with everything inline (styles, SVG charts; no script, no link outside it), ready \
to print: date, instruments and versions, policy, invalid cells, an overview per group, per group \
a stacked bar of bands for each scale and of risk levels. Groups with fewer than --min-group \
respondents are suppressed as in `summary`. Screening, not diagnosis.\n\n\
By default the report is aggregate only: no id, no name and no reason of any person, so it can \
be handed to a head teacher. The people to follow up (everyone at --min-level or above, default \
refer or the policy's second-highest level) go in a separate staff-only referral file:\n  \
psyscreen score survey.csv -i phq9,gad7 --keep class --min-level refer -o referrals.csv\n\
--list-ids adds them to the report instead: per group, with the group column, ids, levels and \
reasons (each group on its own printed page; at most 10000 people, highest levels first).\n\n\
Exit status: 0 written; 1 written, with problems in the input (as for `score`); 2 nothing written.\n\n\
Examples:\n  psyscreen report examples/class-survey.csv -i phq9,gad7 --by class -o report.html\n  \
psyscreen report scored.csv --by class -o report.html --lang zh\n  \
psyscreen report survey.csv -i phq9 --by grade,class --min-group 10 -o report.html --force\n  \
psyscreen report wjx.csv -i phq9 --by 2、班级 --by-label 班级 --lang zh -o report.html\n  \
psyscreen report survey.csv -i phq9 --by class --list-ids -o staff-only.html")]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: GroupInputArgs,
    /// The HTML file to write (atomically; - for stdout).
    #[arg(short, long, value_name = "FILE", required = true)]
    pub output: PathBuf,
    /// Overwrite the -o file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Lowest level counted for follow-up (and listed with --list-ids) [default: refer, else the policy's second-highest].
    #[arg(long, value_name = "LEVEL")]
    pub min_level: Option<String>,
    /// Name people: add, per group and with the group column, the ids, levels
    /// and reasons of everyone at --min-level or above (staff only; see below).
    #[arg(long, visible_alias = "referrals")]
    pub list_ids: bool,
    /// How the report names the --by columns (comma-separated, one per
    /// column) [default: the column name without a leading question number].
    #[arg(long, value_name = "LABEL", value_delimiter = ',')]
    pub by_label: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Jsonl,
    /// FHIR R4 NDJSON (`score` only): a QuestionnaireResponse and an Observation per scale.
    Fhir,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DuplicatesArg {
    Keep,
    First,
    Last,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    En,
    Zh,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::En => Lang::En,
            LangArg::Zh => Lang::Zh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    fn instruments_of(args: &str) -> Vec<String> {
        let cli = Cli::try_parse_from(args.split_whitespace()).unwrap();
        match cli.command {
            Command::Score(a) => a.instruments.clone(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn instruments_comma_list_and_repeats_are_accepted() {
        assert_eq!(
            instruments_of("psyscreen score f.csv -i gad7,phq9"),
            vec!["gad7,phq9"]
        );
        assert_eq!(
            instruments_of("psyscreen score f.csv -i gad7 -i phq9"),
            vec!["gad7", "phq9"]
        );
        assert_eq!(
            instruments_of("psyscreen score f.csv --instruments=gad7"),
            vec!["gad7"]
        );
    }

    #[test]
    fn keep_splits_on_commas() {
        let cli = Cli::try_parse_from(["psyscreen", "score", "-i", "gad7", "--keep", "class,sex"])
            .unwrap();
        let Command::Score(a) = cli.command else {
            unreachable!()
        };
        assert_eq!(a.keep, vec!["class", "sex"]);
    }

    /// `summary` (as `change` and `instruments list`) offers and takes the
    /// formats it writes, never `fhir` (which `score` alone writes).
    #[test]
    fn summary_formats_are_those_it_writes() {
        let parse = |f: &str| {
            Cli::try_parse_from(["psyscreen", "summary", "x.csv", "--by", "c", "--format", f])
        };
        for (name, want) in [
            ("table", Format::Table),
            ("csv", Format::Csv),
            ("json", Format::Json),
            ("jsonl", Format::Jsonl),
        ] {
            let Command::Summary(a) = parse(name).unwrap().command else {
                unreachable!("parsed as summary")
            };
            assert_eq!(a.format.map(Format::from), Some(want));
        }
        let err = parse("fhir").unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
        for args in [
            &[
                "psyscreen",
                "change",
                "a.csv",
                "b.csv",
                "-i",
                "phq9",
                "--format",
                "fhir",
            ][..],
            &["psyscreen", "instruments", "list", "--format", "fhir"],
        ] {
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue, "{args:?}");
        }
        assert!(Cli::try_parse_from([
            "psyscreen",
            "score",
            "a.csv",
            "-i",
            "phq9",
            "--format",
            "fhir"
        ])
        .is_ok());
        let offered: Vec<String> = RecordFormat::value_variants()
            .iter()
            .filter_map(|v| Some(v.to_possible_value()?.get_name().to_string()))
            .collect();
        assert_eq!(offered, ["table", "csv", "json", "jsonl"]);
    }
}

/// `psyscreen change`: follow-up across screening waves.
#[derive(Debug, Args)]
#[command(after_help = "\
Each wave is a file `psyscreen score` wrote or raw answers (scored first exactly as `score` scores \
them); with --wave-column, one long file holds every wave. People are linked by the id column \
(pseudonyms link too, when the waves were pseudonymised with the same key). One row per person: \
each wave's level and totals, the change from their first wave to the last, reliable change \
(Jacobson & Truax 1991: RC = (x2 - x1) / (sqrt(2) * SD * sqrt(1 - r)), |RC| > 1.96, or a \
published threshold), recovery or deterioration across the clinical cut-off, response and \
remission where the instrument declares them, the risk trajectory and critical answers. \
An incomplete or prorated total is never counted as improvement. People in too few waves, \
twice in one wave or without an id keep a status and are listed on stderr.\n\
Reliable change is judged from published values: the instrument's change: block (see \
`instruments show`), else --reliability and --sd, or --reliable-change (SCALE=VALUE or one VALUE \
for all); a scale with none has its change shown without a verdict.\n\
--policy: rules on change variables ({scale}_change, {scale}_reliably_deteriorated, \
{instrument}_new_critical, {instrument}_earlier_critical, risk_new, ...) give each person a \
level; a missing wave never lowers it, and a newcomer's level is their wave's.\n\n\
Exit status: 0 done; 1 done, with problems in a wave's input (as for `score`); 2 nothing done (a wave unreadable or empty, a usage error, a policy rule on a reliable-change verdict no value is published or given for).\n\n\
Examples:\n  psyscreen change examples/class-survey.csv examples/class-survey-wave2.csv -i phq9,gad7 --waves t1,t2\n  \
psyscreen change t1.csv t2.csv t3.csv -i who5 --reliability R --sd SD   (published values)\n  \
psyscreen change t1.csv t2.csv -i phq9,gad7 --policy policies/follow-up.yaml --format jsonl\n  \
psyscreen change t1.csv t2.csv -i phq9,gad7 --by class")]
pub struct ChangeArgs {
    /// The waves in order, first to last (files `score` wrote or raw answers).
    #[arg(required = true, value_name = "WAVE")]
    pub waves: Vec<PathBuf>,
    /// The instruments (built-in ids or YAML files).
    #[arg(
        short = 'i',
        long = "instruments",
        value_name = "ID|FILE",
        required = true
    )]
    pub instruments: Vec<String>,
    /// Wave labels, in order [default: the file names; with --wave-column, the values in order of appearance].
    #[arg(long = "waves", value_name = "LABEL", value_delimiter = ',')]
    pub labels: Vec<String>,
    /// One long file: this column says which wave a row belongs to.
    #[arg(long, value_name = "COL")]
    pub wave_column: Option<String>,
    /// Column that identifies a person in every wave [default: a survey platform's response id (Qualtrics, SurveyMonkey, REDCap), else id; never by default a running number of responses (wjx 序号, 腾讯问卷 编号, LimeSurvey)].
    #[arg(long, value_name = "COL")]
    pub id_column: Option<String>,
    /// People seen in fewer waves are `unlinked` (no change computed).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u64).range(2..))]
    pub min_waves: u64,
    /// Test-retest reliability r for S_diff: VALUE, or SCALE=VALUE (repeat per scale).
    #[arg(long, value_name = "[SCALE=]R", value_delimiter = ',')]
    pub reliability: Vec<String>,
    /// SD for S_diff, in the scale's totals: VALUE or SCALE=VALUE.
    #[arg(long, value_name = "[SCALE=]SD", value_delimiter = ',')]
    pub sd: Vec<String>,
    /// A published reliable-change threshold (|change| >= it): VALUE or SCALE=VALUE.
    #[arg(long, value_name = "[SCALE=]N", value_delimiter = ',')]
    pub reliable_change: Vec<String>,
    /// Referral policy: the one the waves were scored with, and rules on change [default: built-in].
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Column and answer-label map for raw answers (as for `score`).
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
    /// Numeric answers are option positions 1..k (as for `score`).
    #[arg(long)]
    pub one_based: bool,
    /// Count per group (e.g. class) instead of one row per person; small groups suppressed.
    #[arg(long, value_name = "COL", value_delimiter = ',')]
    pub by: Vec<String>,
    /// With --by: groups with fewer people are suppressed (shown as <N, no counts).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub min_group: u64,
    /// With --by: write the counts as one self-contained HTML page to FILE
    /// (aggregate only: no id, name or reason of anyone) instead of records.
    #[arg(long, value_name = "FILE", requires = "by", conflicts_with_all = ["output", "format"])]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Output format [default: table on a terminal, csv otherwise].
    #[arg(long, value_enum)]
    pub format: Option<RecordFormat>,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite the -o file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Language of labels, reasons and messages.
    #[arg(long, value_enum, default_value = "en")]
    pub lang: LangArg,
    /// No summary line on stderr (errors and notices are still shown).
    #[arg(short, long)]
    pub quiet: bool,
}

/// Survey platforms whose exports are read as they come (`--from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Platform {
    /// Detect the platform from the header rows (the default).
    Auto,
    /// No platform: row 1 is the header, every other row an answer row.
    Plain,
    /// Qualtrics CSV/TSV (3 header rows, or the legacy 2).
    Qualtrics,
    /// SurveyMonkey (question over 2 header rows).
    Surveymonkey,
    /// REDCap raw or label export.
    Redcap,
    /// LimeSurvey (code, full or abbreviated headings).
    Limesurvey,
    /// Google Forms responses (Timestamp, question texts).
    #[value(alias = "google")]
    GoogleForms,
    /// 腾讯问卷 (Tencent Survey).
    Tencent,
    /// 问卷星 (wjx), 按选项序号 or 按选项文本.
    Wjx,
}
