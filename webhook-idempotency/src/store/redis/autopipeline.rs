//! Auto-pipelining on one Redis node: the commands of concurrent requests
//! leave together, as one pipeline per round trip.
//!
//! Redis spends most of a small command's cost on the system calls around
//! it (a read, a write, an event-loop turn), not on the command: on the
//! 2-core machine of the README, a lone `SET` costs it about 12 µs of CPU,
//! one of 16 pipelined about 3 µs. A multiplexed connection already sends
//! what is queued when it writes, but it writes as soon as anything is
//! queued, so under load most writes carry one or two commands.
//!
//! Here one task per store sends the queue as a pipeline and waits for its
//! replies; whatever arrives meanwhile forms the next pipeline. A lone
//! command leaves at once (no timer, no added latency when idle); under
//! load, pipelines grow with the number of requests in flight.

use std::sync::{Mutex, MutexGuard, PoisonError};

use redis::aio::ConnectionManager;
use redis::{Cmd, ErrorKind, RedisError, RedisResult, Value};
use tokio::sync::{mpsc, oneshot};

/// The most commands in one pipeline.
const MAX_BATCH: usize = 512;
/// Commands that may wait for the next pipeline; beyond that, callers wait
/// (each within its store operation's timeout).
const QUEUE: usize = 8192;

struct Op {
    cmd: Cmd,
    reply: oneshot::Sender<RedisResult<Value>>,
}

/// The queue in front of one [`ConnectionManager`], and its sending task.
pub(super) struct AutoPipeline {
    connection: ConnectionManager,
    queue: Mutex<Option<mpsc::Sender<Op>>>,
}

impl AutoPipeline {
    pub(super) fn new(connection: ConnectionManager) -> Self {
        AutoPipeline {
            connection,
            queue: Mutex::new(None),
        }
    }

    /// Sends `cmd` in the next pipeline and returns its reply (a server
    /// error as an `Err`, as for a lone command).
    pub(super) async fn query(&self, cmd: Cmd) -> RedisResult<Value> {
        let (reply, answer) = oneshot::channel();
        let op = Op { cmd, reply };
        if let Some(op) = self.try_enqueue(op) {
            // The queue is full: wait for room, in a future of its own (a
            // rare path, which would make every query's state larger).
            let sender = self.sender();
            Box::pin(sender.send(op)).await.map_err(|_| closed())?;
        }
        answer.await.unwrap_or_else(|_| Err(closed()))
    }

    /// Queues `op` without waiting; gives it back if the queue is full.
    fn try_enqueue(&self, mut op: Op) -> Option<Op> {
        let mut queue = self.lock();
        // The sending task ends only with its runtime (a store outliving a
        // test's runtime, say): a new one is started, once.
        for _ in 0..2 {
            let sender = Self::running(&mut queue, &self.connection);
            match sender.try_send(op) {
                Ok(()) => return None,
                Err(mpsc::error::TrySendError::Full(back)) => return Some(back),
                // `running` replaces a closed queue on the next turn.
                Err(mpsc::error::TrySendError::Closed(back)) => op = back,
            }
        }
        // Closed twice in a row: no runtime can keep a task for it. Its
        // reply sender is dropped with it, so the caller hears `closed`.
        None
    }

    fn lock(&self) -> MutexGuard<'_, Option<mpsc::Sender<Op>>> {
        // Only a send, a clone or a replacement happens under the lock.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The queue of a running sending task.
    fn sender(&self) -> mpsc::Sender<Op> {
        Self::running(&mut self.lock(), &self.connection).clone()
    }

    /// The queue of a running sending task; starts one if there is none.
    /// Must be called within a Tokio runtime.
    fn running<'q>(
        queue: &'q mut Option<mpsc::Sender<Op>>,
        connection: &ConnectionManager,
    ) -> &'q mpsc::Sender<Op> {
        if queue.as_ref().is_none_or(mpsc::Sender::is_closed) {
            let (sender, receiver) = mpsc::channel(QUEUE);
            tokio::spawn(send_pipelines(receiver, connection.clone()));
            return queue.insert(sender);
        }
        // Just checked: it is there (and open).
        queue.as_ref().expect("a running sender")
    }
}

/// Sends what is queued as one pipeline, waits for the replies, hands them
/// out, and starts over; ends when every store handle is gone.
async fn send_pipelines(mut queue: mpsc::Receiver<Op>, mut connection: ConnectionManager) {
    let mut ops = Vec::with_capacity(MAX_BATCH);
    // Reused from one pipeline to the next: no allocation per round trip
    // but the encoded pipeline's.
    let mut pipe = redis::Pipeline::with_capacity(MAX_BATCH);
    // One reply per command, errors included: one command's error is not
    // its neighbours'.
    pipe.ignore_errors();
    let mut replies = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut ops, MAX_BATCH).await > 0 {
        pipe.clear();
        for op in ops.drain(..) {
            pipe.add_command(op.cmd);
            replies.push(op.reply);
        }
        // Callers gone meanwhile (timed out) just drop their reply.
        match pipe
            .query_async::<Vec<RedisResult<Value>>>(&mut connection)
            .await
        {
            Ok(results) if results.len() == replies.len() => {
                for (reply, result) in replies.drain(..).zip(results) {
                    let _ = reply.send(result);
                }
            }
            Ok(_) => {
                let e = RedisError::from((
                    ErrorKind::UnexpectedReturnType,
                    "a pipeline reply with the wrong number of results",
                ));
                for reply in replies.drain(..) {
                    let _ = reply.send(Err(e.clone()));
                }
            }
            Err(e) => {
                for reply in replies.drain(..) {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}

fn closed() -> RedisError {
    RedisError::from((
        ErrorKind::Io,
        "the store's pipeline task has stopped (its runtime shut down)",
    ))
}
