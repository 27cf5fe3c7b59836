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
/// A call that sends a request signs it here and moves to a worker at its first wait. Polling
/// with a no-op waker and then spawning is sound: the worker polls the future again with its
/// own waker before it waits. A panic in either place becomes an error, never an unwind into
/// Python.
fn run_to_completion<T, F>(runtime: &Runtime, future: F) -> Result<Result<T, BindingError>, String>
where
    T: Send + 'static,
    F: Future<Output = Result<T, BindingError>> + Send + 'static,
{
    let mut future = Box::pin(future);
    let first_poll = {
        let _context = runtime.enter();
        let mut context = Context::from_waker(Waker::noop());
        std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut context)))
    };
    match first_poll {
        Ok(Poll::Ready(output)) => Ok(output),
        Ok(Poll::Pending) => runtime.block_on(runtime.spawn(future)).map_err(|e| e.to_string()),
        Err(payload) => Err(panic_message(payload.as_ref())),
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
pub fn into_awaitable<'py, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<Converter, BindingError>> + Send + 'static,
{
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let awaitable = event_loop.call_method0("create_future")?;
    let loop_ref = event_loop.unbind();
    let future_ref = awaitable.clone().unbind();

    let runtime = runtime()?;
    let task = runtime.spawn(future);
    runtime.spawn(async move {
        let outcome = task.await;
        Python::attach(|py| {
            let (error, value) = match outcome {
                Ok(Ok(convert)) => match convert(py) {
                    Ok(value) => (py.None(), value),
                    Err(error) => (error.into_value(py).into_any(), py.None()),
                },
                Ok(Err(error)) => (error.into_py_err(py).into_value(py).into_any(), py.None()),
                Err(join_error) => {
                    let error = internal_error(format!("the Rust task failed: {join_error}"));
                    (error.into_value(py).into_any(), py.None())
                }
            };
            let delivered = resolver(py).and_then(|resolve| {
                loop_ref.bind(py).call_method1("call_soon_threadsafe", (resolve, future_ref.bind(py), error, value))
            });
            if let Err(error) = delivered {
                // The loop was closed before the call finished, so no coroutine can await the result.
                tracing::debug!(error = %error, "asyncio loop closed before a papay call finished");
            }
        });
    });
    Ok(awaitable)
}

/// `papay._aio.resolve`, which sets the result on the loop's thread unless the future was
/// cancelled meanwhile.
fn resolver(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static RESOLVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    RESOLVE.import(py, "papay._aio", "resolve")
}
