//! opik-mcp binary: CLI → config → telemetry → Application → run.

use std::process::ExitCode;

use clap::Parser;
use opik_mcp::{
    config::{self, Cli, Command},
    doctor, healthcheck,
    startup::{Application, run_stdio},
    telemetry,
};

fn main() -> ExitCode {
    // One crypto provider for every rustls user (poem, reqwest, sqlx).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    if let Some(Command::Healthcheck(args)) = &cli.command {
        return match healthcheck::probe(args) {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("opik-mcp healthcheck: {}: {e}", args.url);
                ExitCode::FAILURE
            }
        };
    }
    let settings = match config::load(&cli) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("opik-mcp: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("opik-mcp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if cli.command == Some(Command::Doctor) {
        let mut out = std::io::stdout().lock();
        let config_file = cli
            .config
            .clone()
            .or_else(|| std::env::var_os("OPIK_MCP_CONFIG").map(std::path::PathBuf::from));
        return match runtime.block_on(doctor::run(&settings, config_file.as_deref(), &mut out)) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("opik-mcp doctor: cannot write the report: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("opik-mcp: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: config::Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve if settings.transport.is_http() => {
            telemetry::init(&settings.log, Some(&settings.server.log_path))?;
            log_warnings(&settings);
            let app = Application::build(settings).await?;
            app.run_until_stopped().await
        }
        Command::Serve => {
            telemetry::init(&settings.log, None)?;
            log_warnings(&settings);
            run_stdio(settings).await
        }
        Command::Migrate => {
            telemetry::init(&settings.log, None)?;
            opik_mcp::store::migrate_command(&settings.database).await
        }
        // Answered in `main`.
        Command::Healthcheck(_) | Command::Doctor => Ok(()),
    }
}

/// What loaded but is probably not what the user meant (a missing Opik key, environment
/// names this server does not read), once, at start-up.
fn log_warnings(settings: &config::Settings) {
    for warning in config::startup_warnings(settings) {
        tracing::warn!("{warning}");
    }
}
