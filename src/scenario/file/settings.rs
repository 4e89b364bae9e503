//! Values shared by several generator kinds: rates, windows, distributions, callers
//! and lists of users or extensions.

use std::collections::BTreeMap;

use toml::de::DeValue;

use super::fields::{Fields, Node, Span, Text, describe, expect_number, expect_text, moment};
use super::known::Known;
use crate::scenario::duration::parse_duration;
use crate::scenario::error::{Problems, did_you_mean};
use crate::scenario::generator::{Caller, Distribution, Member, Millis, Rate, Setting, Window};

const MINUTE: u64 = 60_000;
const SHAPES: [&str; 4] = ["fixed", "uniform", "exponential", "lognormal"];

/// One generator's fields, with what the directory defines.
pub(super) struct Settings<'a, 'i, 'k> {
    /// The generator's table.
    pub f: Fields<'a, 'i>,
    /// What the directory defines.
    pub known: &'k Known<'k>,
    /// Queue -> its dynamic agents' extensions.
    pub dynamic_agents: &'k BTreeMap<String, Vec<String>>,
}

impl Settings<'_, '_, '_> {
    /// `per_hour = 12` or `hourly = [2, 8, 12, ...]` (one rate per hour from the start).
    pub(super) fn rate(&mut self, p: &mut Problems) -> Option<Rate> {
        let per_hour = self.f.opt_number("per_hour", p);
        let hourly = self.f.get("hourly");
        match (per_hour, hourly) {
            (Some(_), Some(node)) => {
                p.at(node.span(), "give either `per_hour` or `hourly`, not both");
                None
            }
            (Some((rate, span)), None) if rate < 0.0 => {
                p.at(span, format!("`per_hour` = {rate} must not be negative"));
                None
            }
            (Some((rate, span)), None) => self
                .within_rate_limit(rate, "per_hour", span, p)
                .then_some(Rate::PerHour(rate)),
            (None, Some(node)) => self.hourly(node, p),
            (None, None) => {
                if !self.f.has("per_hour") {
                    self.f.missing("per_hour", "12", p);
                }
                None
            }
        }
    }

    /// Whether `rate` (per hour) is a finite number within the generator rate limit.
    fn within_rate_limit(&self, rate: f64, key: &str, span: Span, p: &mut Problems) -> bool {
        let max = self.known.limits.max_generator_rate;
        if rate.is_finite() && rate <= max {
            return true;
        }
        p.at(
            span,
            format!(
                "`{key}` = {rate} is above the limit of {max} arrivals per hour for one generator (max-generator-rate); lower it, split the traffic over several generators, or raise the limit with --max-generator-rate"
            ),
        );
        false
    }

    fn hourly(&self, node: &Node<'_>, p: &mut Problems) -> Option<Rate> {
        let DeValue::Array(items) = node.get_ref() else {
            p.at(
                node.span(),
                format!(
                    "`hourly` must be a list of rates per hour such as [2, 8, 12], got {}",
                    describe(node.get_ref())
                ),
            );
            return None;
        };
        let mut rates = Vec::with_capacity(items.len());
        for item in items.iter() {
            match expect_number(item, "hourly", p) {
                Some(rate) if rate < 0.0 => p.at(
                    item.span(),
                    format!("`hourly` rate {rate} must not be negative"),
                ),
                // Reported by the check when it fails.
                Some(rate) if self.within_rate_limit(rate, "hourly", item.span(), p) => {
                    rates.push(rate);
                }
                Some(_) | None => {}
            }
        }
        if let Some(length) = self.known.length {
            let hours = length.div_ceil(60 * MINUTE) as usize;
            if items.len() > hours {
                p.at(
                    node.span(),
                    format!(
                        "`hourly` has {} rates but the scenario lasts {hours} hour(s); remove the extra ones",
                        items.len()
                    ),
                );
            }
        }
        (rates.len() == items.len()).then_some(Rate::Hourly(rates))
    }

    /// `between = ["08:00", "17:00"]`; the whole loop when absent.
    pub(super) fn window(&mut self, key: &'static str, p: &mut Problems) -> Window {
        let whole = Window {
            start: 0,
            end: self.known.length.unwrap_or(u64::MAX),
        };
        self.opt_window(key, p).unwrap_or(whole)
    }

    /// A window the generator cannot do without.
    pub(super) fn required_window(
        &mut self,
        key: &'static str,
        example: &str,
        p: &mut Problems,
    ) -> Option<Window> {
        let window = self.opt_window(key, p);
        if !self.f.has(key) {
            self.f.missing(key, example, p);
        }
        window
    }

    /// An optional window.
    pub(super) fn opt_window(&mut self, key: &'static str, p: &mut Problems) -> Option<Window> {
        let node = self.f.get(key)?;
        let bounds: Option<Vec<(u64, Text)>> = match node.get_ref() {
            DeValue::Array(items) if items.len() == 2 => {
                let parsed: Vec<_> = items
                    .iter()
                    .map(|i| moment(i, key, self.known.starts_at, p))
                    .collect();
                parsed.into_iter().collect()
            }
            other => {
                p.at(
                    node.span(),
                    format!("`{key}` must be a list of two times such as [\"08:00\", \"17:00\"], got {}", describe(other)),
                );
                None
            }
        };
        let [(start, _), (end, end_text)]: [(u64, Text); 2] = bounds?.try_into().ok()?;
        if start >= end {
            p.at(
                node.span(),
                format!("`{key}` ends before it starts; write the earlier time first"),
            );
            return None;
        }
        self.known
            .within_length(end, &end_text, key, p)
            .then_some(Window { start, end })
    }

    /// A duration that must be above zero, its default when absent.
    pub(super) fn positive_duration(&mut self, setting: Setting<Millis>, p: &mut Problems) -> u64 {
        let (key, default) = (setting.key, setting.default.0);
        match self.f.opt_duration(key, p) {
            Some(0) => {
                p.at(self.f.span(), format!("`{key}` must be longer than 0s"));
                default
            }
            Some(ms) => ms,
            None => default,
        }
    }

    /// A probability in [0, 1], its default when absent.
    pub(super) fn probability(&mut self, setting: Setting<f64>, p: &mut Problems) -> f64 {
        self.f.probability(setting.key, setting.default, p)
    }

    /// A boolean, its default when absent.
    pub(super) fn flag(&mut self, setting: Setting<bool>, p: &mut Problems) -> bool {
        self.f.flag(setting.key, setting.default, p)
    }

    /// A duration, its default when absent.
    pub(super) fn duration_or(&mut self, setting: Setting<Millis>, p: &mut Problems) -> u64 {
        self.f
            .opt_duration(setting.key, p)
            .unwrap_or(setting.default.0)
    }

    /// A distribution, its default when absent.
    pub(super) fn dist(
        &mut self,
        setting: Setting<Distribution>,
        p: &mut Problems,
    ) -> Distribution {
        self.opt_dist(setting.key, p).unwrap_or(setting.default)
    }

    /// `"3m"` (always the same) or `{ distribution = "...", ... }`.
    pub(super) fn opt_dist(&mut self, key: &'static str, p: &mut Problems) -> Option<Distribution> {
        let node = self.f.get(key)?;
        let table = match node.get_ref() {
            DeValue::String(text) => {
                return parse_duration(text)
                    .map(Distribution::Fixed)
                    .map_err(|reason| p.at(node.span(), format!("`{key}`: {reason}")))
                    .ok();
            }
            DeValue::Table(table) => table,
            other => {
                p.at(
                    node.span(),
                    format!(
                        "`{key}` must be a duration such as \"3m\" or a table such as {{ distribution = \"exponential\", mean = \"3m\" }}, got {}",
                        describe(other)
                    ),
                );
                return None;
            }
        };
        let mut f = Fields::new(table, node.span(), format!("`{key}`"));
        let shape = f.text("distribution", "exponential", p)?;
        let dist = match shape.value.as_str() {
            "fixed" => required_duration(&mut f, "value", p).map(Distribution::Fixed),
            "uniform" => {
                let (min, max) = (
                    required_duration(&mut f, "min", p),
                    required_duration(&mut f, "max", p),
                );
                Some(Distribution::Uniform {
                    min: min?,
                    max: max?,
                })
            }
            "exponential" => {
                let mean = required_duration(&mut f, "mean", p);
                let min = f.opt_duration("min", p).unwrap_or(0);
                let max = f.opt_duration("max", p);
                mean.map(|mean| Distribution::Exponential {
                    mean,
                    min,
                    max: max.unwrap_or(mean.saturating_mul(20)),
                })
            }
            "lognormal" => {
                let median = required_duration(&mut f, "median", p);
                let sigma = match f.opt_number("sigma", p) {
                    Some((s, _)) if s > 0.0 && s <= 5.0 => Some(s),
                    Some((s, span)) => {
                        p.at(span, format!("`sigma` = {s} is out of range; write a spread from 0.1 to 5, e.g. 0.8"));
                        None
                    }
                    None => Some(0.8),
                };
                let min = f.opt_duration("min", p).unwrap_or(0);
                let max = f.opt_duration("max", p);
                let median = median?;
                Some(Distribution::LogNormal {
                    median,
                    sigma: sigma?,
                    min,
                    max: max.unwrap_or(median.saturating_mul(50)),
                })
            }
            other => {
                p.at(
                    shape.span,
                    format!(
                        "unknown distribution \"{other}\"{}; expected one of {}",
                        did_you_mean(other, SHAPES),
                        SHAPES.join(", ")
                    ),
                );
                return None;
            }
        };
        f.finish(p);
        if let Some(
            Distribution::Uniform { min, max }
            | Distribution::Exponential { min, max, .. }
            | Distribution::LogNormal { min, max, .. },
        ) = &dist
            && min > max
        {
            p.at(
                node.span(),
                format!("`{key}` has `min` above `max`; swap them"),
            );
            return None;
        }
        dist
    }

    /// `callers = [{ number = "5550123", name = "ACME" }, ...]`; empty when absent.
    pub(super) fn callers(&mut self, key: &'static str, p: &mut Problems) -> Vec<Caller> {
        let Some(node) = self.f.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = node.get_ref() else {
            p.at(
                node.span(),
                format!("`{key}` must be a list such as [{{ number = \"5550123\", name = \"ACME\" }}], got {}", describe(node.get_ref())),
            );
            return Vec::new();
        };
        let mut callers = Vec::new();
        for item in items.iter() {
            let Some(mut f) = Fields::of_node(item, format!("an entry of `{key}`"), p) else {
                continue;
            };
            let number = f.text("number", "5550123", p);
            let name = f.opt_text("name", p);
            f.finish(p);
            if let Some(number) = number {
                callers.push(Caller {
                    name: name.map_or_else(|| number.value.clone(), |n| n.value),
                    number: number.value,
                });
            }
        }
        callers
    }

    /// `users = "all"` or a list of usernames. `default_all`: absent means all users.
    /// `need_extension`: a listed user without an extension is a problem (with "all",
    /// such users are left out).
    pub(super) fn members(
        &mut self,
        key: &'static str,
        default_all: bool,
        need_extension: bool,
        p: &mut Problems,
    ) -> Option<Vec<Member>> {
        let known = self.known;
        let names: Vec<Text> = match self.f.get(key) {
            None if default_all => known
                .usernames()
                .map(|u| Text {
                    value: u.to_string(),
                    span: 0..0,
                })
                .collect(),
            None => Vec::new(),
            Some(node) => match node.get_ref() {
                DeValue::String(s) if s.as_ref() == "all" => known
                    .usernames()
                    .map(|u| Text {
                        value: u.to_string(),
                        span: 0..0,
                    })
                    .collect(),
                DeValue::Array(items) => {
                    let listed: Vec<Text> = items
                        .iter()
                        .filter_map(|i| expect_text(i, key, p))
                        .collect();
                    let mut ok = listed.len() == items.len();
                    for user in &listed {
                        ok &= known.user(user, key, p);
                        // A user the file does not define (provisioned) is
                        // looked up when it calls.
                        if need_extension
                            && known
                                .extensions_of(&user.value)
                                .is_some_and(<[String]>::is_empty)
                        {
                            p.at(user.span.clone(), format!("user \"{}\" in `{key}` has no extension to call from; give it one in [[users]]", user.value));
                            ok = false;
                        }
                    }
                    if !ok {
                        return None;
                    }
                    listed
                }
                other => {
                    p.at(node.span(), format!("`{key}` must be \"all\" or a list of usernames such as [\"alice\", \"bob\"], got {}", describe(other)));
                    return None;
                }
            },
        };
        // With "all", users the file gives no extension are left out; a user the
        // file does not define (provisioned) stays: its extension is looked up
        // when it calls.
        let has_extension = |name: &str| known.extensions_of(name).is_none_or(|e| !e.is_empty());
        Some(
            names
                .into_iter()
                .filter(|name| !need_extension || has_extension(&name.value))
                .map(|name| self.member(&name.value))
                .collect(),
        )
    }

    fn member(&self, username: &str) -> Member {
        let extensions = self.known.extensions_of(username).unwrap_or_default();
        let agent_of = self
            .dynamic_agents
            .iter()
            .flat_map(|(queue, agents)| {
                agents
                    .iter()
                    .filter(|a| extensions.contains(a))
                    .map(move |a| (queue.clone(), a.clone()))
            })
            .collect();
        Member {
            username: username.to_string(),
            agent_of,
        }
    }

    /// A required, non-empty list of extension numbers.
    pub(super) fn extensions(
        &mut self,
        key: &'static str,
        p: &mut Problems,
    ) -> Option<Vec<String>> {
        let list = self.f.opt_text_list(key, "[\"1001\", \"1002\"]", p);
        let Some(list) = list else {
            if !self.f.has(key) {
                self.f.missing(key, "[\"1001\"]", p);
            }
            return None;
        };
        if list.is_empty() {
            p.at(
                self.f.span(),
                format!("`{key}` is empty; list at least one extension number"),
            );
            return None;
        }
        // Check every entry (no short-circuit), so each unknown one is reported.
        let unknown = list
            .iter()
            .filter(|e| !self.known.extension(e, key, "", p))
            .count();
        let all_known = unknown == 0;
        all_known.then(|| list.into_iter().map(|t| t.value).collect())
    }
}

fn required_duration(f: &mut Fields<'_, '_>, key: &'static str, p: &mut Problems) -> Option<u64> {
    let found = f.opt_duration(key, p);
    if found.is_none() && !f.has(key) {
        f.missing(key, "\"1m\"", p);
    }
    found
}
