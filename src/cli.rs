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
    Verify(Box<VerifyArgs>),
    /// List the check catalog.
    Checks(ChecksArgs),
    /// Run only the live probes for an image, no ARM needed: from the app's container, a VM
    /// or an agent in the VNet.
    #[command(after_help = EXIT_CODES)]
    Probe(ProbeArgs),
    /// Export, from live ARM, every document `verify` reads (redacted) into a directory.
    Snapshot(SnapshotArgs),
    /// Show one check's documentation.
    Explain {
        /// A check id, e.g. DNS-004.
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A snapshot: a directory of ARM JSON documents (read recursively) or one JSON file.
    /// Without it, the facts are read live from ARM (-g and -n).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["name", "slot"])]
    pub snapshot: Option<PathBuf>,

    /// An ARM template (JSON; Bicep users pass `bicep build` output): verify what the
    /// deployment will create, merged over what exists (--snapshot, or live with -g/-n).
    #[arg(long, value_name = "FILE", conflicts_with = "terraform_plan")]
    pub template: Option<PathBuf>,

    /// A Terraform plan as JSON (`terraform show -json PLAN`): verify what it will create or
    /// change, merged over what exists.
    #[arg(long, value_name = "FILE")]
    pub terraform_plan: Option<PathBuf>,

    /// A parameters file for --template (repeatable; later files win).
    #[arg(long = "parameters", value_name = "FILE", requires = "template")]
    pub parameter_files: Vec<PathBuf>,

    /// The deployment's location (default: the resource group's, as the existing documents
    /// show it).
    #[arg(long, value_name = "LOCATION", requires = "template")]
    pub location: Option<String>,

    #[command(flatten)]
    pub live: LiveArgs,

    /// The site to verify (name or resource id) when the snapshot holds more than one.
    #[arg(long, value_name = "NAME|ID")]
    pub app: Option<String>,

    /// The registry's resource id, when it cannot be found from the image's login server.
    #[arg(long, value_name = "ID")]
    pub registry_id: Option<String>,

    /// The Azure cloud (sets the ACR suffix and privatelink zone). Default: from the image host.
    #[arg(long, value_enum)]
    pub cloud: Option<Cloud>,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Also run the live probes (DNS, TCP, TLS, challenge, token, manifest, blob) from this
    /// machine, judged against the facts (the endpoint's addresses, the app's identity).
    #[arg(long)]
    pub probe: bool,

    #[command(flatten)]
    pub probe_options: ProbeOptions,

    /// Probe with the app's own DOCKER_REGISTRY_SERVER_USERNAME/PASSWORD (live mode: read
    /// from the app settings; never printed).
    #[arg(long, requires = "probe", conflicts_with_all = ["username", "anonymous"])]
    pub use_app_credentials: bool,
}

/// How a report is rendered and judged.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
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

/// What the probes ask, and with which credential.
#[derive(Debug, Args, Clone, Default)]
pub struct ProbeOptions {
    /// A DNS server to ask instead of the system's, IP[:PORT]. Repeatable.
    #[arg(long = "dns-server", value_name = "IP[:PORT]", value_parser = parse_dns_server)]
    pub dns_servers: Vec<std::net::SocketAddr>,

    /// PEM certificates to trust besides the system's roots (a private CA).
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,

    /// A data endpoint region to probe (`<registry>.<region>.data.azurecr.io`). Repeatable.
    /// With --probe the regions come from the registry and its replications.
    #[arg(long = "data-endpoint-region", value_name = "REGION")]
    pub data_endpoint_regions: Vec<String>,

    /// Pull with this user name (admin user, ACR token, or another registry's account); the
    /// password is read from stdin.
    #[arg(long, value_name = "USER", requires = "password_stdin")]
    pub username: Option<String>,

    /// Read the password for --username from stdin.
    #[arg(long, requires = "username")]
    pub password_stdin: bool,

    /// Pull anonymously.
    #[arg(long, conflicts_with = "username")]
    pub anonymous: bool,

    /// The Docker config with `auths` and `credHelpers` for registries other than ACR
    /// (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json).
    #[arg(long, value_name = "PATH")]
    pub docker_config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The image to pull, e.g. myregistry.azurecr.io/app/web:1.4.2.
    pub image: String,

    #[command(flatten)]
    pub options: ProbeOptions,

    /// A user-assigned managed identity's client id to pull with (the app's
    /// acrUserManagedIdentityID).
    #[arg(long, value_name = "GUID")]
    pub client_id: Option<String>,

    /// Which Azure credential asks for the ACR token; auto tries managed identity, workload
    /// identity, client secret, then the Azure CLI.
    #[arg(long, value_enum, default_value = "auto")]
    pub auth: crate::collect::auth::AuthMode,

    /// Deadline for the whole run, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Log credential attempts to stderr.
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

fn parse_dns_server(value: &str) -> Result<std::net::SocketAddr, String> {
    if let Ok(address) = value.parse::<std::net::SocketAddr>() {
        return Ok(address);
    }
    value
        .parse::<std::net::IpAddr>()
        .map(|ip| std::net::SocketAddr::new(ip, 53))
        .map_err(|_| format!("`{value}` is not IP[:PORT] (e.g. 10.0.0.4 or 127.0.0.1:5353)"))
}

/// Where and how to read live ARM (az CLI spelling).
#[derive(Debug, Args, Clone)]
pub struct LiveArgs {
    /// Subscription id (default: AZURE_SUBSCRIPTION_ID, then the az CLI's default).
    #[arg(long, value_name = "SUB", env = "AZURE_SUBSCRIPTION_ID")]
    pub subscription: Option<String>,

    /// The app's resource group.
    #[arg(short = 'g', long, value_name = "RG")]
    pub resource_group: Option<String>,

    /// The web app's name.
    #[arg(short = 'n', long, value_name = "APP")]
    pub name: Option<String>,

    /// A deployment slot of the app.
    #[arg(long, value_name = "SLOT")]
    pub slot: Option<String>,

    /// Which credential to use; auto tries managed identity, workload identity, client
    /// secret, then the Azure CLI.
    #[arg(long, value_enum, default_value = "auto")]
    pub auth: crate::collect::auth::AuthMode,

    /// The ARM endpoint (default: the cloud's); plain http only for loopback hosts.
    #[arg(long, value_name = "URL")]
    pub arm_endpoint: Option<String>,

    /// ARM requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_concurrency: u16,

    /// Deadline for the whole run, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Log each ARM request (method, path, status, ms) and credential attempts to stderr.
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// No progress line on stderr.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub live: LiveArgs,

    /// The directory to write (must not exist, or be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// The registry's resource id, when it cannot be found from the image's login server.
    #[arg(long, value_name = "ID")]
    pub registry_id: Option<String>,

    /// The Azure cloud. Default: from the image host.
    #[arg(long, value_enum)]
    pub cloud: Option<Cloud>,
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
