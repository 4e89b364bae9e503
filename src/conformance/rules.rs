//! The rules a conformance case checks, each with its provenance, in one table.
//!
//! Provenance follows the tags of `docs/protocol.md`: **documented** (SEEN: read in
//! the iSymphony documentation), **inferred** (INFERRED: the only reading consistent
//! with the documented examples) and **our default** (FAKE-DEFAULT: a choice of
//! ours where the documentation says nothing). A server that breaks a documented or
//! inferred rule fails; one that only differs from our defaults is reported as
//! such and does not fail the run unless `--strict` is given.
//!
//! One judgement call is recorded here rather than hidden: `docs/protocol.md` §5.2
//! lists "exact, case-sensitive" comparison among its open details, yet its inferred
//! rule (`stringify(E[P]) ∈ values`) already decides it: membership is equality of
//! the text. So exact and case-sensitive matching are graded as inferred; what the
//! inferred rule leaves open (a `null` property against the text `"null"`, filter
//! values sent as JSON numbers, the empty list, message handling, the reply's
//! shape) stays our default.

use serde::Serialize;

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Read in the documentation (spec tag SEEN).
    Documented,
    /// The only reading consistent with the documented examples (spec tag INFERRED).
    Inferred,
    /// Not documented; our choice (spec tag FAKE-DEFAULT).
    OurDefault,
}

impl Provenance {
    /// The words the reports show.
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Documented => "documented",
            Provenance::Inferred => "inferred",
            Provenance::OurDefault => "our default",
        }
    }

    /// Whether breaking a rule of this provenance is a failure (without `--strict`).
    pub fn binding(self) -> bool {
        match self {
            Provenance::Documented | Provenance::Inferred => true,
            Provenance::OurDefault => false,
        }
    }
}

macro_rules! rules {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $provenance:ident,
        $title:literal, $basis:literal; )*) => {
        /// One rule of the Event API's filtering (docs/protocol.md §5), as the runner checks it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $( $(#[$doc])* $variant, )*
        }

        impl Rule {
            /// Every rule, in table order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// This rule's row of the table.
            pub fn entry(self) -> RuleEntry {
                match self {
                    $(Rule::$variant => RuleEntry {
                        id: $id,
                        provenance: Provenance::$provenance,
                        title: $title,
                        basis: $basis,
                    },)*
                }
            }
        }
    };
}

