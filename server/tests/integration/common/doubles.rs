//! The third-party stand-ins from TESTING.md, started per test from the Python
//! virtualenv that `scripts/setup test` creates: a real SMTP server (aiosmtpd)
//! and the Stripe double (localstripe).
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn tools_dir() -> PathBuf {
    std::env::var_os("SETTLE_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into()))
                .join(".cache/settle-tools")
        })
}

fn python() -> PathBuf {
    let python = tools_dir().join("venv/bin/python");
    assert!(python.exists(), "{} is missing: run `scripts/setup test` (or `scripts/test`) once to install the test doubles", python.display());
    python
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("finding a free port")
}

/// A child process killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(script: &str, args: &[String]) -> (Guard, u16) {
    start_on(free_port(), script, args)
}

fn start_on(port: u16, script: &str, args: &[String]) -> (Guard, u16) {
    let mut child = Command::new(python())
        .arg(workspace_root().join("end2end/doubles").join(script))
        .arg("--port")
        .arg(port.to_string())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {script}: {e}"));
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("reading the READY line");
    assert!(
        line.starts_with("READY"),
        "{script} did not start: {line:?}"
    );
    (Guard(child), port)
}

pub struct SmtpSink {
    _child: Guard,
    pub port: u16,
    pub dir: PathBuf,
}

impl SmtpSink {
    pub fn start(reject: &[&str]) -> SmtpSink {
        Self::start_on(free_port(), reject)
    }

    /// On a given port: a test can stop the server and bring it back at the same address.
    pub fn start_on(port: u16, reject: &[&str]) -> SmtpSink {
        let dir = std::env::temp_dir().join(format!(
            "settle-smtp-{}-{}",
            std::process::id(),
            free_port()
        ));
        let mut args = vec!["--dir".to_owned(), dir.display().to_string()];
        for r in reject {
            args.push("--reject-rcpt".into());
            args.push((*r).to_owned());
        }
        let (child, port) = start_on(port, "smtp_sink.py", &args);
        SmtpSink {
            _child: child,
            port,
            dir,
        }
    }

    /// Every message received so far, raw, CRLF normalised to LF.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|p| {
                std::fs::read_to_string(p)
                    .unwrap_or_default()
                    .replace("\r\n", "\n")
            })
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct LocalStripe {
    _child: Guard,
    pub base_url: String,
    state_dir: PathBuf,
}

impl LocalStripe {
    pub fn start() -> LocalStripe {
        let state_dir = std::env::temp_dir().join(format!(
            "settle-stripe-{}-{}",
            std::process::id(),
            free_port()
        ));
        let (child, port) = start(
            "localstripe_launcher.py",
            &["--state-dir".into(), state_dir.display().to_string()],
        );
        LocalStripe {
            _child: child,
            base_url: format!("http://127.0.0.1:{port}"),
            state_dir,
        }
    }
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state_dir);
    }
}
