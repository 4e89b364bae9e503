//! The fast filter path: filter sets compiled against a [`Vocabulary`] of interned
//! property names and values, and each event prepared once into a row of symbols
//! that every compiled filter reads with integer compares.
//!
//! [`FilterSet`] stays the one definition of the semantics; a [`CompiledFilter`] is
//! a faster encoding of the same set, and tests prove the two agree.
//!
//! A row holds one [`Symbol`] per property id: [`ABSENT`] when the event lacks
//! the key, [`UNMENTIONED`] when it has it but with a value no compiled filter names
//! (or `null`, which only `"*"` accepts), otherwise the symbol of the value's text.
//! Positions past the end of a row are [`ABSENT`]. A row is valid for filters
//! compiled before it was prepared.
//!
//! The catalogue's property names are interned first, so they have the lowest
//! ids, and a typed event's row covers them alone: a typed event has no other
//! property. Names that clients make up get ids after them; only a raw
//! (injected) event can have such a property, and its row is built from its own
//! properties. So the cost of preparing an event depends on the event, never on
//! how many names clients have sent.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use super::event::{BASE_PROPERTIES, Event, EventKind};
use super::filter::{FilterSet, RuleValue};
use super::int_text::IntText;
use super::value::PropValue;

/// An interned property name: an index into a row.
pub type PropId = u32;

/// An interned property value, or one of [`ABSENT`] and [`UNMENTIONED`].
pub type Symbol = u32;

/// The event has no such property.
pub const ABSENT: Symbol = 0;

/// The event has the property, with a value that no compiled filter names (or null).
pub const UNMENTIONED: Symbol = 1;

/// The first symbol handed to a concrete value.
const FIRST_VALUE: Symbol = 2;

/// One property name and the filter values interned for it.
#[derive(Debug, Clone)]
struct PropertyWords {
    name: Box<str>,
    values: HashMap<Box<str>, Symbol>,
}

/// Interned property names and filter values, shared by every filter compiled
/// against it and by every row it prepares.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    properties: Vec<PropertyWords>,
    by_name: HashMap<Box<str>, PropId>,
    /// Per event kind, the property id of each property in wire order: preparing a
    /// row then needs no name lookup at all.
    layouts: Vec<Vec<PropId>>,
    /// Ids below this are the catalogue's names: the width of a typed event's row.
    catalogue_width: usize,
    values: usize,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary::new()
    }
}

impl Vocabulary {
    /// A vocabulary of the catalogue's property names and no values: every row
    /// holds only [`ABSENT`] and [`UNMENTIONED`] until filters name values.
    pub fn new() -> Self {
        let mut vocabulary = Vocabulary {
            properties: Vec::new(),
            by_name: HashMap::new(),
            layouts: Vec::new(),
            catalogue_width: 0,
            values: 0,
        };
        vocabulary.layouts = EventKind::ALL
            .iter()
            .map(|kind| {
                BASE_PROPERTIES
                    .iter()
                    .chain(kind.entry().properties)
                    .map(|spec| vocabulary.intern_property(spec.name))
                    .collect()
            })
            .collect();
        vocabulary.catalogue_width = vocabulary.properties.len();
        vocabulary
    }

    /// How many property names are interned, the catalogue's included.
    pub fn property_count(&self) -> usize {
        self.properties.len()
    }

    /// The length of a typed event's row: the catalogue's property names.
    pub fn catalogue_width(&self) -> usize {
        self.catalogue_width
    }

    /// Words clients have added: interned values, and property names outside
    /// the catalogue. What rebuilding from the live filters can free.
    pub fn client_words(&self) -> usize {
        self.values + (self.properties.len() - self.catalogue_width)
    }

    /// How many filter values are interned, over all properties. Grows with every
    /// distinct value ever compiled; rebuild the vocabulary from the live filters
    /// when it outgrows them.
    pub fn value_count(&self) -> usize {
        self.values
    }

    /// The id of an interned property name.
    pub fn property_id(&self, name: &str) -> Option<PropId> {
        self.by_name.get(name).copied()
    }

    /// How many values are interned for `property`: a rough measure of how
    /// selective a clause on it is.
    pub fn values_of(&self, property: PropId) -> usize {
        self.properties
            .get(property as usize)
            .map_or(0, |p| p.values.len())
    }

