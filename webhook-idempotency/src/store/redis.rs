//! The shared store: Redis (single node or Redis Cluster).

use std::fmt;
use std::future::Future;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use futures_util::FutureExt as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::{ErrorKind, FromRedisValue, RedisError, Script, ServerErrorKind};

mod autopipeline;
mod record;

use autopipeline::AutoPipeline;
use record::{CLAIM_LEN, Found, claim_record, completed_record, parse_record, token_bytes};

use super::{Acquire, BoxFuture, Fingerprint, Outcome, OwnerToken, Store, check_ttl};
use crate::error::{StoreError, StoreErrorKind};

/// Default bound on one store operation (acquire, complete, …) and on
/// establishing a connection.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(2);

/// The record and its TTL, read together: the in-progress path of acquire
/// needs the lease remaining of the very claim it found.
static PEEK: LazyLock<Lua> = LazyLock::new(|| {
    Lua::new(
        r"
local v = redis.call('GET', KEYS[1])
if not v then
  return false
end
return {v, redis.call('PTTL', KEYS[1])}
",
    )
});

static RELEASE: LazyLock<Lua> = LazyLock::new(|| {
    Lua::new(
        r"
local v = redis.call('GET', KEYS[1])
if v and string.byte(v, 1) == 112 and string.sub(v, 2, 17) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
",
    )
});

static EXTEND: LazyLock<Lua> = LazyLock::new(|| {
    Lua::new(
        r"
local v = redis.call('GET', KEYS[1])
if v and string.byte(v, 1) == 112 and string.sub(v, 2, 17) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
",
    )
});

/// A Lua script: its source (to load it) and its SHA-1 (to call it).
struct Lua {
    source: &'static str,
    script: Script,
}

impl Lua {
    fn new(source: &'static str) -> Self {
        Lua {
            source,
            script: Script::new(source),
        }
    }

    /// `EVALSHA` of this script on `key` with `args`.
    fn call(&self, key: &str, args: &[&[u8]]) -> redis::Cmd {
        let bytes = 40 + key.len() + args.iter().map(|a| a.len()).sum::<usize>();
        let mut cmd = command("EVALSHA", 4 + args.len(), bytes);
        cmd.arg(self.script.get_hash()).arg(1).arg(key);
        for arg in args {
            cmd.arg(*arg);
        }
        cmd
    }
}

/// A command named `name` with room for `args` more arguments and about
/// `bytes` of them, so that building it allocates once.
fn command(name: &str, args: usize, bytes: usize) -> redis::Cmd {
    // Each argument is framed by `$len\r\n…\r\n`: at most 25 bytes more.
    let mut cmd = redis::Cmd::with_capacity(args + 1, name.len() + bytes + 25 * (args + 1));
    cmd.arg(name);
    cmd
}

/// `SET key claim NX PX lease GET`: claims `key` for `token`, or returns
/// the record found there.
fn claim_command(key: &str, token: OwnerToken, fingerprint: Fingerprint, lease: u64) -> redis::Cmd {
    let mut set = command("SET", 6, key.len() + CLAIM_LEN + 32);
    set.arg(key)
        .arg(&claim_record(token, fingerprint)[..])
        .arg("NX")
        .arg("PX")
        .arg(lease)
        .arg("GET");
    set
}

#[derive(Clone)]
enum Connection {
    /// One node, through the auto-pipelining queue.
    Single(Arc<AutoPipeline>),
    Cluster(ClusterConnection),
}

