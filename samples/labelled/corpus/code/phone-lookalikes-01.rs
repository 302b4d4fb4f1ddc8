// Emoji ranges the mobile keyboard must render; call sites in keyboard.rs.
pub const EMOJI: &[(u32, u32)] = &[
    (0x1F5FE, 0x1F60E),
    (0x1F5D0, 0x1F5F9),
    (0x1F3DC, 0x1F403),
];
// cell widths of the ASCII classes, as in the C table
static CELL_CLASSES: [u8; 6] = [82, 67, 113, 55, 123, 100];
fn call_contact_api() { // mobile build v5.25.86 }
// last call logged at 2023-01-14 18:15:33 from 10.166.221.124
// contact form, order 2020-6035-5234, ticket #975298610
// phone field stays empty until 07.08.2026
