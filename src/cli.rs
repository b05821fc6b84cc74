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
    /// List, show, validate and test instrument definitions.
    #[command(subcommand)]
    Instruments(InstrumentsCmd),
    /// Score answers from CSV or xlsx (a file or - for stdin).
    Score(Box<ScoreArgs>),
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
    /// Print shell completions (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "Examples:\n  psyscreen completions bash > /etc/bash_completion.d/psyscreen\n  psyscreen completions zsh > ~/.zfunc/_psyscreen"
    )]
    Completions { shell: clap_complete::Shell },
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
        format: Option<Format>,
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
    },
    /// Run known-answer tests (all built-ins when none given).
    #[command(
        after_help = "Examples:\n  psyscreen instruments test\n  psyscreen instruments test phq9 my/epds.yaml"
    )]
    Test {
        /// Built-in ids or YAML files.
        instruments: Vec<String>,
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
    },
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
Exit status: 0 all scored; 1 scored, some cells invalid; 2 nothing scored; 3 a row reached --fail-on.\n\n\
Examples:\n  psyscreen score survey.csv -i phq9,gad7 --keep class\n  \
psyscreen score wjx.csv -i phq9 --id-column 学号 --lang zh\n  \
cat survey.csv | psyscreen score - -i gad7 --format jsonl\n  \
psyscreen score survey.xlsx -i phq9 --sheet Sheet1 --min-level refer -o referrals.csv\n  \
psyscreen score survey.csv -i phq9 --check")]
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
    /// Column that identifies a person [default: id, else the row number].
    #[arg(long, value_name = "COL")]
    pub id_column: Option<String>,
    /// Input columns to copy to the output (comma-separated or repeated).
    #[arg(long, value_name = "COL", value_delimiter = ',')]
    pub keep: Vec<String>,
    /// Output only rows at or above this level (a referral list).
    #[arg(long, value_name = "LEVEL")]
    pub min_level: Option<String>,
    /// Exit 3 when any row reaches this level.
    #[arg(long, value_name = "LEVEL")]
    pub fail_on: Option<String>,
    /// Report which column feeds which item, and which are missing; score nothing.
    #[arg(long)]
    pub check: bool,
    /// Input encoding [default: detect UTF-8 (with or without BOM) or GB18030/GBK].
    #[arg(long, value_name = "ENC")]
    pub encoding: Option<String>,
    /// Field delimiter [default: detect , ; or tab].
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,
    /// xlsx sheet name [default: the first sheet].
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Language of labels and reasons.
    #[arg(long, value_enum, default_value = "en")]
    pub lang: LangArg,
    /// No summary or progress on stderr (errors are still shown).
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Jsonl,
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
}
