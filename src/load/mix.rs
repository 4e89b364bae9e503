//! Which filters the load generator's clients send (`--filters MIX`).

use std::fmt;
use std::str::FromStr;

use super::population::{QUEUES, extension, username};

/// The filters of a load run: one filter list (JSON text) per client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterMix {
    /// No filter: every client receives every event.
    All,
    /// A realistic mix over the synthetic office: 30% logins and logouts of one
    /// user, 20% `type=*`, 20% agent logins/logouts of two queues, 20% one
    /// extension, 10% status changes of three types for any user.
    Office,
    /// Each client names a value no event has, so it receives nothing.
    Reject,
    /// The same literal filter list (JSON) for every client.
    Literal(String),
}

impl FilterMix {
    /// The `filters` list client `i` sends.
    pub fn filters_for(&self, i: usize) -> String {
        let rule = |p: &str, v: &str| format!(r#"{{"property":"{p}","value":"{v}"}}"#);
        let list = |rules: &[String]| format!("[{}]", rules.join(","));
        match self {
            FilterMix::All => "[]".to_string(),
            FilterMix::Reject => list(&[rule("username", &format!("nobody-{i}"))]),
            FilterMix::Literal(filters) => filters.clone(),
            FilterMix::Office => match i % 10 {
                0..=2 => list(&[
                    rule("type", "userLogin"),
                    rule("type", "userLogout"),
                    rule("username", &username(i)),
                ]),
                3 | 4 => list(&[rule("type", "*")]),
                5 | 6 => list(&[
                    rule("queue", QUEUES[0]),
                    rule("queue", QUEUES[1]),
                    rule("type", "agentLogin"),
                    rule("type", "agentLogout"),
                ]),
                7 | 8 => list(&[rule("extensionNumber", &extension(i))]),
                _ => list(&[
                    rule("username", "*"),
                    rule("statusType", "available"),
                    rule("statusType", "away"),
                    rule("statusType", "dnd"),
                ]),
            },
        }
    }

    /// Whether every client admits every event, so sequence gaps are drops.
    pub fn admits_everything(&self) -> bool {
        *self == FilterMix::All
    }
}

impl FromStr for FilterMix {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "all" => Ok(FilterMix::All),
            "office" | "mix" => Ok(FilterMix::Office),
            "reject" => Ok(FilterMix::Reject),
            literal if literal.trim_start().starts_with('[') => {
                match serde_json::from_str::<serde_json::Value>(literal) {
                    Ok(serde_json::Value::Array(_)) => Ok(FilterMix::Literal(literal.to_string())),
                    _ => Err(format!(
                        "`{literal}` is not a JSON list; write e.g. '[{{\"property\":\"type\",\"value\":\"hangup\"}}]'"
                    )),
                }
            }
            other => Err(format!(
                "unknown filter mix `{other}`; expected all, office, reject or a JSON filters list"
            )),
        }
    }
}

impl fmt::Display for FilterMix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterMix::All => write!(f, "all"),
            FilterMix::Office => write!(f, "office"),
            FilterMix::Reject => write!(f, "reject"),
            FilterMix::Literal(filters) => write!(f, "{filters}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ClientMessage, ParseOptions, parse_client_message};

    #[test]
    fn every_preset_sends_a_filter_message_the_server_accepts() {
        for mix in [FilterMix::All, FilterMix::Office, FilterMix::Reject] {
            for i in 0..20 {
                let message = format!(r#"{{"type":"filter","filters":{}}}"#, mix.filters_for(i));
                let parsed = parse_client_message(&message, ParseOptions::default());
                assert!(matches!(parsed, Ok(ClientMessage::Filter(_))), "{message}");
            }
        }
    }

    #[test]
    fn mixes_parse_by_name_or_as_a_json_list() {
        assert_eq!("office".parse(), Ok(FilterMix::Office));
        assert!(matches!(
            r#"[{"property":"type","value":"*"}]"#.parse(),
            Ok(FilterMix::Literal(_))
        ));
        assert!("busy".parse::<FilterMix>().is_err());
        assert!("[oops".parse::<FilterMix>().is_err());
    }
}
