//! Starting and stopping a sandbox, and its router.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::any;
use axum::{middleware, Router};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::config::SandboxConfig;
use super::control::SandboxControl;
use super::envelope::v4_message;
use super::state::Shared;
use super::{control_http, fault_middleware, v3_routes, v3_subaccounts, v4_routes};

/// How long `stop` lets requests in flight finish before cutting them off.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A running sandbox. Stops when `stop` is awaited or when it is dropped.
pub struct Sandbox {
    addr: SocketAddr,
    control: SandboxControl,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    /// The demo shop's simulated customers, when asked for.
    customers: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Starts on 127.0.0.1 at a free port chosen by the system.
    pub async fn start(config: SandboxConfig) -> io::Result<Sandbox> {
        Sandbox::start_at(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config).await
    }

    /// Starts at `addr`, which must be a loopback address: the control API has no credentials.
    pub async fn start_at(addr: SocketAddr, config: SandboxConfig) -> io::Result<Sandbox> {
        if !addr.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "The practice server only runs on this computer: use 127.0.0.1 or ::1.",
            ));
        }
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let customers_per_minute = config.customers_per_minute;
        let shared = Arc::new(Shared::new(config));
        let app = router(Arc::clone(&shared));
        let (shutdown, stop_signal) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let stopped = async {
                // A dropped sender means the Sandbox is gone: stop as well.
                let _ = stop_signal.await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                log::warn!("sandbox server ended with an error: {e}");
            }
        });
        log::info!("sandbox listening on {addr}");
        let control = SandboxControl::new(shared);
        let customers = (customers_per_minute > 0).then(|| {
            tokio::spawn(super::customers::simulate(
                control.clone(),
                customers_per_minute,
            ))
        });
        Ok(Sandbox {
            addr,
            control,
            shutdown: Some(shutdown),
            task: Some(task),
            customers,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn v3_url(&self) -> String {
        format!("http://{}/v3", self.addr)
    }

    pub fn v4_url(&self) -> String {
        format!("http://{}/v4", self.addr)
    }

    pub fn control(&self) -> SandboxControl {
        self.control.clone()
    }

    /// Stops accepting connections, lets requests in flight finish (a few seconds at most),
    /// then returns.
    pub async fn stop(mut self) {
        if let Some(customers) = self.customers.take() {
            customers.abort();
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(STOP_GRACE, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(customers) = self.customers.take() {
            customers.abort();
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        // Aborting the accept loop frees the port at once; open connections were already told
        // to finish their current request and close.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/v3/{*path}", any(v3_routes::handle))
        .route("/v4/{*path}", any(v4_routes::handle))
        // Only the API routes get latency, faults and counting; the control API never does.
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            fault_middleware::middleware,
        ));
    Router::new()
        .merge(api)
        .merge(control_http::routes())
        // Where an SSO link leads: a page that works once per token (no latency or faults).
        .route("/_sso/login", axum::routing::get(v3_subaccounts::login))
        .fallback(not_found)
        .with_state(shared)
}

async fn not_found() -> Response {
    v4_message(
        StatusCode::NOT_FOUND,
        "Not found: the sandbox has nothing at this address.",
    )
}
