//! The `settle` binary as its own process, configured only by the environment
//! as an operator runs it: for tests that need several processes on one
//! database, or a SIGKILL in the middle of work.
use super::doubles::free_port;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SettleProcess {
    child: Child,
    port: u16,
    scratch: PathBuf,
}

impl SettleProcess {
    /// Starts `settle serve` on a free port over `database_url` and waits until
    /// `/healthz` answers. `env` adds SMTP_URL, STRIPE_* and so on.
    pub async fn start(database_url: &str, env: &[(&str, String)]) -> SettleProcess {
        let port = free_port();
        let scratch = std::env::temp_dir().join(format!(
            "settle-proc-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&scratch).expect("scratch directory");
        let log = std::fs::File::create(scratch.join("settle.log")).expect("log file");
        // An empty working directory: no stray .env is read.
        let child = Command::new(env!("CARGO_BIN_EXE_settle"))
            .arg("serve")
            .current_dir(&scratch)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("SETTLE_PUBLIC_URL", "http://127.0.0.1:3000")
            .env("RUST_LOG", "info")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("starting the settle binary");
        let mut process = SettleProcess {
            child,
            port,
            scratch,
        };
        process.wait_until_healthy().await;
        process
    }

    async fn wait_until_healthy(&mut self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("settle exited early ({status}):\n{}", self.log());
            }
            if let Ok(res) = client.get(self.url("/healthz")).send().await {
                if res.status() == 200 {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "settle did not become healthy:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Everything the process wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.scratch.join("settle.log")).unwrap_or_default()
    }

    /// SIGKILL: no shutdown code runs, as in a power cut or an OOM kill.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A panic anywhere in the process is a failure, even one that a task survived.
    pub fn assert_no_panic(&self) {
        let log = self.log();
        assert!(!log.contains("panicked"), "settle panicked:\n{log}");
    }
}

impl Drop for SettleProcess {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}
