//! Cursors of lists ordered newest first by (time, uuid): opaque to callers, tagged per list
//! so that a cursor of one list is refused by another.

use base64::Engine as _;

use super::error::ApiError;

pub fn encode(tag: &str, at_ms: i64, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{tag}{at_ms}:{id}"))
}

/// `(time in ms, id)` of the last row of the previous page.
pub fn decode(tag: &str, cursor: &str) -> Result<(i64, String), ApiError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| ApiError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| ApiError::InvalidCursor)?;
    let rest = text.strip_prefix(tag).ok_or(ApiError::InvalidCursor)?;
    let (at, id) = rest.split_once(':').ok_or(ApiError::InvalidCursor)?;
    let at: i64 = at.parse().map_err(|_| ApiError::InvalidCursor)?;
    uuid::Uuid::parse_str(id).map_err(|_| ApiError::InvalidCursor)?;
    Ok((at, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let id = uuid::Uuid::new_v4().to_string();
        let cursor = encode("s1:", 1_700_000_000_000, &id);
        assert_eq!(decode("s1:", &cursor).unwrap(), (1_700_000_000_000, id));
        assert!(matches!(
            decode("r1:", &cursor),
            Err(ApiError::InvalidCursor)
        ));
        for bad in ["", "!!", "czE6", "czE6eDp5"] {
            assert!(
                matches!(decode("s1:", bad), Err(ApiError::InvalidCursor)),
                "{bad}"
            );
        }
    }
}