    fn intern_property(&mut self, name: &str) -> PropId {
        if let Some(id) = self.by_name.get(name) {
            return *id;
        }
        let id = self.properties.len() as PropId;
        self.properties.push(PropertyWords {
            name: name.into(),
            values: HashMap::new(),
        });
        self.by_name.insert(name.into(), id);
        id
    }

    fn intern_value(&mut self, property: PropId, text: &str) -> Symbol {
        let words = &mut self.properties[property as usize];
        if let Some(symbol) = words.values.get(text) {
            return *symbol;
        }
        let symbol = FIRST_VALUE + words.values.len() as Symbol;
        words.values.insert(text.into(), symbol);
        self.values += 1;
        symbol
    }

    /// Compiles `set`, interning the names and values it mentions.
    pub fn compile(&mut self, set: &FilterSet) -> CompiledFilter {
        // Group as FilterSet does: OR within a property, AND across properties.
        let mut groups: BTreeMap<&str, (bool, Vec<&str>)> = BTreeMap::new();
        for rule in set.rules() {
            let group = groups.entry(rule.property.as_str()).or_default();
            match &rule.value {
                RuleValue::Any => group.0 = true,
                RuleValue::Text(text) => group.1.push(text),
            }
        }
        let mut clauses: Vec<Clause> = groups
            .into_iter()
            .map(|(name, (any, texts))| {
                let property = self.intern_property(name);
                if any {
                    return Clause::Present(property);
                }
                let mut symbols: Vec<Symbol> = texts
                    .into_iter()
                    .map(|t| self.intern_value(property, t))
                    .collect();
                symbols.sort_unstable();
                symbols.dedup();
                match symbols.as_slice() {
                    [one] => Clause::Is(property, *one),
                    _ => Clause::OneOf(property, symbols.into()),
                }
            })
            .collect();
        // Cheapest, most likely to fail first: one value, then small sets, then
        // presence; among equals, properties with more known values are rarer hits.
        clauses.sort_by_key(|clause| {
            let (rank, width) = match clause {
                Clause::Is(..) => (0, 1),
                Clause::OneOf(_, symbols) => (1, symbols.len()),
                Clause::Present(_) => (2, 0),
            };
            (
                rank,
                width,
                std::cmp::Reverse(self.values_of(clause.property())),
            )
        });
        CompiledFilter {
            clauses: clauses.into(),
        }
    }

    /// The symbol of one property value, for a property with interned values.
    fn symbol_of(&self, property: PropId, value: PropValue<'_>) -> Symbol {
        let values = &self.properties[property as usize].values;
        if values.is_empty() {
            return UNMENTIONED;
        }
        let found = match value {
            PropValue::Str(text) => values.get(text),
            PropValue::Int(n) => {
                let mut text = IntText::default();
                // 24 bytes hold every i64; a failure would only mean "unmentioned".
                let _ = write!(text, "{n}");
                values.get(text.as_str())
            }
            PropValue::Bool(b) => values.get(if b { "true" } else { "false" }),
            PropValue::Null => None,
        };
        found.copied().unwrap_or(UNMENTIONED)
    }

    /// Appends the row of `event` to `out`:
    /// [`catalogue_width`](Self::catalogue_width) symbols, whatever names
    /// filters have interned.
    pub fn prepare_into(&self, event: &Event, out: &mut Vec<Symbol>) {
        let start = out.len();
        out.resize(start + self.catalogue_width, ABSENT);
        let row = &mut out[start..];
        let kind_index = EventKind::ALL
            .iter()
            .position(|k| *k == event.kind())
            .unwrap_or(0);
        let layout = &self.layouts[kind_index];
        let mut position = 0;
        event.for_each_property(&mut |_, value| {
            if let Some(property) = layout.get(position) {
                row[*property as usize] = self.symbol_of(*property, value);
            }
            position += 1;
        });
    }

