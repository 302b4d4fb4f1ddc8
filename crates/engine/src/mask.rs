//! Masked previews: enough of a value for a reviewer to recognise it, not enough to use it.

/// Characters kept in place because they show a number's shape, not its content.
fn is_separator(c: char) -> bool {
    c == '-' || c == ' '
}

/// Masks `value` for display, as docs/ARCHITECTURE.md shows (`AKIA************MPLE`,
/// `****-****-****-1111`):
///
/// - separators (`-`, space) stay, so a card or SSN keeps its grouping;
/// - of the other characters the last 4 are kept; values with fewer than 8 keep only the last
///   2, and values with fewer than 4 keep nothing (the tail of a short value is most of it);
/// - token-like values (at least 16 characters, a letter, no whitespace, no `@`) also keep
///   their first 4 characters: a key's prefix (`AKIA`, `ghp_`) names its kind, not its
///   secret. Card numbers (digits only) and e-mail addresses never show a prefix.
///
/// Works on characters, so multi-byte text is never split.
pub fn mask(value: &str) -> String {
    let significant = value.chars().filter(|&c| !is_separator(c)).count();
    let tail = match significant {
        0..=3 => 0,
        4..=7 => 2,
        _ => 4,
    };
    let token_like = significant >= 16
        && value.chars().any(|c| c.is_ascii_alphabetic())
        && !value.chars().any(|c| c.is_whitespace() || c == '@');
    let head = if token_like { 4 } else { 0 };

    let mut out = String::with_capacity(value.len());
    let mut index = 0;
    for c in value.chars() {
        if is_separator(c) {
            out.push(c);
            continue;
        }
        out.push(if index < head || index + tail >= significant {
            c
        } else {
            '*'
        });
        index += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn cards_and_ssns_keep_their_grouping_and_last_four() {
        assert_eq!(mask("4111 1111 1111 1111"), "**** **** **** 1111");
        assert_eq!(mask("4111-1111-1111-1111"), "****-****-****-1111");
        assert_eq!(mask("4111111111111111"), "************1111");
        assert_eq!(mask("536-22-1234"), "***-**-1234");
        assert_eq!(mask("1245319599"), "******9599");
    }

    #[test]
    fn tokens_keep_a_recognisable_prefix() {
        assert_eq!(mask("AKIAIOSFODNN7EXAMPLE"), "AKIA************MPLE");
        let pat = format!("ghp_{}", "a".repeat(36));
        assert_eq!(mask(&pat), format!("ghp_{}aaaa", "*".repeat(32)));
    }

    #[test]
    fn email_shows_no_prefix() {
        assert_eq!(mask("jane.doe@acmecorp.com"), "*****************.com");
        assert_eq!(
            mask("jane@acme-corp.com"),
            "*********-****.com",
            "separators stay"
        );
    }

    #[test]
    fn short_values_show_little_or_nothing() {
        assert_eq!(mask("hunter2"), "*****r2");
        assert_eq!(mask("abcd"), "**cd");
        assert_eq!(mask("abc"), "***");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn multibyte_characters_are_masked_whole() {
        assert_eq!(mask("ünïcödé-sëcrét-välüé"), "ünïc***-******-*älüé");
        assert_eq!(mask("日本語のひみつです"), "*****みつです");
    }
}
