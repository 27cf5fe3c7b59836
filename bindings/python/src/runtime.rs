//! The tokio runtime shared by every client and sandbox of the process, and the two ways Python
//! waits for a Rust future: blocking with the GIL released, or through an asyncio future.
//!
//! One multi-thread runtime serves the whole process, because a runtime per client would
//! multiply worker threads and connection pools. A forked child (gunicorn or Celery prefork)
//! inherits the runtime's memory but none of its worker threads, so the runtime is keyed by
//! process id and built again on first use in the child. The parent's runtime is leaked in the
//! child, never dropped: dropping it would wait for threads that do not exist there, and would
//! deregister sockets from the epoll instance the child shares with the parent.
//!
//! Awaitables are real asyncio futures created on the caller's running loop. The Rust future
//! runs on the shared runtime and resolves the asyncio future with `call_soon_threadsafe`.
//! Cancelling the awaitable does not stop the Rust call: it runs to completion and its result
//! is dropped, which for a deduction or refund is safer than abandoning it halfway.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::runtime::Runtime;

use crate::errors::{internal_error, BindingError};

/// The runtime of the current process, tagged with the process id that built it.
struct ProcessRuntime {
    pid: u32,
    runtime: Arc<Runtime>,
}

static RUNTIME: Mutex<Option<ProcessRuntime>> = Mutex::new(None);

/// Returns the runtime of the current process, building it on first use and after a fork.
pub fn runtime() -> PyResult<Arc<Runtime>> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(current) = slot.as_ref().filter(|current| current.pid == pid) {
        return Ok(current.runtime.clone());
    }
    if let Some(inherited) = slot.take() {
        // Inherited across fork(): its worker threads are gone, see the module documentation.
        std::mem::forget(inherited.runtime);
        tracing::debug!(pid, "process forked, building a new tokio runtime");
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("papay-tokio")
        .build()
        .map_err(|e| internal_error(format!("cannot start the tokio runtime: {e}")))?;
    let runtime = Arc::new(runtime);
    *slot = Some(ProcessRuntime { pid, runtime: runtime.clone() });
    Ok(runtime)
}

/// Runs `future` on the shared runtime and blocks the calling thread until it finishes, with
/// the GIL released so other Python threads run meanwhile.
pub fn wait<T, F>(py: Python<'_>, future: F) -> PyResult<T>
where
    T: Send + 'static,
    F: Future<Output = Result<T, BindingError>> + Send + 'static,
{
    let runtime = runtime()?;
    match py.detach(|| run_to_completion(&runtime, future)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(error.into_py_err(py)),
        Err(failure) => Err(internal_error(format!("the Rust task failed: {failure}"))),
    }
}

/// Polls `future` once on the calling thread, inside the runtime's context, and hands it to a
/// worker only if it has to wait.
///
/// Calls without I/O, such as parsing a notification whose key is known, then finish without
/// waking a worker thread and waiting for it, which in a VM costs as much as the parse itself.
/// A call that sends a request signs it here and moves to a worker at its first wait.
fn run_to_completion<T, F>(runtime: &Runtime, future: F) -> Result<Result<T, BindingError>, String>
where
    T: Send + 'static,
    F: Future<Output = Result<T, BindingError>> + Send + 'static,
{
    let mut future = Box::pin(future);
    match poll_once(runtime, &mut future) {
        Ok(Poll::Ready(output)) => Ok(output),
        Ok(Poll::Pending) => runtime.block_on(runtime.spawn(future)).map_err(|e| e.to_string()),
        Err(panic) => {
            drop_contained(future);
            Err(panic)
        }
    }
}

/// Polls `future` once on this thread with a no-op waker, inside the runtime's context, so
/// that tokio timers and sockets it creates belong to the shared runtime. Spawning it
/// afterwards is sound because the worker polls it again with its own waker before it waits.
/// A panic becomes an error message, never an unwind into Python.
fn poll_once<T, F>(runtime: &Runtime, future: &mut Pin<Box<F>>) -> Result<Poll<T>, String>
where
    F: Future<Output = T>,
{
    let _context = runtime.enter();
    let mut context = Context::from_waker(Waker::noop());
    std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut context)))
        .map_err(|payload| panic_message(payload.as_ref()))
}

/// Drops a future that panicked while polled, so that a second panic in its destructor stays
/// in Rust too.
fn drop_contained<F>(future: Pin<Box<F>>) {
    if std::panic::catch_unwind(AssertUnwindSafe(move || drop(future))).is_err() {
        tracing::debug!("a papay future panicked again while dropped");
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(message), _) => format!("panic: {message}"),
        (_, Some(message)) => format!("panic: {message}"),
        _ => "panic".to_owned(),
    }
}