    /// Appends the row of an event given as its properties (a raw event) and
    /// returns its length: the catalogue's width, or more when the event has a
    /// property outside the catalogue that a filter names. The cost follows the
    /// event's properties, not the vocabulary.
    pub fn prepare_raw<'a>(
        &self,
        properties: impl Iterator<Item = (&'a str, PropValue<'a>)>,
        out: &mut Vec<Symbol>,
    ) -> usize {
        let start = out.len();
        out.resize(start + self.catalogue_width, ABSENT);
        for (name, value) in properties {
            let Some(&id) = self.by_name.get(name) else {
                continue; // no filter names it: every filter sees it as absent
            };
            let at = start + id as usize;
            if at >= out.len() {
                out.resize(at + 1, ABSENT);
            }
            out[at] = self.symbol_of(id, value);
        }
        out.len() - start
    }

    /// The row of `event`, for filters compiled so far.
    pub fn prepare(&self, event: &Event) -> Vec<Symbol> {
        let mut row = Vec::with_capacity(self.catalogue_width);
        self.prepare_into(event, &mut row);
        row
    }

    /// The interned name of `property`, for diagnostics.
    pub fn property_name(&self, property: PropId) -> Option<&str> {
        self.properties.get(property as usize).map(|p| &*p.name)
    }
}

/// One property group of a compiled filter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Clause {
    /// `"*"`: the property must be present.
    Present(PropId),
    /// Exactly one concrete value.
    Is(PropId, Symbol),
    /// Any of several concrete values (sorted).
    OneOf(PropId, Box<[Symbol]>),
}

impl Clause {
    fn property(&self) -> PropId {
        match self {
            Clause::Present(p) | Clause::Is(p, _) | Clause::OneOf(p, _) => *p,
        }
    }
}

/// A [`FilterSet`] compiled against a [`Vocabulary`]: a short list of integer
/// clauses, all of which must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompiledFilter {
    clauses: Box<[Clause]>,
}

impl CompiledFilter {
    /// Whether the event whose row this is passes the filter.
    #[inline]
    pub fn admits(&self, row: &[Symbol]) -> bool {
        self.clauses.iter().all(|clause| {
            let at = |p: &PropId| row.get(*p as usize).copied().unwrap_or(ABSENT);
            match clause {
                Clause::Present(p) => at(p) != ABSENT,
                Clause::Is(p, symbol) => at(p) == *symbol,
                Clause::OneOf(p, symbols) => symbols.contains(&at(p)),
            }
        })
    }

    /// Whether the filter admits every event.
    pub fn is_unrestricted(&self) -> bool {
        self.clauses.is_empty()
    }