/// A [`Store`] on Redis, shared by any number of receiver processes.
///
/// One compact string per event under the layer's key (about 135 bytes of
/// Redis memory per completed event; see the crate docs on sizing). Claim
/// and completion are native `SET … GET` commands, release and renewal a
/// Lua script each; every operation touches that one key (so Redis Cluster
/// needs no hash tags) and is bounded by a per-operation timeout
/// ([`DEFAULT_OPERATION_TIMEOUT`], see [`timeout`](Self::timeout)) so a hung
/// Redis cannot hang requests. Needs Redis 7.0 or later (or a compatible
/// server, such as Valkey).
///
/// - [`connect`](Self::connect) / [`open`](Self::open): a single node through
///   a [`ConnectionManager`], which reconnects in the background after a
///   failure — a restarted Redis is picked up without rebuilding anything.
///   Commands from concurrent requests are *auto-pipelined*: what is queued
///   while a pipeline is in flight leaves as the next one, so under load
///   Redis reads and answers dozens of commands per system call (a lone
///   command still leaves at once).
/// - [`cluster`](Self::cluster): Redis Cluster, each command sent to its
///   key's node.
///
/// Redis configuration matters for the guarantees: use
/// `maxmemory-policy noeviction` (an evicted claim or outcome means a
/// duplicate can run) and AOF persistence (`appendonly yes`) if a restart
/// must not forget recent events.
///
/// ```no_run
/// use webhook_idempotency::{IdempotencyLayer, RedisStore};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisStore::connect("redis://127.0.0.1:6379/").await?;
/// let layer = IdempotencyLayer::new(store);
/// # let _ = layer;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: Connection,
    timeout: Duration,
}

impl fmt::Debug for RedisStore {
    // The URL may hold a password: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.connection {
            Connection::Single(_) => "single",
            Connection::Cluster(_) => "cluster",
        };
        f.debug_struct("RedisStore")
            .field("kind", &kind)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

fn manager_config(timeout: Duration) -> ConnectionManagerConfig {
    // Few, short reconnection retries: while Redis is down requests fail fast
    // (the layer answers 503); each failed request schedules a new attempt.
    // No response timeout of the connection's own: each operation is bounded
    // by the store's timeout (`RedisStore::timeout`), which may be longer.
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(None)
        .set_number_of_retries(2)
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(500))
}

