//! Comparing events up to their ids. A converted scenario gives every object its
//! own UUID (the model draws them from the seed), so a played event equals a
//! captured one when every property is equal except ids, and the ids correspond
//! one to one across the whole stream.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Whether a property holds an object id: `coreServerId`, `userId`,
/// `callSegmentId1`... (a name ending in `Id`, or `Id` and a digit).
pub fn is_id_property(name: &str) -> bool {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    stem.ends_with("Id") && stem.len() > 2
}

/// A one-to-one correspondence between captured ids and played ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdMap {
    captured_to_played: BTreeMap<String, String>,
    played_to_captured: BTreeMap<String, String>,
}

impl IdMap {
    /// Whether `played` equals `captured` up to ids consistent with this map; on
    /// success the map learns the new pairs, on failure it is left as it was.
    pub fn matches(&mut self, captured: &Map<String, Value>, played: &Map<String, Value>) -> bool {
        if captured.len() != played.len() {
            return false;
        }
        let mut learned = Vec::new();
        for (key, want) in captured {
            let Some(got) = played.get(key) else {
                return false;
            };
            if !is_id_property(key) {
                if want != got {
                    return false;
                }
                continue;
            }
            match (want, got) {
                (Value::String(want), Value::String(got)) => {
                    let forward = self.captured_to_played.get(want);
                    let backward = self.played_to_captured.get(got);
                    match (forward, backward) {
                        (Some(f), Some(b)) if f == got && b == want => {}
                        (None, None) => {
                            if learned
                                .iter()
                                .any(|(w, g): &(String, String)| (w == want) != (g == got))
                            {
                                return false;
                            }
                            learned.push((want.clone(), got.clone()));
                        }
                        _ => return false,
                    }
                }
                (want, got) if want == got => {}
                _ => return false,
            }
        }
        for (want, got) in learned {
            self.captured_to_played.insert(want.clone(), got.clone());
            self.played_to_captured.insert(got, want);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn id_properties_are_named_like_ids() {
        for id in [
            "coreServerId",
            "userId",
            "callSegmentId2",
            "conferenceRoomId",
        ] {
            assert!(is_id_property(id), "{id}");
        }
        for other in ["id", "did", "did1", "username", "Id"] {
            assert!(!is_id_property(other), "{other}");
        }
    }

    #[test]
    fn ids_must_correspond_one_to_one() {
        let mut ids = IdMap::default();
        let a = map(json!({"type":"x","userId":"A","n":1}));
        assert!(ids.matches(&a, &map(json!({"type":"x","userId":"p","n":1}))));
        assert!(!ids.matches(&a, &map(json!({"type":"x","userId":"q","n":1}))));
        let b = map(json!({"type":"x","userId":"B","n":1}));
        assert!(!ids.matches(&b, &map(json!({"type":"x","userId":"p","n":1}))));
        assert!(!ids.matches(&a, &map(json!({"type":"x","userId":"p","n":2}))));
        let two = map(json!({"userId1":"A","userId2":"C"}));
        assert!(!ids.matches(&two, &map(json!({"userId1":"p","userId2":"p"}))));
    }
}
