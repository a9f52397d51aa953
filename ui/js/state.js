// What every screen needs to know about the app right now (the latest `app_status` plus the
// connection indicator), with change notifications. Kept apart from main.js so screens can
// import it without importing the boot code.

const listeners = new Set();

export const state = {
  status: null, // last app_status() answer
  connection: 'unknown', // 'unknown' | 'ok' | 'error' for the active account
};

export function activeAccount() {
  return (state.status && state.status.activeAccount) || null;
}

export function accounts() {
  return (state.status && Array.isArray(state.status.accounts) && state.status.accounts) || [];
}

export function preferences() {
  return (state.status && state.status.preferences) || { language: 'en', bulkConcurrency: 4 };
}

export function setStatus(status) {
  const before = activeAccount();
  state.status = status;
  const after = activeAccount();
  // A different active account has not been tested yet, whatever the previous one showed.
  if (!before || !after || before.id !== after.id) state.connection = 'unknown';
  notify();
}

export function setPreferencesInState(prefs) {
  if (state.status) state.status = { ...state.status, preferences: { ...preferences(), ...prefs } };
  notify();
}

export function setConnection(value) {
  state.connection = value;
  notify();
}

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function notify() {
  for (const fn of listeners) {
    try {
      fn(state);
    } catch (err) {
      console.error('state listener failed', err);
    }
  }
}
