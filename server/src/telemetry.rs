use crate::config::LogFormat;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Logs go to standard error (standard output is for command results such as
/// the seeded login). Human-readable by default, one JSON object per line with
/// `SETTLE_LOG_FORMAT=json`. `RUST_LOG` overrides the level filter.
///
/// `verbose`: the server logs what it does (info); one-shot commands only warn,
/// so that their own output is what a person reads.
pub fn init(format: LogFormat, verbose: bool) {
    let default = if verbose {
        "info,sqlx=warn,sea_orm=warn"
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Text => registry
            .with(
                fmt::layer()
                    .with_target(false)
                    .with_ansi(ansi)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    // A second init (tests start many apps in one process) is harmless.
    let _ = result;
}
