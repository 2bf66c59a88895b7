//! Turns a parsed command line into work: load the source, build the facts, run the catalog,
//! render every requested format, and pick the exit code. Output files are written whole or
//! not at all (temporary file, then rename), and only after everything rendered.

use std::fs;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

mod probe;
mod template;

use std::time::Duration;

use crate::checks::{self, Inputs};
use crate::cli::{
    CatalogFormat, ChecksArgs, ColorChoice, Command, FailOn, LiveArgs, OutputSpec, ProbeArgs,
    ReportArgs, SnapshotArgs, VerifyArgs,
};
use crate::collect::arm::{ArmClient, ClientOptions};
use crate::collect::live::{self, Gathered, LiveTarget};
use crate::collect::{auth, export, snapshot};
use crate::error::InputError;
use crate::exit;
use crate::facts::{Cloud, Facts, RegistryLookup, Target};
use crate::report::{self, Format, RenderOptions, Report, Source, Summary, Tool};

pub fn run(cli: crate::cli::Cli) -> Result<u8, InputError> {
    match cli.command {
        Command::Verify(args) => verify(&args),
        Command::Probe(args) => probe_only(&args),
        Command::Checks(args) => list_checks(&args),
        Command::Snapshot(args) => export_snapshot(&args),
        Command::Explain { id } => explain(&id),
    }
}

/// Where the facts came from, ready to build them.
pub struct Loaded {
    pub inventory: crate::facts::inventory::Inventory,
    pub source: Source,
    /// The registry a live walk settled on (its id), for the facts to look it up by.
    pub registry_id: Option<String>,
    pub identity: Option<String>,
    /// Resource id → file, for SARIF and annotations (snapshots only).
    pub origins: Vec<(String, String)>,
    /// The app's registry credentials, for `--use-app-credentials` (live only).
    pub app_credentials: Option<probe::AppCredentials>,
    /// The documents as read, by normalised id (what a template's `reference()` sees);
    /// the template evaluation takes them.
    pub documents: std::collections::BTreeMap<String, serde_json::Value>,
}

fn load_snapshot(path: &Path) -> Result<Loaded, InputError> {
    let snapshot = snapshot::load(path)?;
    let origins = snapshot
        .inventory
        .entries()
        .map(|e| {
            (
                e.resource.id().trim_end_matches('/').to_ascii_lowercase(),
                display_path(&e.origin.file),
            )
        })
        .collect();
    Ok(Loaded {
        source: Source {
            kind: "snapshot",
            path: Some(display_path(&snapshot.path)),
            documents: snapshot.inventory.len(),
        },
        inventory: snapshot.inventory,
        registry_id: None,
        identity: None,
        origins,
        app_credentials: None,
        documents: snapshot.documents,
    })
}

/// The ARM endpoint and token scope of a cloud.
fn arm_endpoint(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::AzureCloud => "https://management.azure.com",
        Cloud::AzureUsGovernment => "https://management.usgovcloudapi.net",
        Cloud::AzureChinaCloud => "https://management.chinacloudapi.cn",
    }
}

/// The subscription: the flag (or AZURE_SUBSCRIPTION_ID), else the az CLI's default.
fn subscription(live: &LiveArgs) -> Result<String, InputError> {
    if let Some(s) = live.subscription.as_ref().filter(|s| !s.trim().is_empty()) {
        return Ok(s.trim().to_string());
    }
    let output = std::process::Command::new("az")
        .args(["account", "show", "--query", "id", "-o", "tsv"])
        .stdin(std::process::Stdio::null())
        .output();
    match output {
        Ok(o) if o.status.success() && !String::from_utf8_lossy(&o.stdout).trim().is_empty() => {
            Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
        }
        _ => Err(InputError::new(
            "no subscription: pass --subscription, set AZURE_SUBSCRIPTION_ID, or choose a default with `az account set`",
        )),
    }
}

/// A live read: what was read, from where, as whom.
struct LiveRead {
    target: LiveTarget,
    gathered: Gathered,
    /// The ARM endpoint used.
    base: String,
    who: String,
    requests: usize,
}

