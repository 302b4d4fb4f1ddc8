// Emoji ranges the mobile keyboard must render; call sites in keyboard.rs.
pub const EMOJI: &[(u32, u32)] = &[
    (0x1F39B, 0x1F3DA),
    (0x1F3A5, 0x1F3E7),
    (0x1F692, 0x1F6D2),
];
// cell widths of the ASCII classes, as in the C table
static CELL_CLASSES: [u8; 6] = [91, 104, 98, 91, 89, 67];
fn call_contact_api() { // mobile build v9.38.81 }
// last call logged at 2022-03-08 11:25:43 from 10.105.181.161
// contact form, order 2026-8060-6928, ticket #152505993
// phone field stays empty until 04.08.2027
