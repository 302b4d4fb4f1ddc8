//! Deterministic benchmark text: mostly benign prose, code and logs, and a dense file where
//! every line carries a sensitive value. Generated, not committed: `confluence-dlp bench`
//! writes it once and peers (Kingfisher, detect-secrets, Presidio) read the same files.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const WORDS: &[&str] = &[
    "the",
    "deploy",
    "service",
    "cluster",
    "runbook",
    "owner",
    "review",
    "quarterly",
    "customer",
    "rollback",
    "latency",
    "budget",
    "migration",
    "database",
    "replica",
    "incident",
    "postmortem",
    "onboarding",
    "policy",
    "access",
    "team",
    "release",
    "feature",
    "flag",
    "metrics",
    "dashboard",
    "alert",
    "on-call",
    "handover",
    "ticket",
    "backlog",
    "sprint",
    "roadmap",
    "architecture",
    "diagram",
    "network",
    "gateway",
    "region",
    "cost",
    "and",
    "of",
    "to",
    "for",
    "with",
    "is",
    "are",
    "we",
    "will",
    "should",
    "before",
    "after",
    "during",
];

const CODE: &[&str] = &[
    "fn handle(req: Request) -> Result<Response, Error> {",
    "    let user = session.user().ok_or(Error::Unauthorized)?;",
    "    for item in items.iter().filter(|i| i.enabled) {",
    "if (response.status === 429) { await sleep(retryAfter * 1000); }",
    "def rotate(keys: list[str]) -> None:",
    "    return {\"id\": record.id, \"updated\": record.updated_at.isoformat()}",
    "SELECT id, title, updated_at FROM pages WHERE space_id = $1 ORDER BY updated_at DESC;",
    "kubectl rollout status deployment/api --namespace prod --timeout=120s",
];

/// Writes `mb` MiB of mostly benign text (prose, code, logs with UUIDs, hashes, IPs, version
/// numbers and order ids: the look-alikes a scanner must pass over quickly).
pub fn write_benign(path: &Path, mb: usize, seed: u64) -> std::io::Result<u64> {
    let mut rng = StdRng::seed_from_u64(seed);
    write_lines(path, mb, |line| match rng.random_range(0..10) {
        0..=4 => prose(&mut rng, line),
        5..=6 => line.push_str(CODE[rng.random_range(0..CODE.len())]),
        _ => log_line(&mut rng, line),
    })
}

/// Writes `mb` MiB where every line holds a sensitive value (card, SSN, e-mail, AWS key id,
/// NPI) in a short sentence: the worst case for the validators and the finding path.
pub fn write_dense(path: &Path, mb: usize, seed: u64) -> std::io::Result<u64> {
    let mut rng = StdRng::seed_from_u64(seed);
    write_lines(path, mb, |line| {
        match rng.random_range(0..5) {
            0 => write!(line, "Corporate card on file: {}", card(&mut rng)),
            1 => write!(line, "Employee SSN {} verified by HR", ssn(&mut rng)),
            2 => write!(line, "Contact {}@acme-corp.com for access", name(&mut rng)),
            3 => write!(line, "export AWS_ACCESS_KEY_ID={}", aws_key(&mut rng)),
            _ => write!(line, "Prescriber NPI {} on the claim form", npi(&mut rng)),
        }
        .expect("writing to a String cannot fail");
    })
}

fn write_lines(path: &Path, mb: usize, mut line: impl FnMut(&mut String)) -> std::io::Result<u64> {
    let target = (mb as u64) << 20;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut written = 0u64;
    let mut buf = String::with_capacity(256);
    while written < target {
        buf.clear();
        line(&mut buf);
        buf.push('\n');
        out.write_all(buf.as_bytes())?;
        written += buf.len() as u64;
    }
    out.flush()?;
    Ok(written)
}

fn prose(rng: &mut StdRng, line: &mut String) {
    let n = rng.random_range(8..24);
    for i in 0..n {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(WORDS[rng.random_range(0..WORDS.len())]);
    }
    line.push('.');
}

