//! Command-line syntax (clap derive). Parsing only: `run.rs` turns it into work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::checks::Severity;
use crate::facts::Cloud;
use crate::report::Format;

const EXIT_CODES: &str = "\
Exit codes:
  0  no check failed (warnings allowed unless --fail-on warn)
  1  at least one check failed
  2  usage or input error (bad flag, unreadable or malformed snapshot)
  3  inconclusive: nothing failed, but some checks errored";

#[derive(Debug, Parser)]
#[command(name = "pullpath", version, about = "Verify that an Azure App Service Linux app can pull its image from a private registry over VNet integration and a private endpoint.", after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Gather the facts, run the check catalog and print the report.
    #[command(after_help = EXIT_CODES)]
    Verify(VerifyArgs),
    /// List the check catalog.
    Checks(ChecksArgs),
    /// Show one check's documentation.
    Explain {
        /// A check id, e.g. DNS-004.
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A snapshot: a directory of ARM JSON documents (read recursively) or one JSON file.
    #[arg(long, value_name = "PATH")]
    pub snapshot: PathBuf,

    /// The site to verify (name or resource id) when the snapshot holds more than one.
    #[arg(long, value_name = "NAME|ID")]
    pub app: Option<String>,

    /// The registry's resource id, when it cannot be found from the image's login server.
    #[arg(long, value_name = "ID")]
    pub registry_id: Option<String>,

    /// The Azure cloud (sets the ACR suffix and privatelink zone). Default: from the image host.
    #[arg(long, value_enum)]
    pub cloud: Option<Cloud>,

    /// Report format, optionally to a file: table, json, junit, sarif, markdown, github.
    /// Repeatable; at most one without a path (it goes to stdout).
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]", value_parser = parse_output)]
    pub outputs: Vec<OutputSpec>,

    /// The lowest status that fails the run.
    #[arg(long, value_enum, default_value = "fail")]
    pub fail_on: FailOn,

    /// Colour in the table: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,

    /// Report only checks at or above this severity (the others are still evaluated).
    #[arg(long, value_enum)]
    pub min_severity: Option<Severity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Fail,
    Warn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: Format,
    pub path: Option<PathBuf>,
}

fn parse_output(value: &str) -> Result<OutputSpec, String> {
    let (name, path) = match value.split_once('=') {
        Some((name, "")) => {
            return Err(format!("`{name}=` needs a path after `=`"));
        }
        Some((name, path)) => (name, Some(PathBuf::from(path))),
        None => (value, None),
    };
    let format = Format::from_str(name, true).map_err(|_| {
        format!("unknown format `{name}` (table, json, junit, sarif, markdown, github)")
    })?;
    Ok(OutputSpec { format, path })
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// table (default), markdown (the README's catalog table) or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: CatalogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatalogFormat {
    Table,
    Markdown,
    Json,
}