/// Reads the app's documents from ARM.
fn gather_live(
    live: &LiveArgs,
    registry_id: Option<String>,
    cloud: Option<Cloud>,
    planned_site: Option<serde_json::Value>,
) -> Result<LiveRead, InputError> {
    let (Some(resource_group), Some(name)) = (live.resource_group.clone(), live.name.clone())
    else {
        return Err(InputError::new(
            "give a source: --snapshot PATH, or -g RESOURCE_GROUP -n APP (with --subscription) to read live from ARM",
        ));
    };
    init_logging(live.verbose);
    let cloud_for_endpoint = cloud.unwrap_or_default();
    let base = live
        .arm_endpoint
        .clone()
        .unwrap_or_else(|| arm_endpoint(cloud_for_endpoint).to_string());
    let base = crate::collect::arm::validate_base(&base)?;
    let target = LiveTarget {
        subscription: subscription(live)?,
        resource_group,
        name,
        slot: live.slot.clone(),
        registry_id,
        cloud: cloud_for_endpoint,
        planned_site,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| InputError::new(format!("cannot start the runtime: {e}")))?;
    let started = std::time::Instant::now();
    let show_progress = !live.quiet && std::io::stderr().is_terminal();
    let deadline = tokio::time::Duration::from_secs(live.timeout);
    let scope = format!("{}/.default", arm_endpoint(cloud_for_endpoint));
    let (gathered, who, requests) = runtime.block_on(async {
        let deadline = tokio::time::Instant::now() + deadline;
        let credential = tokio::time::timeout_at(deadline, auth::acquire(live.auth, &scope))
            .await
            .map_err(|_| InputError::new("no credential answered before --timeout"))??;
        let who = format!("{}: {}", credential.kind, credential.who);
        let options = ClientOptions {
            base: base.clone(),
            max_concurrency: usize::from(live.max_concurrency),
            request_timeout: std::time::Duration::from_secs(20),
            deadline,
        };
        let client = std::sync::Arc::new(ArmClient::new(options, credential, scope.clone())?);
        // A live count on a terminal; nothing when piped or --quiet.
        let progress = show_progress.then(|| {
            let client = client.clone();
            tokio::spawn(async move {
                loop {
                    eprint!(
                        "\rpullpath: reading ARM… {} requests",
                        client.requests.load(std::sync::atomic::Ordering::Relaxed)
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
                }
            })
        });
        let gathered = live::gather(&client, &target).await;
        if let Some(task) = progress {
            task.abort();
            eprint!("\r\x1b[2K");
        }
        Ok::<_, InputError>((
            gathered?,
            who,
            client.requests.load(std::sync::atomic::Ordering::Relaxed),
        ))
    })?;
    if show_progress {
        eprintln!(
            "pullpath: read {} documents from {base} in {requests} requests, {} ms, as {who}",
            gathered.documents.len(),
            started.elapsed().as_millis()
        );
    }
    Ok(LiveRead {
        target,
        gathered,
        base,
        who,
        requests,
    })
}

/// `-v`: pullpath's own request and credential log on stderr; the libraries stay quiet
/// (their debug output would be noise, and pullpath never logs headers).
fn init_logging(verbose: bool) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let level = if verbose {
        tracing::Level::DEBUG
    } else {
        tracing::Level::WARN
    };
    let filter = tracing_subscriber::filter::Targets::new().with_target("pullpath", level);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time();
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(filter)
        .try_init();
}

fn load_live(args: &VerifyArgs) -> Result<Loaded, InputError> {
    let LiveRead {
        target,
        gathered,
        base,
        who,
        ..
    } = gather_live(
        &args.live,
        args.registry_id.clone(),
        args.cloud,
        template::planned_site(args)?,
    )?;
    let source_label = PathBuf::from(format!("ARM {}", target.site_id()));
    let documents = gathered
        .documents
        .iter()
        .filter_map(|d| {
            let id = d.get("id")?.as_str()?;
            Some((crate::facts::inventory::id_key(id), d.clone()))
        })
        .collect();
    let app_credentials = if args.use_app_credentials {
        Some(probe::app_credentials_from(&gathered.documents)?)
    } else {
        None
    };
    let gaps = gathered.gaps;
    let mut inventory = snapshot::inventory_from_documents(gathered.documents, &source_label)?;
    for (id, gap) in gaps {
        inventory.record_gap(&id, gap);
    }
    Ok(Loaded {
        source: Source {
            kind: "arm",
            path: Some(base),
            documents: inventory.len(),
        },
        inventory,
        registry_id: gathered.registry_id.or_else(|| args.registry_id.clone()),
        identity: Some(who),
        origins: Vec::new(),
        app_credentials,
        documents,
    })
}