rules! {
    /// No filter message yet: every event.
    NoFilterDeliversAll = "no_filter_delivers_all", Inferred,
        "without a filter message a connection receives every event",
        "§5.2: filters restrict what a connection receives, so none restricts nothing";
    /// `type=X` delivers only `X` events.
    TypeFilter = "type_filter", Documented,
        "a filter on type delivers only events of that type",
        "§5.2 example 1: type=dial delivers only dial events";
    /// Two values of one property are alternatives.
    OrWithinProperty = "or_within_property", Documented,
        "filters on one property are alternatives (OR)",
        "§5.2 example 2: type=login + type=logout delivers login and logout events";
    /// Filters on different properties must all hold.
    AndAcrossProperties = "and_across_properties", Documented,
        "filters on different properties must all hold (AND)",
        "§5.2 example 3: type=login + type=logout + username=mikey: for mikey only";
    /// An event without the property is not delivered.
    MissingProperty = "missing_property", Documented,
        "an event without a filtered property is not delivered",
        "§5.2 fact 4";
    /// Property names are the event's keys, exactly.
    PropertyNamesExact = "property_names_exact", Documented,
        "a property name matches only the event key of exactly that name",
        "§5.2 fact 4: an event lacking the named property is not delivered; JSON keys are case-sensitive";
    /// `"*"` matches any value.
    Wildcard = "wildcard", Documented,
        "the value \"*\" matches any value of the property",
        "§5.2 fact 5 and example 4 (username=*)";
    /// `"*"` never admits an event without the property.
    WildcardNeedsProperty = "wildcard_needs_property", Documented,
        "\"*\" admits only events that carry the property",
        "§5.2 example 4: username=* delivers every event that carries a username; fact 4";
    /// `"*"` next to a value on the same property admits every value.
    WildcardOrValue = "wildcard_or_value", Inferred,
        "\"*\" next to a concrete value of the same property admits every value",
        "§5.2 rule: \"*\" ∈ values admits any value of a present property";
    /// A null property is present, so `"*"` admits it.
    NullIsPresent = "null_is_present", Inferred,
        "a property sent as null is present: \"*\" admits it",
        "§2: nullable properties are sent as null; §5.2 rule: E has key P and \"*\" ∈ values";
    /// A value matches only the same text.
    ExactValue = "exact_value", Inferred,
        "a value matches only the same text: no prefix, part or pattern of it",
        "§5.2 rule: stringify(E[P]) ∈ values; example 3 delivers for mikey only";
    /// Case matters in values.
    CaseSensitiveValues = "case_sensitive_values", Inferred,
        "values are compared with their case",
        "§5.2 rule: membership of the exact text (the docs never fold case)";
    /// Numbers and booleans match by their JSON text.
    NumbersByText = "numbers_by_text", Inferred,
        "a number or boolean property matches the text of its JSON form, not a numeric equal",
        "§5.2 rule: stringify(E[P]) ∈ values";
    /// A new filter message replaces the previous filters.
    ReplaceNotMerge = "replace_not_merge", Inferred,
        "a new filter message replaces the previous filters",
        "§5.2 fact 2: the message sets the current filters of the connection";
    /// A new connection starts unfiltered.
    ReconnectStartsUnfiltered = "reconnect_starts_unfiltered", Inferred,
        "filters belong to a connection: a new one starts unfiltered",
        "§5.2 fact 2: filters are set for the connection";
    /// Any number of filters.
    AnyNumberOfFilters = "any_number_of_filters", Documented,
        "a filter message may hold any number of filters",
        "§5.2 fact 3";
    /// Duplicates act like one.
    DuplicateEntries = "duplicate_entries", Inferred,
        "a repeated entry acts like one",
        "§5.2 rule: a repeated value is the same alternative";
    /// Base properties are filterable.
    BaseProperties = "base_properties", Documented,
        "the base properties (type, time, coreServerId) are filterable like any other",
        "§3: every event carries them; §5.2: a filter names any property";
    /// The documented message, with its entry syntax corrected, is accepted.
    ValidFormAccepted = "valid_form_accepted", Inferred,
        "the filter message {\"type\":\"filter\",\"filters\":[{\"property\":..,\"value\":..}]} is accepted",
        "§5.1: the documented message with the entry syntax corrected";
    /// JSON number or boolean filter values compare by JSON text.
    JsonValueByText = "json_value_by_text", OurDefault,
        "a filter value sent as a JSON number or boolean is compared by its JSON text",
        "§5.2: the docs show string values only";
    /// null matches only `"*"`.
    NullMatchesOnlyWildcard = "null_matches_only_wildcard", OurDefault,
        "a null property matches only \"*\", not the text \"null\"",
        "§5.2: undocumented";
    /// The empty list delivers everything.
    EmptyListDeliversAll = "empty_list_delivers_all", OurDefault,
        "an empty filter list delivers everything again",
        "§5.2: undocumented (an open question)";
    /// The documentation's invalid form is refused.
    DocumentedInvalidFormRefused = "documented_invalid_form_refused", OurDefault,
        "the documentation's invalid form {\"property\" : \"x\" : \"value\" : \"y\"} is refused",
        "§5.1: it is not JSON; accepting it is our opt-in (--lenient-filters)";
    /// Malformed messages are refused and change nothing.
    MalformedRefused = "malformed_refused", OurDefault,
        "a malformed message gets a failure reply; the connection and its filters stay",
        "§5.3: the failure reply's existence is documented, the behaviour is not";
    /// An empty property name is refused.
    EmptyPropertyRefused = "empty_property_refused", OurDefault,
        "a filter with an empty property name is refused",
        "§5.3: undocumented";
    /// `"value": null` is refused.
    NullValueRefused = "null_value_refused", OurDefault,
        "a filter with \"value\": null is refused",
        "§5.3: undocumented";
    /// Unknown keys are refused.
    UnknownKeysRefused = "unknown_keys_refused", OurDefault,
        "a message or entry with keys besides type/filters or property/value is refused",
        "§5.3: undocumented";
    /// Unknown message types are refused.
    UnknownMessageTypeRefused = "unknown_message_type_refused", OurDefault,
        "a message whose type is not \"filter\" is refused and changes nothing",
        "§5.3: undocumented";
    /// The reply's shape.
    ReplyShape = "reply_shape", OurDefault,
        "every message is answered {\"type\":\"filterResponse\",\"success\":true|false,...}",
        "§5.3: success and failure replies exist; their JSON could not be read";
}

/// One row of the rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleEntry {
    /// The name case files and reports use.
    pub id: &'static str,
    /// Where it comes from.
    pub provenance: Provenance,
    /// What it says.
    pub title: &'static str,
    /// The section of `docs/protocol.md` it rests on.
    pub basis: &'static str,
}

impl Rule {
    /// The name case files and reports use.
    pub fn id(self) -> &'static str {
        self.entry().id
    }

    /// Where the rule comes from.
    pub fn provenance(self) -> Provenance {
        self.entry().provenance
    }

    /// Looks a rule up by its name.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|rule| rule.id() == id)
    }

    /// Every rule's name, for error messages.
    pub fn ids() -> Vec<&'static str> {
        Rule::ALL.iter().map(|rule| rule.id()).collect()
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut ids = Rule::ids();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
        for rule in Rule::ALL {
            assert_eq!(Rule::from_id(rule.id()), Some(*rule));
        }
        assert_eq!(Rule::from_id("Wildcard"), None);
    }

    #[test]
    fn only_our_defaults_are_not_binding() {
        assert!(Rule::MissingProperty.provenance().binding());
        assert!(Rule::ReplaceNotMerge.provenance().binding());
        assert!(!Rule::NullMatchesOnlyWildcard.provenance().binding());
    }
}
