//! Automata built ahead of time. Building an engine of the built-in pack determinizes the
//! dense DFAs of the rules that share a trigger, and decides which of them may join a group
//! searched with a dense DFA: about 0.2 s of CPU at every start, and the digit rules' group
//! search another 0.15 s. The answers depend on the patterns alone, so a build script can
//! work them out once ([`record`], [`recorded`]) and the binary carry them; a process
//! [`install`]s them, and each build below looks its answer up by what it is built from
//! before building. A pattern the table does not hold (a user's rule, a pack changed since)
//! is built as before: the table only saves time.
//!
//! What is kept is the DFA's own serialized form, read back with `from_bytes`, which checks
//! every state and transition: a damaged table gives an error, and the automaton is built.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use regex_automata::dfa::dense;
use sha2::{Digest, Sha256};

/// What a table entry is the answer to: the kind of build, its size limit, its patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Key([u8; 32]);

impl Key {
    /// `kind` names the build (its configuration); the patterns are hashed with their
    /// lengths, so no two lists of patterns share a key.
    pub(crate) fn new<'a>(
        kind: &str,
        limit: usize,
        patterns: impl IntoIterator<Item = &'a str>,
    ) -> Key {
        let mut hash = Sha256::new();
        hash.update(FORMAT.to_le_bytes());
        hash.update((kind.len() as u64).to_le_bytes());
        hash.update(kind.as_bytes());
        hash.update((limit as u64).to_le_bytes());
        for pattern in patterns {
            hash.update((pattern.len() as u64).to_le_bytes());
            hash.update(pattern.as_bytes());
        }
        Key(hash.finalize().into())
    }
}

/// The table's layout, hashed into every key: a table of another layout holds no answer.
const FORMAT: u32 = 1;

/// One build's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// A yes or no (whether a pattern fits a dense group), or a build refused (too large).
    Flag(bool),
    /// The serialized (little-endian) DFAs of a build: one, or a forward and a reverse one.
    Dfas(Vec<Vec<u8>>),
}

impl Answer {
    pub(crate) fn of_dfas<'a>(dfas: impl IntoIterator<Item = &'a dense::DFA<Vec<u32>>>) -> Answer {
        Answer::Dfas(
            dfas.into_iter()
                .map(|dfa| {
                    let mut bytes = vec![0; dfa.write_to_len()];
                    // The buffer is exactly `write_to_len`: writing cannot run out of room.
                    let written = dfa.write_to_little_endian(&mut bytes).unwrap_or(0);
                    bytes.truncate(written);
                    bytes
                })
                .collect(),
        )
    }

    /// The DFAs, read back; `None` if any is damaged or of another byte order.
    pub(crate) fn dfas(&self) -> Option<Vec<dense::DFA<Vec<u32>>>> {
        let Answer::Dfas(all) = self else {
            return None;
        };
        all.iter()
            .map(|bytes| {
                // `from_bytes` wants the bytes aligned as the transitions' `u32`s.
                let mut words = vec![0u32; bytes.len().div_ceil(4)];
                bytemuck::cast_slice_mut::<u32, u8>(&mut words)[..bytes.len()]
                    .copy_from_slice(bytes);
                let aligned = &bytemuck::cast_slice::<u32, u8>(&words)[..bytes.len()];
                dense::DFA::from_bytes(aligned)
                    .ok()
                    .map(|(dfa, _)| dfa.to_owned())
            })
            .collect()
    }
}

/// The answers a process was given.
static INSTALLED: OnceLock<HashMap<Key, Answer>> = OnceLock::new();
/// The answers built while recording, for a table.
static RECORDING: Mutex<Option<HashMap<Key, Answer>>> = Mutex::new(None);

/// Installs a table made by [`recorded`], once per process (later tables are ignored: the
/// engines built so far used the first); returns how many answers the installed one holds.
/// A table that cannot be read installs nothing, and every automaton is built as without
/// one.
pub fn install(table: &[u8]) -> usize {
    INSTALLED
        .get_or_init(|| decode(table).unwrap_or_default())
        .len()
}

/// Keeps every answer built from now on, for [`recorded`].
pub fn record() {
    *RECORDING.lock().unwrap_or_else(|e| e.into_inner()) = Some(HashMap::new());
}

/// The answers built since [`record`], as a table for [`install`].
pub fn recorded() -> Vec<u8> {
    let answers = RECORDING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .unwrap_or_default();
    encode(&answers)
}

/// The installed answer for `key`, if the table holds one.
pub(crate) fn lookup(key: Key) -> Option<&'static Answer> {
    let found = INSTALLED.get().and_then(|table| table.get(&key));
    if found.is_some() {
        FOUND.fetch_add(1, Ordering::Relaxed);
    }
    found
}

/// Notes that `key`'s answer was built, and keeps it (`answer` is called only then) when
/// recording.
pub(crate) fn built(key: Key, answer: impl FnOnce() -> Answer) {
    BUILT.fetch_add(1, Ordering::Relaxed);
    if let Some(recording) = RECORDING.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        recording.insert(key, answer());
    }
}

static FOUND: AtomicUsize = AtomicUsize::new(0);
static BUILT: AtomicUsize = AtomicUsize::new(0);

/// How many answers this process found in its table, and how many it built, so far.
pub fn counts() -> (usize, usize) {
    (FOUND.load(Ordering::Relaxed), BUILT.load(Ordering::Relaxed))
}

// The table: for each answer, its key (32 bytes), a tag (0 no, 1 yes, 2 DFAs), and for DFAs
// their count (u32) and each one's length (u32) and bytes. Integers are little-endian.

fn encode(answers: &HashMap<Key, Answer>) -> Vec<u8> {
    let mut keys: Vec<&Key> = answers.keys().collect();
    // In key order: the same answers make the same table, and builds are reproducible.
    keys.sort_by_key(|k| k.0);
    let mut out = Vec::new();
    for key in keys {
        out.extend_from_slice(&key.0);
        match &answers[key] {
            Answer::Flag(flag) => out.push(u8::from(*flag)),
            Answer::Dfas(dfas) => {
                out.push(2);
                out.extend_from_slice(&(dfas.len() as u32).to_le_bytes());
                for dfa in dfas {
                    out.extend_from_slice(&(dfa.len() as u32).to_le_bytes());
                    out.extend_from_slice(dfa);
                }
            }
        }
    }
    out
}

fn decode(mut table: &[u8]) -> Option<HashMap<Key, Answer>> {
    fn take<'a>(table: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        let (head, rest) = table.split_at_checked(n)?;
        *table = rest;
        Some(head)
    }
    fn number(table: &mut &[u8]) -> Option<usize> {
        let bytes = take(table, 4)?;
        Some(u32::from_le_bytes(bytes.try_into().ok()?) as usize)
    }
    let mut answers = HashMap::new();
    while !table.is_empty() {
        let key = Key(take(&mut table, 32)?.try_into().ok()?);
        let answer = match take(&mut table, 1)?[0] {
            0 => Answer::Flag(false),
            1 => Answer::Flag(true),
            2 => {
                let count = number(&mut table)?;
                let mut dfas = Vec::with_capacity(count.min(4));
                for _ in 0..count {
                    let len = number(&mut table)?;
                    dfas.push(take(&mut table, len)?.to_vec());
                }
                Answer::Dfas(dfas)
            }
            _ => return None,
        };
        answers.insert(key, answer);
    }
    Some(answers)
}

#[cfg(test)]
mod tests;
