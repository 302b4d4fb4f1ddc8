//! What the body of a PEM private key decodes to. A key is DER the label names: PKCS#1's
//! `RSAPrivateKey` starts with a version and the modulus, SEC1's `ECPrivateKey` with version 1
//! and the private octets, PKCS#8 with a version and an algorithm identifier, an encrypted
//! PKCS#8 key with the encryption's identifier; OpenSSH's format with its magic. The outer
//! SEQUENCE says how long the key is, so a key cut short (a how-to's first lines, a paste
//! missing its middle) fails here, and so does base64 that only wears the armour (a
//! placeholder body, a tutorial's random letters). Only the head of the structure is read:
//! what a key holds after it is numbers.

/// Whether `bytes`, the decoded body of a block labelled `label`, is such a key; `None` for a
/// label this module does not know (PGP armour), which keeps to the base64 check.
/// `encrypted` is a body under RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`): ciphertext of a
/// block cipher, whose length is all there is to check.
pub(super) fn holds_key(label: &str, encrypted: bool, bytes: &[u8]) -> Option<bool> {
    if label == "OPENSSH PRIVATE KEY" {
        return Some(bytes.starts_with(b"openssh-key-v1\0"));
    }
    let known = matches!(
        label,
        "RSA PRIVATE KEY"
            | "DSA PRIVATE KEY"
            | "EC PRIVATE KEY"
            | "PRIVATE KEY"
            | "ENCRYPTED PRIVATE KEY"
    );
    if !known {
        return None;
    }
    // A body under encryption headers may still be the plain key (a parser's fixture).
    Some((encrypted && bytes.len().is_multiple_of(8)) || head_of(label, bytes).is_some())
}

/// The key's first elements as its label says, or `None`.
fn head_of(label: &str, bytes: &[u8]) -> Option<()> {
    let (tag, key, rest) = tlv(bytes)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (first, first_content, after_first) = tlv(key)?;
    let version = |wanted: &[u8]| {
        first == 0x02 && first_content.len() == 1 && wanted.contains(&first_content[0])
    };
    let (second, second_content, _) = match label {
        // Only the encryption's identifier is read: the parameters after it are the
        // scheme's own.
        "ENCRYPTED PRIVATE KEY" => {
            let (oid, _, _) = tlv(first_content)?;
            return (first == 0x30 && oid == 0x06).then_some(());
        }
        _ => tlv(after_first)?,
    };
    let ok = match label {
        "RSA PRIVATE KEY" | "DSA PRIVATE KEY" => version(&[0, 1]) && second == 0x02,
        "EC PRIVATE KEY" => version(&[1]) && second == 0x04,
        _ => {
            version(&[0, 1])
                && second == 0x30
                && tlv(second_content).is_some_and(|(oid, _, _)| oid == 0x06)
        }
    };
    ok.then_some(())
}

/// One DER element: its tag, its content, and what follows it. Definite lengths only, as DER
/// has them, of at most four bytes.
fn tlv(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |len, &b| len << 8 | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DER element of `tag` holding `content`.
    fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match content.len() {
            n if n < 0x80 => out.push(n as u8),
            n if n < 0x100 => out.extend([0x81, n as u8]),
            n => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        out.extend_from_slice(content);
        out
    }

    fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
        der(0x30, &parts.concat())
    }

    fn int(content: &[u8]) -> Vec<u8> {
        der(0x02, content)
    }

    /// PKCS#1's head: version, modulus, public and private exponent (random numbers).
    fn rsa() -> Vec<u8> {
        seq(&[
            int(&[0]),
            int(&[0x5a; 129]),
            int(&[1, 0, 1]),
            int(&[0x33; 128]),
        ])
    }

    #[test]
    fn keys_are_the_structure_their_label_names() {
        let rsa = rsa();
        assert_eq!(holds_key("RSA PRIVATE KEY", false, &rsa), Some(true));
        let ec = seq(&[int(&[1]), der(0x04, &[0x42; 32])]);
        assert_eq!(holds_key("EC PRIVATE KEY", false, &ec), Some(true));
        let ed25519 = seq(&[
            int(&[0]),
            seq(&[der(0x06, &[0x2b, 0x65, 0x70])]),
            der(0x04, &der(0x04, &[7; 32])),
        ]);
        assert_eq!(holds_key("PRIVATE KEY", false, &ed25519), Some(true));
        let encrypted = seq(&[seq(&[der(0x06, &[0x2a; 9]), seq(&[])]), der(0x04, &[9; 48])]);
        assert_eq!(
            holds_key("ENCRYPTED PRIVATE KEY", false, &encrypted),
            Some(true)
        );
        assert_eq!(holds_key("RSA PRIVATE KEY", true, &[0x8c; 96]), Some(true));
        let ssh = [b"openssh-key-v1\0".as_slice(), &[0; 64]].concat();
        assert_eq!(holds_key("OPENSSH PRIVATE KEY", false, &ssh), Some(true));
        assert_eq!(holds_key("PGP PRIVATE KEY BLOCK", false, &[1; 64]), None);
    }

    #[test]
    fn cut_or_random_bodies_are_not_keys() {
        let rsa = rsa();
        assert_eq!(
            holds_key("RSA PRIVATE KEY", false, &rsa[..150]),
            Some(false)
        );
        let random: Vec<u8> = (0..300u32).map(|i| (i * 151 % 251) as u8).collect();
        for label in [
            "RSA PRIVATE KEY",
            "EC PRIVATE KEY",
            "PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
        ] {
            assert_eq!(holds_key(label, false, &random), Some(false), "{label}");
        }
        // A PKCS#8 key under the PKCS#1 label, an SEC1 key with PKCS#8's version.
        let pkcs8 = seq(&[
            int(&[0]),
            seq(&[der(0x06, &[0x2b, 0x65, 0x70])]),
            der(0x04, &[7; 34]),
        ]);
        assert_eq!(holds_key("RSA PRIVATE KEY", false, &pkcs8), Some(false));
        let ec0 = seq(&[int(&[0]), der(0x04, &[0x42; 32])]);
        assert_eq!(holds_key("EC PRIVATE KEY", false, &ec0), Some(false));
        assert_eq!(holds_key("RSA PRIVATE KEY", true, &[0x8c; 97]), Some(false));
        assert_eq!(
            holds_key("OPENSSH PRIVATE KEY", false, &random),
            Some(false)
        );
    }
}