/// A finished call's result, turned into Python objects once the GIL is held again.
pub type Converter = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// Like [`wait`], for futures whose result becomes Python objects.
pub fn wait_converted<F>(py: Python<'_>, future: F) -> PyResult<Py<PyAny>>
where
    F: Future<Output = Result<Converter, BindingError>> + Send + 'static,
{
    let convert = wait(py, future)?;
    convert(py)
}

/// Runs `future` on the shared runtime and returns an asyncio future of the running loop that
/// resolves with its result.
///
/// With `first_poll_here`, the future is first polled on the loop's thread with the GIL
/// released. A call that finishes then, like a notification parse, resolves the asyncio future
/// at once and never involves a worker thread. A call that must wait continues on a worker. Calls
/// that sign a request do not set it, because signing would block the loop for the length of
/// an RSA signature.
pub fn into_awaitable<'py, F>(py: Python<'py>, future: F, first_poll_here: bool) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<Converter, BindingError>> + Send + 'static,
{
    if EXITING.load(Ordering::SeqCst) {
        // No worker may deliver a result any more, so the awaitable would never resolve.
        return Err(internal_error("the interpreter is exiting; papay calls can no longer be awaited".into()));
    }
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let awaitable = event_loop.call_method0("create_future")?;
    let runtime = runtime()?;
    let mut future = Box::pin(future);
    if first_poll_here {
        let outcome = match py.detach(|| poll_once(&runtime, &mut future)) {
            Ok(Poll::Pending) => None,
            Ok(Poll::Ready(outcome)) => Some(Ok(outcome)),
            Err(panic) => {
                drop_contained(future);
                let (error, value) = outcome_to_py(py, Err(panic));
                resolver(py)?.call1((&awaitable, error, value))?;
                return Ok(awaitable);
            }
        };
        if let Some(outcome) = outcome {
            let (error, value) = outcome_to_py(py, outcome);
            resolver(py)?.call1((&awaitable, error, value))?;
            return Ok(awaitable);
        }
    }

    let loop_ref = event_loop.unbind();
    let future_ref = awaitable.clone().unbind();
    let task = runtime.spawn(future);
    runtime.spawn(async move {
        let outcome = task.await.map_err(|join_error| join_error.to_string());
        let delivered = attach_from_worker(|py| {
            let (error, value) = outcome_to_py(py, outcome);
            resolver(py)
                .and_then(|resolve| {
                    loop_ref.bind(py).call_method1("call_soon_threadsafe", (resolve, future_ref.bind(py), error, value))
                })
                .map(drop)
        });
        match delivered {
            Some(Ok(())) => {}
            // The loop was closed before the call finished, so no coroutine can await the result.
            Some(Err(error)) => tracing::debug!(error = %error, "asyncio loop closed before a papay call finished"),
            None => tracing::debug!("the interpreter is exiting, so a finished papay call is not delivered"),
        }
    });
    Ok(awaitable)
}

/// Turns a finished call into the `(error, value)` pair that `papay._aio.resolve` takes.
fn outcome_to_py(py: Python<'_>, outcome: Result<Result<Converter, BindingError>, String>) -> (Py<PyAny>, Py<PyAny>) {
    let error = match outcome {
        Ok(Ok(convert)) => match convert(py) {
            Ok(value) => return (py.None(), value),
            Err(error) => error,
        },
        Ok(Err(error)) => error.into_py_err(py),
        Err(failure) => internal_error(format!("the Rust task failed: {failure}")),
    };
    (error.into_value(py).into_any(), py.None())
}

/// Set by [`before_exit`]: from then on no worker thread attaches to the interpreter.
static EXITING: AtomicBool = AtomicBool::new(false);

/// Worker threads inside [`attach_from_worker`], which [`before_exit`] waits for.
static ATTACHED_WORKERS: AtomicUsize = AtomicUsize::new(0);

/// Runs `body` with the GIL on a tokio worker thread, unless the interpreter is exiting.
///
/// A worker that attaches while the interpreter finalizes aborts the process ("PyGILState_Release:
/// thread state must be current"), which happened when a call finished just as `asyncio.run`
/// returned. The counter goes up before the flag is read, so [`before_exit`] either counts this
/// worker and waits for it, or this worker reads the flag and stays out.
fn attach_from_worker<R>(body: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    /// Decrements the counter also when `body` panics.
    struct Attached;
    impl Drop for Attached {
        fn drop(&mut self) {
            ATTACHED_WORKERS.fetch_sub(1, Ordering::SeqCst);
        }
    }

    ATTACHED_WORKERS.fetch_add(1, Ordering::SeqCst);
    let _attached = Attached;
    if EXITING.load(Ordering::SeqCst) {
        return None;
    }
    Python::try_attach(body)
}

/// Resets the worker count in a forked child, where the parent's worker threads do not exist:
/// one that was waiting for the GIL at the fork would otherwise be counted forever.
/// `papay/_aio.py` registers it with `os.register_at_fork`.
#[pyfunction]
pub fn after_fork_in_child() {
    ATTACHED_WORKERS.store(0, Ordering::SeqCst);
}

/// Stops worker threads from attaching to the interpreter and waits, with the GIL released,
/// for those already attaching. `papay/_aio.py` registers it with `atexit`, which runs before
/// the interpreter starts finalizing. The wait is bounded so that a stuck worker cannot hang
/// the exit.
#[pyfunction]
pub fn before_exit(py: Python<'_>) {
    EXITING.store(true, Ordering::SeqCst);
    py.detach(|| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while ATTACHED_WORKERS.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    });
}

/// `papay._aio.resolve`, which sets the result on the loop's thread unless the future was
/// cancelled meanwhile.
fn resolver(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static RESOLVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    RESOLVE.import(py, "papay._aio", "resolve")
}