    /// The most selective clause that names concrete values: the property and the
    /// symbols of which the event's value must be one. An index keyed on it finds
    /// every event this filter can admit. `None` when every clause is `"*"`.
    pub fn index_key(&self) -> Option<(PropId, &[Symbol])> {
        // Clauses are sorted most selective first, so the first concrete one wins.
        self.clauses.iter().find_map(|clause| match clause {
            Clause::Present(_) => None,
            Clause::Is(p, symbol) => Some((*p, std::slice::from_ref(symbol))),
            Clause::OneOf(p, symbols) => Some((*p, &symbols[..])),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::event::{EventBody, SegmentHangup};
    use crate::protocol::filter::FilterRule;

    fn hangup(username: Option<&str>) -> Event {
        Event {
            time: 5,
            core_server_id: "cs".into(),
            body: EventBody::Hangup(SegmentHangup {
                call_segment_id: "seg".into(),
                caller_id_name: "Dana".into(),
                caller_id_number: "1001".into(),
                did: None,
                extension_id: None,
                extension_number: None,
                user_id: None,
                username: username.map(str::to_string),
            }),
        }
    }

    fn set(rules: &[(&str, &str)]) -> FilterSet {
        FilterSet::from_rules(rules.iter().map(|(p, v)| FilterRule::new(*p, *v)).collect())
    }

    fn admits(rules: &[(&str, &str)], event: &Event) -> bool {
        let mut vocabulary = Vocabulary::new();
        let filter = vocabulary.compile(&set(rules));
        filter.admits(&vocabulary.prepare(event))
    }

    #[test]
    fn documented_examples_hold_on_the_compiled_path() {
        let e = hangup(Some("mikey"));
        assert!(admits(&[("type", "hangup")], &e));
        assert!(!admits(&[("type", "dial")], &e));
        assert!(admits(&[("type", "userLogin"), ("type", "hangup")], &e));
        assert!(admits(&[("type", "hangup"), ("username", "mikey")], &e));
        assert!(!admits(&[("type", "hangup"), ("username", "bob")], &e));
        assert!(admits(&[("username", "*")], &e));
        assert!(!admits(&[("queue", "*")], &e));
        assert!(admits(&[], &e));
    }

    #[test]
    fn null_is_present_but_matches_no_value_and_numbers_match_by_text() {
        let e = hangup(None);
        assert!(admits(&[("username", "*")], &e));
        assert!(!admits(&[("username", "null")], &e));
        assert!(admits(&[("time", "5")], &e));
        assert!(!admits(&[("time", "05")], &e));
    }

    #[test]
    fn names_clients_make_up_never_widen_a_typed_row() {
        let mut vocabulary = Vocabulary::new();
        let width = vocabulary.catalogue_width();
        let made_up: Vec<FilterRule> = (0..1000)
            .map(|i| FilterRule::new(format!("made-up-{i}"), "*"))
            .collect();
        let filter = vocabulary.compile(&FilterSet::from_rules(made_up));

        let row = vocabulary.prepare(&hangup(Some("mikey")));

        assert_eq!(row.len(), width);
        assert_eq!(vocabulary.client_words(), 1000);
        assert!(!filter.admits(&row), "a typed event has none of them");
    }

    #[test]
    fn every_kind_has_a_layout_as_long_as_its_property_list() {
        let vocabulary = Vocabulary::new();
        for (kind, layout) in EventKind::ALL.iter().zip(&vocabulary.layouts) {
            assert_eq!(
                layout.len(),
                BASE_PROPERTIES.len() + kind.entry().properties.len()
            );
        }
    }

    #[test]
    fn the_index_key_is_the_narrowest_concrete_clause() {
        let mut vocabulary = Vocabulary::new();
        let filter = vocabulary.compile(&set(&[
            ("type", "userLogin"),
            ("type", "userLogout"),
            ("username", "mikey"),
            ("queue", "*"),
        ]));
        let username = vocabulary.property_id("username").expect("interned");
        let (property, symbols) = filter.index_key().expect("a concrete clause");
        assert_eq!((property, symbols.len()), (username, 1));
        assert_eq!(
            vocabulary.compile(&set(&[("queue", "*")])).index_key(),
            None
        );
    }

    #[test]
    fn rows_cover_properties_interned_by_any_filter() {
        let mut vocabulary = Vocabulary::new();
        let first = vocabulary.compile(&set(&[("username", "mikey")]));
        let second = vocabulary.compile(&set(&[("callerIdNumber", "1001")]));
        let row = vocabulary.prepare(&hangup(Some("mikey")));
        assert_eq!(row.len(), vocabulary.catalogue_width());
        assert!(first.admits(&row) && second.admits(&row));
        assert_eq!(vocabulary.value_count(), 2);
    }

    #[test]
    fn a_raw_row_equals_the_typed_row_of_the_same_event() {
        let mut vocabulary = Vocabulary::new();
        vocabulary.compile(&set(&[("type", "hangup"), ("username", "*"), ("did", "x")]));
        vocabulary.compile(&set(&[("time", "5"), ("queue", "support")]));
        for event in [hangup(Some("mikey")), hangup(None)] {
            let mut properties = Vec::new();
            event.for_each_property(&mut |name, value| properties.push((name, value)));
            let mut raw = Vec::new();
            let width = vocabulary.prepare_raw(properties.into_iter(), &mut raw);
            assert_eq!(width, raw.len());
            assert_eq!(raw, vocabulary.prepare(&event), "{event:?}");
        }
    }

    #[test]
    fn a_raw_row_reaches_the_made_up_names_it_has() {
        let mut vocabulary = Vocabulary::new();
        let filter = vocabulary.compile(&set(&[("slot", "701")]));
        let mut row = Vec::new();

        let width = vocabulary.prepare_raw(
            [
                ("type", PropValue::Str("parked")),
                ("slot", PropValue::Int(701)),
            ]
            .into_iter(),
            &mut row,
        );

        assert_eq!(width, vocabulary.catalogue_width() + 1);
        assert!(filter.admits(&row));
    }
}
