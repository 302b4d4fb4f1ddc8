//! libphonenumber's numbering plans, compiled once and kept.
//!
//! The metadata comes from the `phonenumber` crate, but not its parsing or validation: the
//! crate keeps the compiled regexes of the whole database in one LRU cache of 100 and compiles
//! a pattern again whenever it was evicted. On a page with numbers of a dozen countries every
//! number recompiled its country's patterns: 7 ms a number (release build), against 30 µs when
//! the cache held them. Here each plan's patterns are compiled on first use and kept for the
//! life of the process: a few dozen plans at most are ever met, of about 250.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock, PoisonError, RwLock};

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder};

/// The numbering plans that share one country calling code (+1: the US, Canada and the
/// Caribbean; +44: the UK and the Crown Dependencies), the main country's first.
pub struct CallingCode {
    plans: Vec<Plan>,
}

/// One region's numbering plan.
pub struct Plan {
    meta: &'static Metadata,
    /// Where several regions share a calling code, the digits a region's numbers begin with.
    leading: Option<Regex>,
    ranges: OnceLock<Ranges>,
}

/// What a valid number reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// A fixed line, a mobile, a personal, VoIP or pager number: someone's.
    Personal,
    /// Freephone, premium, shared-cost, company (UAN) or voicemail access: a service a
    /// business publishes, not a line that reaches a person.
    Service,
}

struct Ranges {
    general: Range,
    personal: Vec<Range>,
    service: Vec<Range>,
}

/// One descriptor of a plan: the lengths its numbers have and the pattern of their digits.
struct Range {
    lengths: &'static [u16],
    pattern: Regex,
}

/// Calling codes met so far. Leaked on purpose: there are about 215, each built once.
static CODES: LazyLock<RwLock<HashMap<u16, &'static CallingCode>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

/// The plans of a country calling code; `None` when no country has it.
pub fn calling_code(code: u16) -> Option<&'static CallingCode> {
    let known = CODES.read().unwrap_or_else(PoisonError::into_inner);
    if let Some(&found) = known.get(&code) {
        return Some(found);
    }
    drop(known);
    let mut known = CODES.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(&found) = known.get(&code) {
        return Some(found);
    }
    let plans = DATABASE
        .by_code(&code)?
        .into_iter()
        .map(Plan::new)
        .collect();
    let built: &'static CallingCode = Box::leak(Box::new(CallingCode { plans }));
    known.insert(code, built);
    Some(built)
}

impl CallingCode {
    /// The plan a national significant number belongs to: the only one, the region whose
    /// leading digits begin it, or the first whose ranges hold it (as libphonenumber picks).
    pub fn plan_of(&self, national: &str) -> Option<&Plan> {
        if let [only] = &self.plans[..] {
            return Some(only);
        }
        let leads = |plan: &&Plan| {
            plan.leading
                .as_ref()
                .is_some_and(|re| re.is_match(national))
        };
        let holds = |plan: &&Plan| plan.line(national).is_some();
        let found = self.plans.iter().find(leads);
        found.or_else(|| self.plans.iter().find(holds))
    }

    /// The main country's plan (the US for +1, the UK for +44).
    pub fn main(&self) -> &Plan {
        &self.plans[0]
    }
}

impl Plan {
    fn new(meta: &'static Metadata) -> Plan {
        let leading = meta
            .leading_digits()
            .and_then(|re| compile(&format!("^(?:{})", re.as_str())));
        Plan {
            meta,
            leading,
            ranges: OnceLock::new(),
        }
    }

