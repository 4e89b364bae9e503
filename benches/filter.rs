//! Filter evaluation and encoding, single thread.
//!
//! 1,024 events of the synthetic office against 1,000 connection filters of the
//! office mix (`load --filters office`). Throughput is in (event, filter)
//! evaluations per second. Variants:
//! - `naive`: the baseline kept here on purpose: each event decoded once into a
//!   `serde_json` map, each filter a `HashMap<String, Vec<String>>`, compared as text;
//! - `filter_set`: `FilterSet::admits` on the typed event (the reference semantics);
//! - `compiled`: compiled filters on rows prepared beforehand (match only);
//! - `compiled_with_prepare`: the same plus preparing each event's row, as the
//!   dispatcher does once per event.
//!
//! Encoding: `Event::to_json`, the one serialization per event.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use isymphony_sim::load::FilterMix;
use isymphony_sim::load::synthetic::EventMaker;
use isymphony_sim::protocol::compiled::Vocabulary;
use isymphony_sim::protocol::filter::RuleValue;
use isymphony_sim::protocol::{
    ClientMessage, Event, FilterSet, ParseOptions, parse_client_message,
};
use serde_json::{Map, Value};

const EVENTS: usize = 1024;
const FILTERS: usize = 1000;

fn events() -> Vec<Event> {
    let mut maker = EventMaker::new(42);
    (0..EVENTS)
        .map(|i| maker.next_event(1_700_000_000_000 + i as i64))
        .collect()
}

fn filter_sets() -> Vec<FilterSet> {
    (0..FILTERS)
        .map(|i| {
            let message = format!(
                r#"{{"type":"filter","filters":{}}}"#,
                FilterMix::Office.filters_for(i)
            );
            match parse_client_message(&message, ParseOptions::default()) {
                Ok(ClientMessage::Filter(set)) => set,
                Err(err) => panic!("the office mix is valid: {err}"),
            }
        })
        .collect()
}

/// The naive baseline: property name to accepted texts ("*" for any).
type NaiveFilter = HashMap<String, Vec<String>>;

fn naive_filter(set: &FilterSet) -> NaiveFilter {
    let mut filter = NaiveFilter::new();
    for rule in set.rules() {
        let text = match &rule.value {
            RuleValue::Any => "*".to_string(),
            RuleValue::Text(text) => text.clone(),
        };
        filter.entry(rule.property.clone()).or_default().push(text);
    }
    filter
}

// Deliberately plain: numbers and booleans are compared through their JSON text.
#[allow(clippy::cmp_owned)]
fn naive_admits(filter: &NaiveFilter, event: &Map<String, Value>) -> bool {
    filter
        .iter()
        .all(|(property, accepted)| match event.get(property) {
            None => false,
            Some(value) => accepted.iter().any(|wanted| {
                wanted == "*"
                    || match value {
                        Value::String(s) => s == wanted,
                        Value::Null => false,
                        other => other.to_string() == *wanted,
                    }
            }),
        })
}

fn filtering(c: &mut Criterion) {
    let events = events();
    let sets = filter_sets();
    let decoded: Vec<Map<String, Value>> = events
        .iter()
        .map(|e| serde_json::from_str(&e.to_json()).unwrap_or_default())
        .collect();
    let naive: Vec<NaiveFilter> = sets.iter().map(naive_filter).collect();
    let mut vocabulary = Vocabulary::new();
    let compiled: Vec<_> = sets.iter().map(|s| vocabulary.compile(s)).collect();
    let rows: Vec<Vec<u32>> = events.iter().map(|e| vocabulary.prepare(e)).collect();

    // The variants must agree before their speeds mean anything.
    let count = |admits: &dyn Fn(usize, usize) -> bool| {
        (0..EVENTS)
            .flat_map(|e| (0..FILTERS).map(move |f| (e, f)))
            .filter(|(e, f)| admits(*e, *f))
            .count()
    };
    let expected = count(&|e, f| sets[f].admits(&events[e]));
    assert_eq!(
        expected,
        count(&|e, f| naive_admits(&naive[f], &decoded[e]))
    );
    assert_eq!(expected, count(&|e, f| compiled[f].admits(&rows[e])));
    eprintln!(
        "filter bench: {expected} of {} pairs match ({:.1}%)",
        EVENTS * FILTERS,
        100.0 * expected as f64 / (EVENTS * FILTERS) as f64
    );

    let mut group = c.benchmark_group("filter");
    group.throughput(Throughput::Elements((EVENTS * FILTERS) as u64));
    group.sample_size(20);
    group.bench_function("naive", |b| {
        b.iter(|| {
            let mut admitted = 0usize;
            for event in &decoded {
                for filter in &naive {
                    admitted += usize::from(naive_admits(filter, black_box(event)));
                }
            }
            admitted
        });
    });
    group.bench_function("filter_set", |b| {
        b.iter(|| {
            let mut admitted = 0usize;
            for event in &events {
                for set in &sets {
                    admitted += usize::from(set.admits(black_box(event)));
                }
            }
            admitted
        });
    });
    group.bench_function("compiled", |b| {
        b.iter(|| {
            let mut admitted = 0usize;
            for row in &rows {
                for filter in &compiled {
                    admitted += usize::from(filter.admits(black_box(row)));
                }
            }
            admitted
        });
    });
    group.bench_function("compiled_with_prepare", |b| {
        let mut row = Vec::new();
        b.iter(|| {
            let mut admitted = 0usize;
            for event in &events {
                row.clear();
                vocabulary.prepare_into(black_box(event), &mut row);
                for filter in &compiled {
                    admitted += usize::from(filter.admits(&row));
                }
            }
            admitted
        });
    });
    group.finish();
}

fn encoding(c: &mut Criterion) {
    let events = events();
    let mut group = c.benchmark_group("encode");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("to_json", |b| {
        b.iter(|| {
            events
                .iter()
                .map(|e| black_box(e).to_json().len())
                .sum::<usize>()
        });
    });
    group.bench_function("prepare_row", |b| {
        let mut vocabulary = Vocabulary::new();
        for set in filter_sets() {
            vocabulary.compile(&set);
        }
        let mut row = Vec::new();
        b.iter(|| {
            for event in &events {
                row.clear();
                vocabulary.prepare_into(black_box(event), &mut row);
            }
            row.len()
        });
    });
    group.finish();
}

criterion_group!(benches, filtering, encoding);
criterion_main!(benches);
