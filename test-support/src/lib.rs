//! Test support for the webhook toolkit: real `redis-server` processes on
//! free local ports, for tests that must talk to a real Redis (never a mock);
//! and [`eventually`] and [`Poll`] to wait for a condition with a bound.
//!
//! - [`RedisServer`] starts one server (from async code:
//!   [`RedisServer::start_async`], which starts it off the runtime's threads) with persistence off
//!   (`--save "" --appendonly no`), bound to `127.0.0.1`, with its log file in
//!   a temporary directory it owns. It is ready when a connection answers
//!   `PING`; dropping it kills the process and waits for it. [`kill`] and
//!   [`restart`] (on the same port) let a test simulate an outage.
//! - [`RedisCluster`] starts `n` `--cluster-enabled yes` nodes, joins them with
//!   `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes` and
//!   waits until every node reports `cluster_state:ok`.
//!
//! The binaries come from the `REDIS_SERVER_BIN` / `REDIS_CLI_BIN` environment
//! variables, or `redis-server` / `redis-cli` on `PATH`. Every failure panics
//! with a message that says what went wrong and includes the server log, so a
//! test that needs Redis fails loudly instead of being skipped.
//!
//! ```no_run
//! use webhook_test_support::RedisServer;
//!
//! let mut server = RedisServer::start();
//! let client = redis::Client::open(server.url()).unwrap();
//! let mut con = client.get_connection().unwrap();
//! let pong: String = redis::cmd("PING").query(&mut con).unwrap();
//! assert_eq!(pong, "PONG");
//!
//! server.kill(); // outage
//! assert!(client.get_connection().is_err());
//! server.restart(); // back on the same port
//! assert!(client.get_connection().is_ok());
//! ```
//!
//! [`kill`]: RedisServer::kill
//! [`restart`]: RedisServer::restart

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

mod poll;

pub use poll::{PATIENCE, Poll, eventually, poll_until};

/// How long a server (or a cluster) may take to become ready.
pub const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// Interval between two readiness probes.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// The `redis-server` binary: `$REDIS_SERVER_BIN`, or `redis-server` on `PATH`.
pub fn redis_server_bin() -> PathBuf {
    std::env::var_os("REDIS_SERVER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("redis-server"))
}

/// The `redis-cli` binary: `$REDIS_CLI_BIN`, or `redis-cli` on `PATH`.
pub fn redis_cli_bin() -> PathBuf {
    std::env::var_os("REDIS_CLI_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("redis-cli"))
}

/// A free TCP port on 127.0.0.1.
///
/// Binds port 0, reads the port the kernel chose and drops the listener.
/// This races: another process may take the port before the caller binds it.
/// The window is small and a lost race shows up as a server that fails to
/// start, with the reason (`Address already in use`) in its log.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .unwrap_or_else(|e| panic!("cannot bind 127.0.0.1:0 to find a free port: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("cannot read the local address of a bound listener: {e}"))
        .port()
}

/// One `redis-server` process on a free local port.
///
/// Persistence is off (`--save "" --appendonly no`), so a restart starts
/// empty. Dropping the value kills the process and waits for it.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    extra_args: Vec<String>,
    log: PathBuf,
    // Dropped last: holds the log file (and cluster config) of the server.
    dir: TempDir,
}

impl RedisServer {
    /// Starts a server on a free port and waits until it answers `PING`.
    ///
    /// # Panics
    ///
    /// When the binary cannot be run or the server is not ready within
    /// [`READY_TIMEOUT`]; the message includes the server log.
    pub fn start() -> Self {
        Self::start_with_args(Vec::<String>::new())
    }

    /// Like [`start`](Self::start), with extra `redis-server` arguments
    /// (e.g. `["--maxmemory-policy", "noeviction"]`).
    pub fn start_with_args<I, A>(extra_args: I) -> Self
    where
        I: IntoIterator<Item = A>,
        A: Into<String>,
    {
        let dir = tempfile::Builder::new()
            .prefix("webhook-redis-")
            .tempdir()
            .unwrap_or_else(|e| {
                panic!("cannot create a temporary directory for redis-server: {e}")
            });
        let log = dir.path().join("redis.log");
        let mut server = RedisServer {
            child: None,
            port: free_port(),
            extra_args: extra_args.into_iter().map(Into::into).collect(),
            log,
            dir,
        };
        server.spawn_and_wait();
        server
    }