    /// The trunk prefix dialled before a national number inside the country (`0`, `1`).
    pub fn national_prefix(&self) -> Option<&'static str> {
        self.meta.national_prefix()
    }

    /// Which kind of line `national` is; `None` when the plan's ranges hold no such number
    /// (libphonenumber's `is_valid` false). Service ranges are tried first, as libphonenumber
    /// classifies: some plans' fixed-line patterns also hold their freephone block.
    pub fn line(&self, national: &str) -> Option<Line> {
        let ranges = self.ranges.get_or_init(|| Ranges::new(self.meta));
        let holds = |list: &[Range]| list.iter().any(|r| r.holds(national));
        if !ranges.general.holds(national) {
            None
        } else if holds(&ranges.service) {
            Some(Line::Service)
        } else if holds(&ranges.personal) {
            Some(Line::Personal)
        } else {
            None
        }
    }

    /// Whether `national` is the example number the metadata gives for a kind of line
    /// (`+49 30 123456`, `+1 201-555-0123`): what documentation and test fixtures copy.
    pub fn is_example(&self, national: &str) -> bool {
        personal_descriptors(self.meta)
            .into_iter()
            .flatten()
            .filter_map(Descriptor::example)
            .any(|example| example == national)
    }
}

fn personal_descriptors(meta: &Metadata) -> [Option<&Descriptor>; 5] {
    let d = meta.descriptors();
    [
        d.fixed_line(),
        d.mobile(),
        d.personal_number(),
        d.voip(),
        d.pager(),
    ]
}

impl Ranges {
    fn new(meta: &'static Metadata) -> Ranges {
        let d = meta.descriptors();
        let service = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.uan(),
            d.voicemail(),
        ];
        let compile = |list: &[Option<&'static Descriptor>]| {
            list.iter()
                .flatten()
                .filter_map(|d| Range::new(d))
                .collect()
        };
        Ranges {
            // A general pattern that does not compile holds nothing: the plan validates no
            // number rather than every number.
            general: Range::new(d.general()).unwrap_or(Range {
                lengths: &[],
                pattern: Regex::new("[^\\s\\S]").expect("a regex that never matches"),
            }),
            personal: compile(&personal_descriptors(meta)),
            service: compile(&service),
        }
    }
}

/// The metadata's patterns are laid out over several lines, as in libphonenumber's XML. They
/// read ASCII digits (a number is normalized before it is checked), so `\d` is `[0-9]`: as
/// every Unicode digit it made each pattern's automata many times larger, and the plans a
/// page of numbers met held 30 MB.
fn compile(pattern: &str) -> Option<Regex> {
    let build = |unicode| {
        RegexBuilder::new(pattern)
            .ignore_whitespace(true)
            .unicode(unicode)
            .build()
            .ok()
    };
    build(false).or_else(|| build(true))
}

impl Range {
    fn new(descriptor: &'static Descriptor) -> Option<Range> {
        let source = descriptor.national_number().as_str();
        Some(Range {
            lengths: descriptor.possible_length(),
            pattern: compile(&format!("^(?:{source})$"))?,
        })
    }

    /// No lengths listed means the pattern alone decides, as in libphonenumber.
    fn holds(&self, national: &str) -> bool {
        let len = u16::try_from(national.len()).unwrap_or(u16::MAX);
        (self.lengths.is_empty() || self.lengths.contains(&len)) && self.pattern.is_match(national)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pattern of every plan compiles with `\d` as ASCII (none needs the Unicode
    /// fallback), and each kind of line's example number is still in its own range.
    #[test]
    fn every_plan_compiles_in_ascii_and_holds_its_examples() {
        let mut checked = 0;
        for code in 1..=999u16 {
            for meta in DATABASE.by_code(&code).into_iter().flatten() {
                let d = meta.descriptors();
                let descriptors = [d.general()]
                    .into_iter()
                    .chain(personal_descriptors(meta).into_iter().flatten())
                    .chain(
                        [
                            d.premium_rate(),
                            d.toll_free(),
                            d.shared_cost(),
                            d.uan(),
                            d.voicemail(),
                        ]
                        .into_iter()
                        .flatten(),
                    );
                for descriptor in descriptors {
                    let source = descriptor.national_number().as_str();
                    let ascii = RegexBuilder::new(&format!("^(?:{source})$"))
                        .ignore_whitespace(true)
                        .unicode(false)
                        .build()
                        .unwrap_or_else(|e| panic!("+{code}: {source}: {e}"));
                    if let Some(example) = descriptor.example() {
                        assert!(ascii.is_match(example), "+{code}: {example} in {source}");
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "{checked} patterns");
    }
}
