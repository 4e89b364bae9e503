//! The browser side of issue #13, in a real browser: Debian's `chromium`,
//! headless, driven over the DevTools protocol (`cdp`). A page on another origin
//! opens the Event API with URL credentials and calls the Live API with
//! `fetch()` under `--cors-origin`; the dashboard (`/sim/ui`) is checked in the
//! DOM after scripted steps and against `play --filter`.
//!
//! A missing chromium fails these tests, never skips them: `.ci/run` installs it.
//! Every server binds 127.0.0.1:0; nothing sleeps: the page waits on DOM
//! conditions with a deadline. A failing test leaves a screenshot under
//! `target/tmp/browser-failures/`.

mod cdp;
mod cross_origin;
mod dashboard;
mod sim;
