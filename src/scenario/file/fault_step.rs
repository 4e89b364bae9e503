//! `action = "fault"` steps: the fault kind and its fields, checked with the same
//! functions `POST /sim/fault` uses, so a value is valid in a file exactly when it
//! is valid in a request.

use super::fields::Fields;
use crate::scenario::error::{Problems, did_you_mean};
use crate::scenario::fault::{self, FAULT_KINDS, Fault, FaultRequest};

/// `kind` and that kind's fields, checked as `POST /sim/fault` checks them.
pub(super) fn read_fault(f: &mut Fields<'_, '_>, p: &mut Problems) -> Option<FaultRequest> {
    let kind = f.text("kind", "close", p)?;
    if fault::fields_of(&kind.value).is_err() {
        p.at(
            kind.span,
            format!(
                "unknown fault kind \"{}\"{}; expected one of {}",
                kind.value,
                did_you_mean(&kind.value, FAULT_KINDS),
                FAULT_KINDS.join(", ")
            ),
        );
        return None;
    }
    let client = f.opt_count("client", u64::MAX >> 1, p);
    let count = |key: &'static str, example: &str, f: &mut Fields<'_, '_>, p: &mut Problems| {
        let value = f.opt_count(key, u64::MAX >> 1, p);
        if !f.has(key) {
            f.missing(key, example, p);
        }
        value
    };
    let checked = match kind.value.as_str() {
        "drop" => Ok(Fault::Drop),
        "malformed" => Ok(Fault::Malformed),
        "restart" => Ok(Fault::Restart),
        "close" => {
            let code = count("code", "4000", f, p);
            let reason = f.opt_text("reason", p).map(|t| t.value).unwrap_or_default();
            fault::close(code?, reason)
        }
        "delay" => fault::delay(count("ms", "500", f, p)?),
        _ => fault::duplicate(count("count", "3", f, p)?),
    };
    match checked {
        Ok(fault) => Some(FaultRequest { fault, client }),
        Err(err) => {
            // Point at the value that is out of range.
            let key = match kind.value.as_str() {
                "close" if err.0.contains("reason") => "reason",
                "close" => "code",
                "delay" => "ms",
                _ => "count",
            };
            let span = f.get(key).map_or_else(|| f.span(), |node| node.span());
            p.at(span, format!("this \"fault\" step: {err}"));
            None
        }
    }
}
