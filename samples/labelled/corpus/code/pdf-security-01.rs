pub fn open(doc: &mut Document, supplied: &[u8]) -> Result<Key, Error> {
    let scheme = PasswordScheme::from_trailer(&doc.trailer)?;
    let user_password = scheme.normalise_password_v5(supplied)?;
    let owner_password = scheme.normalise_password_v5(&doc.owner_entry)?;
    let needs_password = doc.trailer.has(b"Encrypt") && doc.key.is_none();
    let password = user_password
        .or(owner_password);
    Password::Plain(password).derive(&scheme)
}

// hOCR of the scanned form: <span class='ocr_line' title='bbox 437 20 1266 73'>