fn export_snapshot(args: &SnapshotArgs) -> Result<u8, InputError> {
    let LiveRead {
        target,
        gathered,
        who,
        requests,
        ..
    } = gather_live(&args.live, args.registry_id.clone(), args.cloud, None)?;
    let written = export::write(&args.out, &target, &gathered)?;
    let unreadable = gathered.gaps.len();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "wrote {written} documents to {} ({requests} requests, as {who}){}",
        args.out.display(),
        if unreadable > 0 {
            format!(
                "; {unreadable} could not be read (listed in {})",
                snapshot::MANIFEST_FILE
            )
        } else {
            String::new()
        }
    );
    Ok(exit::PASS)
}

/// Loads the source and evaluates it: the report, ready to render.
pub fn build_report(args: &VerifyArgs) -> Result<Report, InputError> {
    if args.use_app_credentials && args.snapshot.is_some() {
        return Err(InputError::new(
            "--use-app-credentials needs live mode (-g and -n): a snapshot holds no password values",
        ));
    }
    let planning = args.template.as_ref().or(args.terraform_plan.as_ref());
    if args.snapshot.is_some() && args.live.resource_group.is_some() && planning.is_none() {
        return Err(InputError::new(
            "-g/--resource-group goes with live mode (with -n) or with --template (the deployment's resource group), not with --snapshot alone",
        ));
    }
    let mut loaded = match &args.snapshot {
        Some(path) => load_snapshot(path)?,
        None if planning.is_some() && args.live.name.is_none() => Loaded {
            inventory: Default::default(),
            source: Source {
                kind: "empty",
                path: None,
                documents: 0,
            },
            registry_id: None,
            identity: None,
            origins: Vec::new(),
            app_credentials: None,
            documents: Default::default(),
        },
        None => load_live(args)?,
    };
    let applied = template::apply(args, &mut loaded)?;
    if let (Some(template), Some(_)) = (planning, &applied) {
        loaded.source.path = Some(match &loaded.source.path {
            Some(existing) => format!("{} over {existing}", display_path(template)),
            None => display_path(template),
        });
    }
    let target = Target {
        app: args
            .app
            .clone()
            .or_else(|| applied.as_ref().and_then(|a| a.site.clone())),
        registry_id: args.registry_id.clone().or(loaded.registry_id.clone()),
        cloud: args.cloud,
    };
    let app_credentials = loaded.app_credentials.take();
    let mut facts = Facts::build(loaded.inventory, &target).map_err(|e| match planning {
        Some(file) if e.message.contains("holds no Microsoft.Web/sites document") => {
            InputError::in_file(
                file,
                "deploys no web app (Microsoft.Web/sites, azurerm_linux_web_app), and the existing documents hold none: there is no pull to verify",
            )
        }
        _ => e,
    })?;
    if let (Some(applied), Some(template)) = (&applied, planning) {
        facts.template = Some(crate::facts::TemplateFacts {
            file: display_path(template),
            literal_passwords: applied.findings.literal_passwords.clone(),
            identity_id_mistakes: applied.findings.identity_id_mistakes.clone(),
            untyped_new_principals: applied.findings.untyped_new_principals.clone(),
        });
    }
    let probed = if args.probe {
        match probe::plan_from_facts(
            &facts,
            &args.probe_options,
            args.live.auth,
            app_credentials,
            Duration::from_secs(args.live.timeout),
        )? {
            Some(plan) => Some(probe::run_plan(plan)?),
            None => None,
        }
    } else {
        None
    };
    let mut results = checks::run(Inputs {
        facts: Some(&facts),
        probe: probed.as_ref(),
    });
    if let Some(applied) = &applied {
        template::mark(&mut results, applied);
    }
    let target = report::Target {
        app: facts.site.id.clone(),
        image: facts.main_image().map(|i| {
            i.parsed
                .as_ref()
                .map_or_else(|_| i.raw.clone(), |r| r.to_string())
        }),
        registry: match &facts.registry {
            RegistryLookup::Acr(r) => Some(r.id.clone()),
            RegistryLookup::Unreadable { id, .. } => Some(id.clone()),
            RegistryLookup::Custom { host } | RegistryLookup::AcrNotFound { host } => {
                Some(host.clone())
            }
            RegistryLookup::NoImage => None,
        },
    };
    Ok(assemble(
        &args.report,
        results,
        loaded.source,
        target,
        loaded.identity,
        probed.map(|p| p.vantage),
        loaded.origins,
    ))
}

