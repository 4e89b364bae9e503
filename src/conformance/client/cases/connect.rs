//! Filters early, and the filter lint.

use super::super::check::{Check, CheckId, CheckState};
use super::super::journal::Records as _;
use super::super::lint::{filter_entries, lint};
use super::super::stage::Stage;

/// Connects and filters (the stage decides the checks), then the whole scenario.
pub async fn filters_early(stage: &mut Stage<'_>) -> Result<(), String> {
    if stage.open().await.is_none() {
        return Ok(());
    }
    stage.step_all().await
}

/// Connects and filters; every filter message it sent is linted.
pub async fn filter_lint(stage: &mut Stage<'_>) -> Result<(), String> {
    if stage.open().await.is_none() {
        return Ok(());
    }
    let texts: Vec<String> = stage.journal.with(|records| {
        records
            .client_texts(None)
            .into_iter()
            .map(|(_, text)| text.to_string())
            .collect()
    });
    let filters: Vec<_> = texts.iter().filter_map(|t| filter_entries(t)).collect();
    if filters.is_empty() {
        for id in [
            CheckId::KnownTypes,
            CheckId::KnownProperties,
            CheckId::NoDuplicates,
        ] {
            stage.check(Check::inconclusive(
                id,
                "the client sent no filter message to lint",
            ));
        }
        return Ok(());
    }
    let several = filters.len() > 1;
    // One check per id: the first failure of any message, else the last pass.
    let mut merged: Vec<Check> = Vec::new();
    for (n, entries) in filters.iter().enumerate() {
        for mut check in lint(entries, stage.profile) {
            if several {
                check.detail = format!("filter message {}: {}", n + 1, check.detail);
            }
            match merged.iter_mut().find(|c| c.id == check.id) {
                Some(kept) if kept.state == CheckState::Fail => {}
                Some(kept) => *kept = check,
                None => merged.push(check),
            }
        }
    }
    for check in merged {
        stage.check(check);
    }
    Ok(())
}