impl RedisStore {
    /// Connects to one Redis node (`redis://[:password@]host:port/[db]`,
    /// `rediss://…` is not enabled) and fails if it cannot be reached within
    /// [`DEFAULT_OPERATION_TIMEOUT`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(config_error)?;
        let timeout = DEFAULT_OPERATION_TIMEOUT;
        let manager = tokio::time::timeout(
            timeout,
            ConnectionManager::new_with_config(client, manager_config(timeout)),
        )
        .await
        .map_err(|_| StoreError::new(StoreErrorKind::Timeout, None))?
        .map_err(store_error)?;
        Ok(Self::from_connection_manager(manager))
    }

    /// Like [`connect`](Self::connect), but connects lazily on the first
    /// operation, so a receiver can start while Redis is down (requests are
    /// answered by the outage policy until it is up). Must be called within
    /// a Tokio runtime.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(config_error)?;
        let timeout = DEFAULT_OPERATION_TIMEOUT;
        let manager = ConnectionManager::new_lazy_with_config(client, manager_config(timeout))
            .map_err(store_error)?;
        Ok(Self::from_connection_manager(manager))
    }

    /// Connects to a Redis Cluster through some of its nodes' URLs.
    ///
    /// Every key lives on one node (the scripts touch one key each), so no
    /// hash tags are needed. A failover can lose the latest writes of the old
    /// primary (replication is asynchronous): see the crate docs.
    pub async fn cluster<I, U>(nodes: I) -> Result<Self, StoreError>
    where
        I: IntoIterator<Item = U>,
        U: AsRef<str>,
    {
        let nodes: Vec<String> = nodes.into_iter().map(|n| n.as_ref().to_owned()).collect();
        let timeout = DEFAULT_OPERATION_TIMEOUT;
        // As for a single node, only `RedisStore::timeout` bounds operations.
        let client = redis::cluster::ClusterClientBuilder::new(nodes)
            .connection_timeout(timeout)
            .build()
            .map_err(config_error)?;
        let connection = tokio::time::timeout(timeout, client.get_async_connection())
            .await
            .map_err(|_| StoreError::new(StoreErrorKind::Timeout, None))?
            .map_err(store_error)?;
        Ok(Self::from_cluster_connection(connection))
    }

    /// A store over an existing [`ConnectionManager`].
    pub fn from_connection_manager(manager: ConnectionManager) -> Self {
        RedisStore {
            connection: Connection::Single(Arc::new(AutoPipeline::new(manager))),
            timeout: DEFAULT_OPERATION_TIMEOUT,
        }
    }

    /// A store over an existing Redis Cluster connection.
    pub fn from_cluster_connection(connection: ClusterConnection) -> Self {
        RedisStore {
            connection: Connection::Cluster(connection),
            timeout: DEFAULT_OPERATION_TIMEOUT,
        }
    }

    /// Bounds each store operation (default [`DEFAULT_OPERATION_TIMEOUT`]);
    /// one that takes longer fails with [`StoreErrorKind::Timeout`]. Any
    /// length works: the connection has no response timeout of its own.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs `lua` on `key`, bounded by the store's timeout.
    async fn run<T: FromRedisValue>(
        &self,
        lua: &Lua,
        key: &str,
        args: &[&[u8]],
    ) -> Result<T, StoreError> {
        let call = async {
            match &self.connection {
                Connection::Single(pipeline) => {
                    let value = match pipeline.query(lua.call(key, args)).await {
                        // Not loaded yet, or Redis restarted since: load it.
                        Err(e) if e.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
                            let mut load = redis::cmd("SCRIPT");
                            load.arg("LOAD").arg(lua.source);
                            pipeline.query(load).await?;
                            pipeline.query(lua.call(key, args)).await?
                        }
                        reply => reply?,
                    };
                    Ok(redis::from_redis_value(value)?)
                }
                // Boxed: the cluster client's future is large, and would
                // make every operation's state as large on a single node.
                Connection::Cluster(con) => {
                    let mut invocation = lua.script.key(key);
                    for arg in args {
                        invocation.arg(*arg);
                    }
                    let mut con = con.clone();
                    Box::pin(async move { invocation.invoke_async(&mut con).await }).await
                }
            }
        };
        self.bounded(call).await
    }

    /// Sends `cmd`, bounded by the store's timeout.
    async fn query<T: FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, StoreError> {
        let call = async {
            match &self.connection {
                Connection::Single(pipeline) => {
                    Ok(redis::from_redis_value(pipeline.query(cmd).await?)?)
                }
                // Boxed, as in `run`.
                Connection::Cluster(con) => {
                    let mut con = con.clone();
                    Box::pin(async move { cmd.query_async(&mut con).await }).await
                }
            }
        };
        self.bounded(call).await
    }

    /// Another worker's claim was found: reads the record again with its
    /// TTL. It may have changed meanwhile: completed (→ its outcome) or
    /// gone (→ claim it, at most twice more, then report a lease of 0 so
    /// the sender retries at once).
    async fn peek(
        &self,
        key: &str,
        token: OwnerToken,
        fingerprint: Fingerprint,
        lease: u64,
    ) -> Result<Acquire, StoreError> {
        for _ in 0..2 {
            let peeked: Option<(Vec<u8>, i64)> = self.run(&PEEK, key, &[]).await?;
            match peeked
                .as_ref()
                .map(|(record, pttl)| (parse_record(record), *pttl))
            {
                Some((Some(Found::Claim(owner, _)), _)) if owner == token => {
                    return Ok(Acquire::Acquired);
                }
                Some((Some(Found::Claim(_, fingerprint)), pttl)) => {
                    return Ok(Acquire::InProgress {
                        // -1 cannot happen (claims are written with a TTL).
                        lease_remaining: Duration::from_millis(pttl.max(0) as u64),
                        fingerprint,
                    });
                }
                Some((Some(Found::Completed(outcome, fingerprint)), _)) => {
                    return Ok(Acquire::Completed {
                        outcome,
                        fingerprint,
                    });
                }
                Some((None, _)) => return Err(protocol("a record this store did not write")),
                None => {
                    // Released or expired since: claim it; if another
                    // record landed first, read that one (next turn).
                    let found: Option<Vec<u8>> = self
                        .query(claim_command(key, token, fingerprint, lease))
                        .await?;
                    if found.is_none() {
                        return Ok(Acquire::Acquired);
                    }
                }
            }
        }
        Ok(Acquire::InProgress {
            lease_remaining: Duration::ZERO,
            fingerprint,
        })
    }

    /// `call`, failing with [`StoreErrorKind::Timeout`] after the store's
    /// timeout. Not an `async fn`, which would keep room for `call` twice.
    fn bounded<T>(
        &self,
        call: impl Future<Output = Result<T, RedisError>>,
    ) -> impl Future<Output = Result<T, StoreError>> {
        tokio::time::timeout(self.timeout, call).map(|bounded| {
            bounded
                .map_err(|_| StoreError::new(StoreErrorKind::Timeout, None))?
                .map_err(store_error)
        })
    }
}

