//! The shared store: Redis (single node or Redis Cluster).

use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::{FromRedisValue, RedisError, Script};

use super::{Acquire, BoxFuture, Fingerprint, MAX_TTL, Outcome, OwnerToken, Store, check_ttl};
use crate::error::{StoreError, StoreErrorKind};

/// Default bound on one store operation (acquire, complete, …) and on
/// establishing a connection.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(2);

// Each script touches exactly one key (KEYS[1]), so it runs on Redis Cluster
// without hash tags. The record is one hash: state, owner, fp, and for a
// completed event status, headers, body. The lease of an in-progress record
// and the retention of a completed one are the key's TTL (set with PEXPIRE
// on the server's clock), so an abandoned claim frees itself.
//
// Lua does not roll back: a script that fails after a write keeps the write.
// So every script checks its arguments before writing anything, and sets a
// new expiry before the data that depends on it (a completed record must
// never keep its lease TTL, a claim must never live without one). The Rust
// side refuses out-of-range durations before sending them, too.

/// The scripts' check of a TTL argument: a number of ms in 1 ..= MAX_TTL.
fn checked_ttl(arg: &str) -> String {
    format!(
        "local ttl = tonumber({arg})\n\
         if not ttl or ttl < 1 or ttl > {max} or ttl ~= math.floor(ttl) then\n\
         \x20 return redis.error_reply('ERR ttl out of range')\n\
         end\n",
        max = MAX_TTL.as_millis()
    )
}

static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{}{}",
        checked_ttl("ARGV[3]"),
        r"
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  redis.call('HSET', KEYS[1], 'state', 'in_progress', 'owner', ARGV[1], 'fp', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {'acquired'}
end
local f = redis.call('HMGET', KEYS[1], 'owner', 'fp', 'status', 'headers', 'body')
if state == 'in_progress' then
  if f[1] == ARGV[1] then
    return {'acquired'}
  end
  return {'in_progress', f[2] or '', tostring(redis.call('PTTL', KEYS[1]))}
end
return {'completed', f[2] or '', f[3] or '', f[4] or '', f[5] or ''}
"
    ))
});

static COMPLETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{}{}",
        checked_ttl("ARGV[5]"),
        r"
local f = redis.call('HMGET', KEYS[1], 'state', 'owner')
if f[2] ~= ARGV[1] then
  return 0
end
if f[1] == 'completed' then
  return 1
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('HSET', KEYS[1], 'state', 'completed', 'status', ARGV[2], 'headers', ARGV[3], 'body', ARGV[4])
return 1
"
    ))
});

static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local f = redis.call('HMGET', KEYS[1], 'state', 'owner')
if f[1] == 'in_progress' and f[2] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
",
    )
});

static EXTEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{}{}",
        checked_ttl("ARGV[2]"),
        r"
local f = redis.call('HMGET', KEYS[1], 'state', 'owner')
if f[1] == 'in_progress' and f[2] == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 1
end
return 0
"
    ))
});

#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// A [`Store`] on Redis, shared by any number of receiver processes.
///
/// One hash per event under the layer's key; every operation is one Lua
/// script on that one key (so Redis Cluster needs no hash tags), bounded by a
/// per-operation timeout ([`DEFAULT_OPERATION_TIMEOUT`], see
/// [`timeout`](Self::timeout)) so a hung Redis cannot hang requests.
///
/// - [`connect`](Self::connect) / [`open`](Self::open): a single node through
///   a [`ConnectionManager`], which reconnects in the background after a
///   failure — a restarted Redis is picked up without rebuilding anything.
/// - [`cluster`](Self::cluster): Redis Cluster.
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
            connection: Connection::Single(manager),
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

    async fn run<T: FromRedisValue>(
        &self,
        script: &Script,
        key: &str,
        args: &[&[u8]],
    ) -> Result<T, StoreError> {
        let mut invocation = script.key(key);
        for arg in args {
            invocation.arg(*arg);
        }
        let call = async {
            match self.connection.clone() {
                Connection::Single(mut con) => invocation.invoke_async(&mut con).await,
                Connection::Cluster(mut con) => invocation.invoke_async(&mut con).await,
            }
        };
        tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| StoreError::new(StoreErrorKind::Timeout, None))?
            .map_err(store_error)
    }
}

/// A TTL for the scripts, in whole milliseconds; out of range → refused
/// before anything is sent.
fn millis(what: &str, d: Duration) -> Result<Vec<u8>, StoreError> {
    check_ttl(what, d)?;
    Ok(d.as_millis().to_string().into_bytes())
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

fn parse_acquire(reply: Vec<Vec<u8>>) -> Result<Acquire, StoreError> {
    let fingerprint = |raw: &[u8]| {
        Fingerprint::from_hex(raw).ok_or_else(|| protocol("bad fingerprint in record"))
    };
    match reply.as_slice() {
        [state] if state == b"acquired" => Ok(Acquire::Acquired),
        [state, fp, pttl] if state == b"in_progress" => {
            let ms: i64 = std::str::from_utf8(pttl)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| protocol("bad PTTL"))?;
            Ok(Acquire::InProgress {
                // -1/-2 (no TTL / gone) cannot happen inside the script; 0 is
                // the safe reading.
                lease_remaining: Duration::from_millis(ms.max(0) as u64),
                fingerprint: fingerprint(fp)?,
            })
        }
        [state, fp, status, headers, body] if state == b"completed" => {
            let status = std::str::from_utf8(status)
                .ok()
                .and_then(|s| s.parse::<u16>().ok())
                .and_then(|s| StatusCode::from_u16(s).ok())
                .ok_or_else(|| protocol("bad status in record"))?;
            Ok(Acquire::Completed {
                outcome: Outcome {
                    status,
                    headers: Outcome::decode_headers(headers)
                        .ok_or_else(|| protocol("bad headers in record"))?,
                    body: Bytes::copy_from_slice(body),
                },
                fingerprint: fingerprint(fp)?,
            })
        }
        _ => Err(protocol("unexpected acquire reply")),
    }
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
            let token = token.to_hex();
            let fp = fingerprint.to_hex();
            let reply: Vec<Vec<u8>> = self
                .run(&ACQUIRE, key, &[token.as_bytes(), fp.as_bytes(), &lease])
                .await?;
            parse_acquire(reply)
        })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        outcome: &'a Outcome,
        retention: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let retention = millis("retention", retention)?;
            let token = token.to_hex();
            let status = outcome.status.as_u16().to_string();
            let headers = outcome.encode_headers();
            let done: i64 = self
                .run(
                    &COMPLETE,
                    key,
                    &[
                        token.as_bytes(),
                        status.as_bytes(),
                        &headers,
                        &outcome.body,
                        &retention,
                    ],
                )
                .await?;
            Ok(done == 1)
        })
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let token = token.to_hex();
            let done: i64 = self.run(&RELEASE, key, &[token.as_bytes()]).await?;
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
            let lease = millis("lease", lease)?;
            let token = token.to_hex();
            let done: i64 = self.run(&EXTEND, key, &[token.as_bytes(), &lease]).await?;
            Ok(done == 1)
        })
    }
}