    /// [`start`](Self::start) from async code: on a blocking thread, so
    /// that the runtime's own threads keep running while the server starts.
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start), with the same message.
    pub async fn start_async() -> Self {
        Self::start_with_args_async(Vec::<String>::new()).await
    }

    /// [`start_with_args`](Self::start_with_args) from async code, as
    /// [`start_async`](Self::start_async).
    pub async fn start_with_args_async<I, A>(extra_args: I) -> Self
    where
        I: IntoIterator<Item = A>,
        A: Into<String>,
    {
        let args: Vec<String> = extra_args.into_iter().map(Into::into).collect();
        match tokio::task::spawn_blocking(move || Self::start_with_args(args)).await {
            Ok(server) => server,
            // Re-raise the start's own panic, with its message and log.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The directory that holds the server's log and data files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server log so far (empty if it cannot be read).
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process is running (it was started and has not exited).
    pub fn is_running(&mut self) -> bool {
        match &mut self.child {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kills the server (SIGKILL: an abrupt outage) and waits for it to exit.
    /// Does nothing if it is not running.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Errors mean the process has already exited: nothing to do.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the server (SIGSTOP): it keeps its connections but answers
    /// nothing, like a hung Redis. [`resume`](Self::resume) undoes it;
    /// dropping a paused server still kills it.
    ///
    /// # Panics
    ///
    /// If the server is not running or `kill -STOP` fails.
    pub fn pause(&mut self) {
        self.signal("-STOP");
    }

    /// Resumes a [`pause`](Self::pause)d server (SIGCONT).
    ///
    /// # Panics
    ///
    /// If the server is not running or `kill -CONT` fails.
    pub fn resume(&mut self) {
        self.signal("-CONT");
    }

    fn signal(&mut self, signal: &str) {
        let pid = match &self.child {
            Some(child) => child.id(),
            None => panic!("redis-server on port {} is not running", self.port),
        };
        let status = Command::new("kill")
            .arg(signal)
            .arg(pid.to_string())
            .status()
            .unwrap_or_else(|e| panic!("cannot run kill {signal} {pid}: {e}"));
        assert!(status.success(), "kill {signal} {pid} failed: {status}");
    }

    /// Same as [`kill`](Self::kill).
    pub fn stop(&mut self) {
        self.kill();
    }

    /// Kills the server if it runs, then starts it again on the same port
    /// (empty, since persistence is off) and waits until it answers `PING`.
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn_and_wait();
    }

    fn spawn_and_wait(&mut self) {
        let bin = redis_server_bin();
        let mut cmd = Command::new(&bin);
        cmd.arg("--port")
            .arg(self.port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--save")
            .arg("")
            .arg("--appendonly")
            .arg("no")
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--logfile")
            .arg(&self.log)
            .args(&self.extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot run {} (set REDIS_SERVER_BIN or put redis-server on PATH): {e}",
                bin.display()
            )
        });
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        let url = self.url();
        loop {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                panic!(
                    "redis-server on port {} exited early ({status}); log:\n{}",
                    self.port,
                    self.log()
                );
            }
            let last_error = match ping(&url) {
                Ok(()) => return,
                Err(e) => e,
            };
            if Instant::now() >= deadline {
                let log = self.log();
                self.kill();
                panic!(
                    "redis-server on port {} was not ready within {READY_TIMEOUT:?} \
                     (last error: {last_error}); log:\n{log}",
                    self.port
                );
            }
            thread::sleep(POLL_INTERVAL);
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn connect(url: &str) -> Result<redis::Connection, String> {
    let client = redis::Client::open(url).map_err(|e| e.to_string())?;
    let con = client
        .get_connection_with_timeout(Duration::from_millis(500))
        .map_err(|e| e.to_string())?;
    con.set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    Ok(con)
}

fn ping(url: &str) -> Result<(), String> {
    let mut con = connect(url)?;
    let pong: String = redis::cmd("PING")
        .query(&mut con)
        .map_err(|e| e.to_string())?;
    if pong == "PONG" {
        Ok(())
    } else {
        Err(format!("unexpected PING answer {pong:?}"))
    }
}

/// A Redis Cluster of `n` master nodes (no replicas) on free local ports.
///
/// ```no_run
/// use webhook_test_support::RedisCluster;
///
/// let cluster = RedisCluster::start(3);
/// let client = redis::cluster::ClusterClient::new(cluster.urls()).unwrap();
/// let mut con = client.get_connection().unwrap();
/// let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
/// ```
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts `n` nodes with `--cluster-enabled yes`, creates the cluster
    /// with `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes`
    /// and waits until every node reports `cluster_state:ok`.
    ///
    /// # Panics
    ///
    /// When a node cannot start, `redis-cli` fails, or the cluster is not ok
    /// within [`READY_TIMEOUT`]; the message includes the output and logs.
    /// Redis needs at least 3 masters for `--cluster create`.
    pub fn start(n: usize) -> Self {
        assert!(
            n >= 3,
            "redis-cli --cluster create needs at least 3 masters"
        );
        let nodes: Vec<RedisServer> = (0..n)
            .map(|_| {
                // The cluster bus port defaults to port + 10000, which may be
                // taken or above 65535: pick a free one explicitly.
                RedisServer::start_with_args([
                    "--cluster-enabled".to_owned(),
                    "yes".to_owned(),
                    "--cluster-config-file".to_owned(),
                    "nodes.conf".to_owned(),
                    "--cluster-node-timeout".to_owned(),
                    "5000".to_owned(),
                    "--cluster-port".to_owned(),
                    free_port().to_string(),
                ])
            })
            .collect();
        let cli = redis_cli_bin();
        let output = Command::new(&cli)
            .arg("--cluster")
            .arg("create")
            .args(nodes.iter().map(|n| format!("127.0.0.1:{}", n.port())))
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} (set REDIS_CLI_BIN or put redis-cli on PATH): {e}",
                    cli.display()
                )
            });
        let cluster = RedisCluster { nodes };
        if !output.status.success() {
            panic!(
                "redis-cli --cluster create failed ({}):\n{}\n{}\nlogs:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
                cluster.logs()
            );
        }
        cluster.wait_ok();
        cluster
    }

    /// The nodes' URLs (`redis://127.0.0.1:{port}/`), to build a cluster
    /// client from.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The nodes.
    pub fn nodes(&self) -> &[RedisServer] {
        &self.nodes
    }

    fn logs(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("--- node {} ---\n{}", n.port(), n.log()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn wait_ok(&self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let mut last = String::new();
            let all_ok = self.nodes.iter().all(|node| {
                match connect(&node.url()).and_then(|mut con| {
                    redis::cmd("CLUSTER")
                        .arg("INFO")
                        .query::<String>(&mut con)
                        .map_err(|e| e.to_string())
                }) {
                    Ok(info) if info.contains("cluster_state:ok") => true,
                    Ok(info) => {
                        last = info;
                        false
                    }
                    Err(e) => {
                        last = e;
                        false
                    }
                }
            });
            if all_ok {
                return;
            }
            if Instant::now() >= deadline {
                panic!(
                    "the Redis Cluster was not ok within {READY_TIMEOUT:?}; last answer:\n{last}\nlogs:\n{}",
                    self.logs()
                );
            }
            thread::sleep(POLL_INTERVAL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: &str, key: &str) -> Option<String> {
        let mut con = connect(url).expect("connect");
        redis::cmd("GET").arg(key).query(&mut con).expect("GET")
    }

    #[test]
    fn server_starts_kills_and_restarts_on_the_same_port() {
        let mut server = RedisServer::start();
        let port = server.port();
        let mut con = connect(&server.url()).expect("connect");
        let _: () = redis::cmd("SET")
            .arg("k")
            .arg("v")
            .query(&mut con)
            .expect("SET");
        assert_eq!(get(&server.url(), "k").as_deref(), Some("v"));

        server.kill();
        assert!(!server.is_running());
        assert!(ping(&server.url()).is_err(), "killed server still answers");

        server.restart();
        assert_eq!(server.port(), port);
        assert!(server.is_running());
        // Persistence is off: a restarted server is empty.
        assert_eq!(get(&server.url(), "k"), None);
    }

    #[test]
    fn cluster_reports_ok_and_routes_keys() {
        let cluster = RedisCluster::start(3);
        assert_eq!(cluster.urls().len(), 3);
        let client = redis::cluster::ClusterClient::new(cluster.urls()).expect("client");
        let mut con = client.get_connection().expect("cluster connection");
        for i in 0..20 {
            let _: () = redis::cmd("SET")
                .arg(format!("key-{i}"))
                .arg(i)
                .query(&mut con)
                .expect("SET");
        }
        let v: i64 = redis::cmd("GET").arg("key-7").query(&mut con).expect("GET");
        assert_eq!(v, 7);
    }
}
