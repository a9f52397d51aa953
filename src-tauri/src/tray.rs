//! The tray icon: today's used count of each account in its tooltip and, since Linux trays show
//! no tooltip, as the first lines of its menu; then Open, Redeem, Today and Quit. With "keep in
//! the tray" on, closing the window hides it and the app goes on reading and notifying.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use crate::i18n::{t, tf};
use crate::notices::{DeskEvent, Notifier, Open};

pub const ID: &str = "main";

/// Today's used count per account (by ID: its name and count), as the readers last saw it, and
/// the menu's lines that show them.
struct TrayCounts<R: Runtime>(Mutex<Counts<R>>);

struct Counts<R: Runtime> {
    by_account: BTreeMap<String, (String, u32)>,
    /// One per account of `by_account`, in its order.
    lines: Vec<MenuItem<R>>,
}

impl<R: Runtime> TrayCounts<R> {
    fn lock(&self) -> MutexGuard<'_, Counts<R>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Makes the tray icon. `false` where the system has none (a Linux desktop without the
/// AppIndicator library): the app works the same, closing the window then quits.
pub fn build<R: Runtime>(app: &AppHandle<R>) -> bool {
    if !system_has_a_tray() {
        log::info!("tray: this desktop has no tray library; no tray icon");
        return false;
    }
    app.manage(TrayCounts::<R>(Mutex::new(Counts {
        by_account: BTreeMap::new(),
        lines: Vec::new(),
    })));
    let built = menu(app).and_then(|menu| {
        let mut tray = TrayIconBuilder::with_id(ID)
            .tooltip("Coupon Desk")
            .menu(&menu)
            .show_menu_on_left_click(true)
            .on_menu_event(|app, event| on_menu(app, event.id.as_ref()));
        if let Some(icon) = app.default_window_icon() {
            tray = tray.icon(icon.clone());
        }
        tray.build(app)
    });
    match built {
        Ok(_) => true,
        Err(e) => {
            log::warn!("tray: the icon could not be made: {e}");
            false
        }
    }
}

pub fn exists<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.tray_by_id(ID).is_some()
}

/// Makes the menu again (its words after a change of language, its lines after an account came
/// or went) and the tooltip.
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    let Some(tray) = app.tray_by_id(ID) else {
        return;
    };
    match menu(app) {
        Ok(menu) => {
            let _ = tray.set_menu(Some(menu));
        }
        Err(e) => log::warn!("tray: the menu could not be made again: {e}"),
    }
    let _ = tray.set_tooltip(Some(&tooltip(app)));
}

/// An account's used count changed (`None`: the account is gone).
pub fn set_used<R: Runtime>(app: &AppHandle<R>, account_id: &str, name: &str, used: Option<u32>) {
    let Some(counts) = app.try_state::<TrayCounts<R>>() else {
        return;
    };
    let (same_accounts, line) = {
        let mut counts = counts.lock();
        let before = counts.by_account.get(account_id).cloned();
        match used {
            Some(used) => {
                counts
                    .by_account
                    .insert(account_id.to_owned(), (name.to_owned(), used));
            }
            None => {
                counts.by_account.remove(account_id);
            }
        }
        let after = counts.by_account.get(account_id).cloned();
        if before == after {
            return;
        }
        let index = counts.by_account.keys().position(|id| id == account_id);
        let same = before.is_some() && after.is_some();
        (same, index.and_then(|i| counts.lines.get(i).cloned()))
    };
    // A count changed: only its line (a new menu would close one the user has open).
    match (same_accounts, line, used) {
        (true, Some(line), Some(used)) => {
            let _ = line.set_text(line_text(name, used));
            if let Some(tray) = app.tray_by_id(ID) {
                let _ = tray.set_tooltip(Some(&tooltip(app)));
            }
        }
        _ => refresh(app),
    }
}

fn line_text(account: &str, used: u32) -> String {
    tf("tray.usedToday", &[("account", &account), ("n", &used)])
}

fn tooltip<R: Runtime>(app: &AppHandle<R>) -> String {
    let mut text = String::from("Coupon Desk");
    if let Some(counts) = app.try_state::<TrayCounts<R>>() {
        for (name, used) in counts.lock().by_account.values() {
            text.push('\n');
            text.push_str(&line_text(name, *used));
        }
    }
    text
}

fn menu<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let state = app.try_state::<TrayCounts<R>>();
    // Made without the lock held: a menu item is made on the main thread.
    let accounts: Vec<(String, u32)> = state
        .as_ref()
        .map(|c| c.lock().by_account.values().cloned().collect())
        .unwrap_or_default();
    let mut lines = Vec::new();
    for (n, (name, used)) in accounts.iter().enumerate() {
        lines.push(MenuItem::with_id(
            app,
            format!("count-{n}"),
            line_text(name, *used),
            false,
            None::<&str>,
        )?);
    }
    if let Some(state) = &state {
        state.lock().lines = lines.clone();
    }
    let open = MenuItem::with_id(app, "open", t("tray.open"), true, None::<&str>)?;
    let redeem = MenuItem::with_id(app, "redeem", t("tray.redeem"), true, None::<&str>)?;
    let today = MenuItem::with_id(app, "today", t("tray.today"), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", t("tray.quit"), true, None::<&str>)?;
    let line = PredefinedMenuItem::separator(app)?;
    let line2 = PredefinedMenuItem::separator(app)?;
    let mut items: Vec<&dyn IsMenuItem<R>> =
        lines.iter().map(|l| l as &dyn IsMenuItem<R>).collect();
    if !items.is_empty() {
        items.push(&line);
    }
    items.extend([&open as &dyn IsMenuItem<R>, &redeem, &today, &line2, &quit]);
    Menu::with_items(app, &items)
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let screen = match id {
        "quit" => {
            log::info!("tray: quit");
            app.exit(0);
            return;
        }
        "redeem" => Some("redeem"),
        "today" => Some("today"),
        "open" => None,
        _ => return,
    };
    let notifier = app.try_state::<Notifier>();
    if let Some(desktop) = notifier.as_ref().and_then(|n| n.desktop().cloned()) {
        match screen {
            Some(screen) => desktop.tell_window(DeskEvent::Open(Open::screen(screen)), true),
            None => desktop.bring_forward(),
        }
    }
}

/// Linux trays need libayatana-appindicator (or the older libappindicator), loaded when the
/// icon is made; without it the tray crate stops the process. Elsewhere the tray is built in.
fn system_has_a_tray() -> bool {
    #[cfg(target_os = "linux")]
    {
        ["libayatana-appindicator3.so.1", "libappindicator3.so.1"]
            .iter()
            // SAFETY: loading a system library whose initialisers are those of a GTK module.
            .any(|name| unsafe { libloading::Library::new(name) }.is_ok())
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}
