//! The desktop around the window, for the notices: notifications through Tauri's notification
//! plugin (a click on one opens its screen), the window (in front? brought forward; told through
//! the channel it opened), and the tray's counts.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, Weak};

use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::notices::{DeskEvent, Desktop, Notice, Open};

/// The key under which a notification carries where it leads.
const OPEN: &str = "open";

pub struct TauriDesktop<R: Runtime> {
    app: AppHandle<R>,
    /// The window's ear, opened by `listen_to_desk` at its start (again after a reload).
    window: Mutex<Option<Channel<DeskEvent>>>,
    next_id: AtomicI32,
}

impl<R: Runtime> TauriDesktop<R> {
    /// The desktop, listening for clicks on its notifications.
    pub fn new(app: AppHandle<R>) -> Arc<TauriDesktop<R>> {
        let desktop = Arc::new(TauriDesktop {
            app: app.clone(),
            window: Mutex::new(None),
            next_id: AtomicI32::new(1),
        });
        let weak: Weak<TauriDesktop<R>> = Arc::downgrade(&desktop);
        let listening = app.notification().on_action(move |performed| {
            // "tap": a click on the notification itself.
            if performed.action_id() != "tap" {
                return;
            }
            let open = performed
                .notification()
                .and_then(|n| n.extra().get(OPEN).cloned())
                .and_then(|v| serde_json::from_value::<Open>(v).ok());
            if let (Some(open), Some(desktop)) = (open, weak.upgrade()) {
                log::info!("notice clicked: open={}", open.screen);
                desktop.tell_window(DeskEvent::Open(open), true);
            }
        });
        if let Err(e) = listening {
            log::warn!("clicks on notifications will not be heard: {e}");
        }
        desktop
    }

    pub fn listen(&self, channel: Channel<DeskEvent>) {
        *self.window.lock().unwrap_or_else(|e| e.into_inner()) = Some(channel);
    }
}

impl<R: Runtime> Desktop for TauriDesktop<R> {
    fn window_in_front(&self) -> bool {
        self.app.get_webview_window("main").is_some_and(|w| {
            w.is_visible().unwrap_or(false)
                && !w.is_minimized().unwrap_or(false)
                && w.is_focused().unwrap_or(false)
        })
    }

    fn show(&self, notice: &Notice) {
        let shown = self
            .app
            .notification()
            .builder()
            .id(self.next_id.fetch_add(1, Ordering::Relaxed))
            .title(&notice.title)
            .body(&notice.body)
            .extra(OPEN, &notice.open)
            .show();
        if let Err(e) = shown {
            log::warn!("a notification could not be shown: {e}");
        }
    }

    fn bring_forward(&self) {
        if let Some(window) = self.app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
    }

    fn tell_window(&self, event: DeskEvent, forward: bool) {
        if forward {
            self.bring_forward();
        }
        let window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(channel) = window.as_ref() {
            let _ = channel.send(event);
        }
    }

    fn used_today(&self, account_id: &str, account_name: &str, used: Option<u32>) {
        crate::tray::set_used(&self.app, account_id, account_name, used);
    }
}
