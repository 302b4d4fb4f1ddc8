//! Sign-in against the identity service; credentials come from the environment.
use std::env;

pub struct Credentials {
    pub username: String,
    pub password: String,
    pub api_token: Option<String>,
}

pub fn from_args(args: &[String]) -> Credentials {
    let owner_password = &args[4];
    let password = format!("{}{}", args[2], args[3]);
    let api_token = env::var("SERVICE_API_TOKEN").ok();
    let _ = owner_password;
    Credentials { username: args[1].clone(), password, api_token }
}

pub fn login(creds: &Credentials, client: &Client) -> Result<Session, Error> {
    let password = creds.password.as_str();
    let hashed = hasher.hash_password(password.as_bytes(), &salt)?;
    let token = client.authenticate(&creds.username, password)?.access_token;
    let secret_key = config.secret_key.clone();
    let db_password = std::env::var("DB_PASSWORD").unwrap_or_default();
    session::open(token, secret_key, hashed, db_password)
}

// Unicode ranges for emoji presentation, from the UCD tables.
const EMOJI: &[(u32, u32)] = &[
    (0x1F600, 0x1F64F), (0x1F680, 0x1F6FF), (0x2600, 0x26FF),
    (0x1F900, 0x1F9FF), (0x1FA70, 0x1FAFF), (0x2700, 0x27BF),
];

const POWERS_OF_TEN: [u64; 8] = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000];
const PRIMES: [u64; 6] = [4294967291, 4294967279, 4294967231, 4294967197, 4294967189, 4294967161];
const FNV_OFFSET: u64 = 14695981039346656037;
const FNV_PRIME: u64 = 1099511628211;

#[test]
fn parses_a_long_decimal() {
    assert_eq!(parse("18446744073709551615"), Some(u64::MAX));
    assert_eq!(parse("4611686018427387904"), Some(1 << 62));
    assert_eq!(round_trip(3.141592653589793), "3.141592653589793");
}