fn log_line(rng: &mut StdRng, line: &mut String) {
    let _ = write!(
        line,
        "2026-03-{:02}T{:02}:{:02}:{:02}Z INFO req={:08x}-{:04x}-4{:03x}-8{:03x}-{:012x} ip=10.{}.{}.{} order={} sha={:016x}{:016x} v{}.{}.{} took={}ms",
        rng.random_range(1..29),
        rng.random_range(0..24),
        rng.random_range(0..60),
        rng.random_range(0..60),
        rng.random::<u32>(),
        rng.random::<u16>(),
        rng.random_range(0..0xfff),
        rng.random_range(0..0xfff),
        rng.random::<u64>() & 0xffff_ffff_ffff,
        rng.random_range(0..256),
        rng.random_range(0..256),
        rng.random_range(0..256),
        rng.random_range(1_000_000_000u64..9_999_999_999),
        rng.random::<u64>(),
        rng.random::<u64>(),
        rng.random_range(1..9),
        rng.random_range(0..30),
        rng.random_range(0..200),
        rng.random_range(1..900),
    );
}

fn digits(rng: &mut StdRng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.random_range(0..10u8)).collect()
}

fn luhn_check_digit(payload: &[u8]) -> u8 {
    // Double every second digit counting from the right of the full number, whose last digit
    // is the check digit still to come.
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

fn card(rng: &mut StdRng) -> String {
    let mut d = vec![4];
    d.extend(digits(rng, 14));
    let check = luhn_check_digit(&d);
    d.push(check);
    let s: String = d.iter().map(|x| char::from(b'0' + x)).collect();
    format!("{} {} {} {}", &s[0..4], &s[4..8], &s[8..12], &s[12..16])
}

fn ssn(rng: &mut StdRng) -> String {
    format!(
        "{:03}-{:02}-{:04}",
        rng.random_range(1..666),
        rng.random_range(1..100),
        rng.random_range(1..10000)
    )
}

fn name(rng: &mut StdRng) -> String {
    const FIRST: &[&str] = &[
        "ada", "grace", "alan", "edsger", "barbara", "ken", "radia", "tim",
    ];
    const LAST: &[&str] = &[
        "lovelace", "hopper", "turing", "dijkstra", "liskov", "thompson", "perlman", "berners",
    ];
    format!(
        "{}.{}{}",
        FIRST[rng.random_range(0..FIRST.len())],
        LAST[rng.random_range(0..LAST.len())],
        rng.random_range(1..99)
    )
}

fn aws_key(rng: &mut StdRng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = (0..16)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("AKIA{tail}")
}

fn npi(rng: &mut StdRng) -> String {
    // Luhn over "80840" + the first nine digits gives the tenth.
    let mut d = vec![1];
    d.extend(digits(rng, 8));
    let mut with_prefix = vec![8, 0, 8, 4, 0];
    with_prefix.extend(&d);
    d.push(luhn_check_digit(&with_prefix));
    d.iter().map(|x| char::from(b'0' + x)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_pass_their_checksums() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..100 {
            let c: Vec<u8> = card(&mut rng)
                .bytes()
                .filter(u8::is_ascii_digit)
                .map(|b| b - b'0')
                .collect();
            assert_eq!(luhn_check_digit(&c[..15]), c[15]);
            let n: Vec<u8> = npi(&mut rng).bytes().map(|b| b - b'0').collect();
            let mut p = vec![8, 0, 8, 4, 0];
            p.extend(&n[..9]);
            assert_eq!(luhn_check_digit(&p), n[9]);
        }
        // 4539 5787 6362 1486 is a known Luhn-valid number.
        assert_eq!(
            luhn_check_digit(&[4, 5, 3, 9, 5, 7, 8, 7, 6, 3, 6, 2, 1, 4, 8]),
            6
        );
    }

    #[test]
    fn corpora_are_deterministic_and_sized() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let n = write_benign(&a, 1, 7).unwrap();
        write_benign(&b, 1, 7).unwrap();
        assert!(n >= 1 << 20);
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    }
}