/// A TTL for Redis, in whole milliseconds; out of range → refused before
/// anything is sent.
fn millis(what: &str, d: Duration) -> Result<u64, StoreError> {
    check_ttl(what, d)?;
    // At most MAX_TTL (checked above): 3.2e12 ms fits easily.
    Ok(d.as_millis() as u64)
}

fn store_error(e: RedisError) -> StoreError {
    let kind = if e.is_timeout() {
        StoreErrorKind::Timeout
    } else {
        StoreErrorKind::Unavailable
    };
    StoreError::new(kind, Some(Box::new(e)))
}

fn config_error(e: RedisError) -> StoreError {
    StoreError::new(StoreErrorKind::Unavailable, Some(Box::new(e)))
}

fn protocol(what: &str) -> StoreError {
    StoreError::new(StoreErrorKind::Protocol, Some(what.to_owned().into()))
}

impl Store for RedisStore {
    fn acquire<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Acquire, StoreError>> {
        Box::pin(async move {
            let lease = millis("lease", lease)?;
            let found: Option<Vec<u8>> = self
                .query(claim_command(key, token, fingerprint, lease))
                .await
                .map_err(needs_redis_7)?;
            let Some(found) = found else {
                return Ok(Acquire::Acquired);
            };
            match parse_record(&found) {
                // Our own claim: an earlier attempt landed.
                Some(Found::Claim(owner, _)) if owner == token => Ok(Acquire::Acquired),
                // Only this path (409) needs the lease left, read with the
                // record in one script: a PTTL sent after the SET could see
                // the record completed meanwhile and report its retention.
                // Boxed: a rare path, which would make every acquire's
                // state larger.
                Some(Found::Claim(..)) => Box::pin(self.peek(key, token, fingerprint, lease)).await,
                Some(Found::Completed(outcome, fingerprint)) => Ok(Acquire::Completed {
                    outcome,
                    fingerprint,
                }),
                None => Err(protocol("a record this store did not write")),
            }
        })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        outcome: &'a Outcome,
        fingerprint: Option<Fingerprint>,
        retention: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let retention = millis("retention", retention)?;
            let record = completed_record(outcome, fingerprint);
            let mut set = command("SET", 5, key.len() + record.len() + 32);
            set.arg(key).arg(record).arg("PX").arg(retention).arg("GET");
            let found: Option<Vec<u8>> = self.query(set).await?;
            Ok(match found.as_deref().map(parse_record) {
                Some(Some(Found::Claim(owner, _))) => owner == token,
                Some(Some(Found::Completed(..))) => true,
                // Expired, or not a record of this store: replaced.
                None | Some(None) => false,
            })
        })
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let done: i64 = self.run(&RELEASE, key, &[&token_bytes(token)]).await?;
            Ok(done == 1)
        })
    }

    fn extend<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let lease = millis("lease", lease)?.to_string();
            let done: i64 = self
                .run(&EXTEND, key, &[&token_bytes(token), lease.as_bytes()])
                .await?;
            Ok(done == 1)
        })
    }
}

/// `SET … NX … GET` is a syntax error before Redis 7.0: say so.
fn needs_redis_7(e: StoreError) -> StoreError {
    let syntax = std::error::Error::source(&e)
        .and_then(|source| source.downcast_ref::<RedisError>())
        .is_some_and(|e| e.to_string().contains("syntax error"));
    if syntax {
        StoreError::new(
            StoreErrorKind::Protocol,
            Some(
                "this server refused SET … NX PX … GET: the Redis store needs Redis 7.0 or later"
                    .into(),
            ),
        )
    } else {
        e
    }
}