/// The report around a run's results.
fn assemble(
    report_args: &ReportArgs,
    mut results: Vec<checks::CheckResult>,
    source: Source,
    target: report::Target,
    identity: Option<String>,
    vantage: Option<crate::facts::probe::Vantage>,
    origins: Vec<(String, String)>,
) -> Report {
    let root_causes = checks::root_causes(&results);
    if let Some(min) = report_args.min_severity {
        results.retain(|r| r.severity >= min || root_causes.contains(&r.id));
    }
    let fail_on_warn = report_args.fail_on == FailOn::Warn;
    let summary = Summary::of(&results, fail_on_warn);
    Report {
        schema: report::SCHEMA,
        tool: Tool {
            name: "pullpath",
            version: env!("CARGO_PKG_VERSION"),
        },
        source,
        target,
        identity,
        vantage,
        summary,
        root_causes,
        checks: results,
        fail_on_warn,
        origins,
    }
}

/// `pullpath probe IMAGE`.
fn probe_only(args: &ProbeArgs) -> Result<u8, InputError> {
    let outputs = plan_outputs(&args.report.outputs)?;
    init_logging(args.verbose);
    let plan = probe::plan_from_image(
        &args.image,
        &args.options,
        args.auth,
        args.client_id.clone(),
        Duration::from_secs(args.timeout),
    )?;
    let image = plan.image.to_string();
    let registry = plan.login.host.clone();
    let probed = probe::run_plan(plan)?;
    let results = checks::run(Inputs {
        facts: None,
        probe: Some(&probed),
    });
    let report = assemble(
        &args.report,
        results,
        Source {
            kind: "probe",
            path: None,
            documents: 0,
        },
        report::Target {
            app: String::new(),
            image: Some(image),
            registry: Some(registry),
        },
        Some(probed.vantage.identity.clone()),
        Some(probed.vantage),
        Vec::new(),
    );
    emit(&report, &outputs, args.report.color)
}

/// Paths as the user would write them: relative to the working directory when inside it
/// (SARIF and GitHub annotations want repository-relative paths).
fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf));
    relative
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

fn verify(args: &VerifyArgs) -> Result<u8, InputError> {
    let outputs = plan_outputs(&args.report.outputs)?;
    let report = build_report(args)?;
    emit(&report, &outputs, args.report.color)
}

/// Renders every output (files whole or not at all) and returns the exit code.
fn emit(report: &Report, outputs: &[OutputSpec], color: ColorChoice) -> Result<u8, InputError> {
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    };

    // Render everything first: an output file exists only if every format rendered.
    let mut rendered: Vec<(Option<PathBuf>, Vec<u8>)> = Vec::new();
    for spec in outputs {
        let mut buffer = Vec::new();
        let options = RenderOptions {
            color: color && spec.path.is_none() && spec.format == Format::Table,
        };
        report::render(spec.format, report, &mut buffer, &options)
            .map_err(|e| InputError::new(format!("cannot render {:?}: {e}", spec.format)))?;
        rendered.push((spec.path.clone(), buffer));
    }
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    for (path, bytes) in &rendered {
        let Some(path) = path else { continue };
        match stage(path, bytes) {
            Ok(temp) => staged.push((temp, path.clone())),
            Err(e) => {
                for (temp, _) in &staged {
                    let _ = fs::remove_file(temp);
                }
                return Err(e);
            }
        }
    }
    for (temp, path) in &staged {
        fs::rename(temp, path)
            .map_err(|e| InputError::in_file(path, format!("cannot write the report ({e})")))?;
    }
    let mut stdout = std::io::stdout().lock();
    for (path, bytes) in &rendered {
        if path.is_none() {
            // A closed pipe (`| head`) is not an error of the verification.
            let _ = stdout.write_all(bytes).and_then(|_| stdout.flush());
        }
    }
    Ok(exit::for_verdict(report.summary.verdict))
}

