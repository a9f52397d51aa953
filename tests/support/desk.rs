//! Drives the built app in its real window: tauri-driver → WebKitWebDriver → target/*/coupon-desk.
//! Each `Desk` gets its own home folder, so every launch is a first start unless a test says otherwise.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub const TIMEOUT: Duration = Duration::from_secs(20);

pub fn output_dir() -> PathBuf {
    let dir = std::env::var_os("COUPON_DESK_TEST_OUTPUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-output"));
    std::fs::create_dir_all(&dir).expect("test output folder");
    dir
}

/// Copies the app's log files out of its throwaway home into `app-logs/`, where
/// `scripts/check-logs.sh` looks for customers' data after the whole run.
pub fn keep_app_logs(name: &str, home: &std::path::Path) {
    let logs = home.join("data/com.coupondesk.desk/logs");
    let Ok(files) = std::fs::read_dir(&logs) else {
        return;
    };
    let kept = output_dir().join("app-logs");
    let _ = std::fs::create_dir_all(&kept);
    for file in files.flatten() {
        let target = kept.join(format!("{name}-{}", file.file_name().to_string_lossy()));
        let _ = std::fs::copy(file.path(), target);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// tauri-driver, the WebKitWebDriver it starts and the app it launches share one process group.
/// Dropping this ends the whole group with SIGTERM (SIGKILL would orphan WebKitWebDriver, which
/// keeps our output pipes open and hangs the run) and waits until it is gone: an app left running
/// would receive the next test's launch through the single-instance plugin and the next test
/// would wait forever for a window. Runs on panic too.
struct Driver(Child);

impl Driver {
    fn group_alive(&self) -> bool {
        Command::new("kill")
            .args(["-0", "--", &format!("-{}", self.0.id())])
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    fn signal_group(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.0.id())])
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.signal_group("-TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let _ = self.0.try_wait();
            if !self.group_alive() {
                return;
            }
            if Instant::now() > deadline {
                self.signal_group("-KILL");
                let _ = self.0.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

pub struct Desk {
    pub client: Client,
    pub home: tempfile::TempDir,
    name: String,
    _driver: Driver,
}

impl Desk {
    /// Launches the app with a fresh home folder.
    pub async fn launch(name: &str) -> Desk {
        let home = tempfile::tempdir().expect("home");
        Self::launch_in(name, home).await
    }

    pub async fn launch_in(name: &str, home: tempfile::TempDir) -> Desk {
        Self::launch_with(name, home, &[]).await
    }

    /// Launches with extra environment for the app (e.g. `LANGUAGE=nl`: the computer's language).
    pub async fn launch_with(name: &str, home: tempfile::TempDir, env: &[(&str, &str)]) -> Desk {
        let port = free_port();
        let native_port = free_port();
        let log = std::fs::File::create(output_dir().join(format!("tauri-driver-{name}.log")))
            .expect("log file");
        let err = log.try_clone().expect("log file");
        let h = home.path();
        let child = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("HOME", h)
            .env("XDG_DATA_HOME", h.join("data"))
            .env("XDG_CONFIG_HOME", h.join("config"))
            .env("XDG_CACHE_HOME", h.join("cache"))
            .env("XDG_DOWNLOAD_DIR", h.join("Downloads"))
            // The practice shop's simulated customers stay home unless a test asks for them:
            // the demo shop changes only as the tests change it.
            .env("COUPON_DESK_PRACTICE_CUSTOMERS", "0")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .process_group(0)
            .stdout(log)
            .stderr(err)
            .spawn()
            .expect("tauri-driver must be installed (scripts/install-deps.sh --test)");
        let driver = Driver(child);
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        // tauri-driver forwards to WebKitWebDriver on the native port, which it starts itself and
        // which comes up a moment later: a session asked for before then is dropped.
        let native: SocketAddr = ([127, 0, 0, 1], native_port).into();
        let deadline = Instant::now() + TIMEOUT;
        while TcpStream::connect(addr).is_err() || TcpStream::connect(native).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver and WebKitWebDriver did not start listening"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            // COUPON_DESK_APP: another build of the app (the benchmarks measure the release one).
            json!({ "application": std::env::var("COUPON_DESK_APP")
                .unwrap_or_else(|_| env!("CARGO_BIN_EXE_coupon-desk").to_owned()) }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://{addr}"))
            .await
            .expect("WebDriver session with the app");
        let desk = Desk {
            client,
            home,
            name: name.to_owned(),
            _driver: driver,
        };
        desk.wait_for("body[data-ready]").await;
        desk
    }

    /// Everything the app has logged so far (for a failure's message).
    pub fn log_text(&self) -> String {
        let logs = self.home.path().join("data/com.coupondesk.desk/logs");
        std::fs::read_dir(logs)
            .into_iter()
            .flatten()
            .flatten()
            .map(|f| std::fs::read_to_string(f.path()).unwrap_or_default())
            .collect()
    }

    /// The notices the app has shown so far, as its log records them ("kind=… open=… code=…").
    pub fn notices(&self) -> Vec<String> {
        self.log_text()
            .lines()
            .filter_map(|l| l.split_once("notice shown: ").map(|(_, n)| n.to_owned()))
            .collect()
    }

    pub async fn close(self) -> tempfile::TempDir {
        let _ = self.client.close().await;
        keep_app_logs(&self.name, self.home.path());
        self.home
    }

    pub async fn wait_for(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(TIMEOUT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                self.screenshot(&format!(
                    "failure-{}",
                    css.replace(|c: char| !c.is_alphanumeric(), "_")
                ))
                .await;
                panic!("{css} did not appear: {e}");
            }
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    pub async fn click(&self, css: &str) {
        self.wait_visible(css).await;
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Replaces the field's value, as a user selecting all and typing would.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.wait_visible(css).await;
        if let Err(err) = e.clear().await {
            self.screenshot("failure-fill").await;
            panic!("clear {css}: {err:?}");
        }
        e.send_keys(text)
            .await
            .unwrap_or_else(|err| panic!("type into {css}: {err}"));
    }

    /// Sets a long value in one go (typing 50 CSV lines key by key takes minutes), then fires
    /// the input event the page listens to, as a paste does.
    pub async fn paste(&self, css: &str, text: &str) {
        self.wait_visible(css).await;
        self.client
            .execute(
                "const e = document.querySelector(arguments[0]); e.focus(); e.value = arguments[1];
                 e.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![json!(css), json!(text)],
            )
            .await
            .unwrap_or_else(|e| panic!("paste into {css}: {e}"));
    }

    /// The element's text with white space folded (WebKitWebDriver's own "element text" comes
    /// back empty for some visible elements, e.g. inside the sticky status bar).
    pub async fn text(&self, css: &str) -> String {
        self.try_text(css)
            .await
            .unwrap_or_else(|| panic!("{css} not found"))
    }

    async fn try_text(&self, css: &str) -> Option<String> {
        let value = self
            .client
            .execute(
                "const e = document.querySelector(arguments[0]);
                 return e ? e.textContent.replace(/\\s+/g, ' ').trim() : null;",
                vec![json!(css)],
            )
            .await
            .ok()?;
        value.as_str().map(str::to_owned)
    }

    pub async fn is_visible(&self, css: &str) -> bool {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        }
    }

    pub async fn wait_visible(&self, css: &str) -> Element {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                if e.is_displayed().await.unwrap_or(false) {
                    return e;
                }
            }
            if Instant::now() > deadline {
                self.screenshot("failure-visible").await;
                panic!("{css} did not become visible");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls until the element's text satisfies `ok`; returns the text.
    pub async fn wait_text(&self, css: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
        self.wait_text_for(css, what, TIMEOUT, ok).await
    }

    pub async fn wait_text_for(
        &self,
        css: &str,
        what: &str,
        timeout: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        let mut last = String::new();
        loop {
            if let Some(text) = self.try_text(css).await {
                last = text;
                if ok(&last) {
                    return last;
                }
            }
            if Instant::now() > deadline {
                self.screenshot("failure-text").await;
                panic!("{css}: expected {what}, last text was {last:?}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Scrolls the element to the top of the view and takes a screenshot.
    pub async fn screenshot_at(&self, css: &str, name: &str) -> PathBuf {
        let _ = self
            .client
            .execute(
                "document.querySelector(arguments[0])?.scrollIntoView({ block: 'start' })",
                vec![json!(css)],
            )
            .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.screenshot(name).await
    }

    /// What is on the (virtual) screen, as a person would see it. WebKitWebDriver's own
    /// screenshot can return a stale first paint under Xvfb, so the X display is captured with
    /// ImageMagick's `import` when there is one.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let path = output_dir().join(format!("{name}.png"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let from_display = std::env::var_os("DISPLAY").is_some()
            && Command::new("import")
                .args(["-window", "root"])
                .arg(&path)
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
        if !from_display {
            if let Ok(png) = self.client.screenshot().await {
                let _ = std::fs::write(&path, png);
            }
        }
        path
    }

    pub fn downloads(&self) -> PathBuf {
        self.home.path().join("Downloads")
    }
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
