//! The real release binary as a child process: a token made with `token create`, then
//! `serve --role api` on a port the system chooses, its memory read from /proc.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// What the child processes run with: the same data directory, key, store and queue.
pub struct ServeEnv {
    pub bin: PathBuf,
    pub config: PathBuf,
    pub data_dir: PathBuf,
    pub server_key: String,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub queue: String,
}

impl ServeEnv {
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        // Only what we set: nothing of the caller's DLP_* or DATABASE_URL leaks in.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            if name.starts_with("DLP_")
                || name == "DATABASE_URL"
                || name == "REDIS_URL"
                || name.starts_with("CONFLUENCE_")
            {
                cmd.env_remove(name);
            }
        }
        cmd.arg("--config")
            .arg(&self.config)
            .env("DLP_DATA_DIR", &self.data_dir)
            .env("DLP_SERVER_KEY", &self.server_key)
            .env("DLP_QUEUE", &self.queue)
            // Set, so the binary does not exec itself again to set it (the pid stays ours).
            .env("OMP_THREAD_LIMIT", "1");
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        if let Some(url) = &self.redis_url {
            cmd.env("REDIS_URL", url);
        }
        cmd
    }

    /// `confluence-dlp token create --name NAME --scope findings:read`: the token.
    pub fn create_token(&self, name: &str) -> anyhow::Result<String> {
        self.create_token_with(name, "findings:read")
    }

    /// A token with one scope.
    pub fn create_token_with(&self, name: &str, scope: &str) -> anyhow::Result<String> {
        let out = self
            .command()
            .args(["token", "create", "--name", name, "--scope", scope])
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {}", self.bin.display()))?;
        if !out.status.success() {
            bail!(
                "token create failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let stdout = String::from_utf8(out.stdout)?;
        let token = stdout.lines().last().unwrap_or_default().trim().to_owned();
        anyhow::ensure!(token.starts_with("dlp_"), "token create printed no token");
        Ok(token)
    }

    /// Starts `serve --role api --listen 127.0.0.1:0`, its stderr to `log`, and waits for
    /// the address it prints.
    pub fn serve(&self, log: &Path) -> anyhow::Result<Served> {
        self.serve_roles(log, &["--role", "api"])
    }

    /// `serve --role worker`, its stderr appended to `log`: a worker process of its own,
    /// which a test may kill.
    pub fn worker(&self, log: &Path) -> anyhow::Result<Child> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?;
        self.command()
            .args(["serve", "--role", "worker"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .with_context(|| format!("starting {}", self.bin.display()))
    }

    /// `serve` with these role arguments (none: every role in one process).
    pub fn serve_roles(&self, log: &Path, roles: &[&str]) -> anyhow::Result<Served> {
        let file = std::fs::File::create(log)?;
        let started = Instant::now();
        let child = self
            .command()
            .arg("serve")
            .args(roles)
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .with_context(|| format!("starting {}", self.bin.display()))?;
        let mut served = Served {
            child,
            started,
            addr: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(rest) = text.split("serving on http://").nth(1) {
                served.addr = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                return Ok(served);
            }
            if let Some(status) = served.child.try_wait()? {
                bail!("serve exited ({status}) before serving:\n{text}");
            }
            if Instant::now() > deadline {
                bail!("serve printed no address in 120 s:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The running API process; stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Served {
    child: Child,
    /// When the process was started.
    pub started: Instant,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

/// Resident memory of a process, in KiB.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

impl Served {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn memory(&self) -> anyhow::Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let field = |name: &str| -> anyhow::Result<u64> {
            let line = status
                .lines()
                .find(|l| l.starts_with(name))
                .with_context(|| format!("no {name} in /proc/PID/status"))?;
            Ok(line
                .split_whitespace()
                .nth(1)
                .context("malformed /proc/PID/status")?
                .parse()?)
        };
        Ok(Memory {
            rss_kib: field("VmRSS:")?,
            hwm_kib: field("VmHWM:")?,
        })
    }

    /// Resets the peak (VmHWM) to the current RSS, so the next peak is that of what follows.
    pub fn reset_peak(&self) -> anyhow::Result<()> {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5")
            .context("resetting VmHWM through /proc/PID/clear_refs")
    }

    pub fn stop(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop();
    }
}