/// The outputs to produce; the table on stdout when none is asked for.
fn plan_outputs(specs: &[OutputSpec]) -> Result<Vec<OutputSpec>, InputError> {
    if specs.is_empty() {
        return Ok(vec![OutputSpec {
            format: Format::Table,
            path: None,
        }]);
    }
    if specs.iter().filter(|s| s.path.is_none()).count() > 1 {
        return Err(InputError::new(
            "-o: more than one format goes to stdout; give all but one a path (-o json=report.json)",
        ));
    }
    for spec in specs.iter().filter_map(|s| s.path.as_ref()) {
        if specs
            .iter()
            .filter(|s| s.path.as_ref() == Some(spec))
            .count()
            > 1
        {
            return Err(InputError::new(format!(
                "-o: {} is named twice",
                spec.display()
            )));
        }
    }
    Ok(specs.to_vec())
}

/// Writes `bytes` next to `path` under a temporary name, for a rename once all are written.
fn stage(path: &Path, bytes: &[u8]) -> Result<PathBuf, InputError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(InputError::in_file(
            path,
            format!(
                "cannot write the report: the directory {} does not exist",
                dir.display()
            ),
        ));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "report".into());
    let temp = dir.join(format!(".{name}.pullpath-{}.tmp", std::process::id()));
    fs::write(&temp, bytes).map_err(|e| {
        let _ = fs::remove_file(&temp);
        InputError::in_file(path, format!("cannot write the report ({e})"))
    })?;
    Ok(temp)
}

fn list_checks(args: &ChecksArgs) -> Result<u8, InputError> {
    let mut out = std::io::stdout().lock();
    let text = match args.format {
        CatalogFormat::Markdown => catalog_markdown(),
        CatalogFormat::Json => {
            let rows: Vec<serde_json::Value> = checks::catalog()
                .map(|c| serde_json::json!({"id": c.id, "title": c.title, "family": c.family, "severity": c.severity, "probe": c.is_probe(), "needs": c.needs}))
                .collect();
            serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
        }
        CatalogFormat::Table => {
            let mut table = comfy_table::Table::new();
            table
                .load_style(comfy_table::presets::UTF8_HORIZONTAL_ONLY)
                .force_no_tty();
            table.set_header(vec!["id", "severity", "family", "title", "mode"]);
            for c in checks::catalog() {
                table.add_row(vec![
                    c.id,
                    c.severity.as_str(),
                    c.family.as_str(),
                    c.title,
                    if c.is_probe() { "probe" } else { "offline" },
                ]);
            }
            format!("{table}\n\n`pullpath explain ID` shows a check's documentation.\n")
        }
    };
    let _ = out.write_all(text.as_bytes());
    Ok(exit::PASS)
}

/// The catalog as the README's Markdown table (a test keeps the README in step).
pub fn catalog_markdown() -> String {
    let mut text = String::from("| ID | severity | checks |\n|---|---|---|\n");
    for c in checks::catalog() {
        let mode = if c.is_probe() { " (probe)" } else { "" };
        text.push_str(&format!(
            "| [{}](checks/{}.md) | {} | {}{mode} |\n",
            c.id,
            c.id,
            c.severity.as_str(),
            c.title
        ));
    }
    text
}

fn explain(id: &str) -> Result<u8, InputError> {
    let Some(check) = checks::find(id) else {
        let prefix = id.split('-').next().unwrap_or("").to_ascii_uppercase();
        let same_family: Vec<&str> = checks::catalog()
            .filter(|c| c.id.starts_with(&prefix))
            .map(|c| c.id)
            .collect();
        let hint = if same_family.is_empty() {
            String::new()
        } else {
            format!(" (known: {})", same_family.join(", "))
        };
        return Err(InputError::new(format!(
            "unknown check id `{id}`{hint}; `pullpath checks` lists them all"
        )));
    };
    let _ = std::io::stdout().lock().write_all(check.doc.as_bytes());
    Ok(exit::PASS)
}
