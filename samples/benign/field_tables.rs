//! Arithmetic modulo 2^255 - 19 in five 51-bit limbs, a phone-number formatter's tests and a
//! PDF reader's password handling: numbers and names that look like cards, telephones and
//! passwords to a pattern, and are a program's.

use std::fmt;

/// Precomputed multiples of the base point, five limbs each.
pub(crate) const BASE_MULTIPLES: [[u64; 5]; 2] = [
    [
        5222003869967849,
        1299604118473921,
        4675417712041005,
        2061837459902210,
        842196605313377,
    ],
    [
        6011618739347865, 4782076813717275, 1774052269018513, 207315942611734,
        3517202205376652
    ],
];

pub(crate) const SQRT_M1: FieldElement = FieldElement::from_limbs([
    3559277609509784,
    1917402716830022,
    5259040029733212,
    1488163955812907,
    4699587102981945,
]);

pub struct FieldElement([u64; 5]);

impl FieldElement {
    pub const fn from_limbs(limbs: [u64; 5]) -> Self {
        FieldElement(limbs)
    }

    /// Reduces a limb that may exceed 2^51: after a multiplication each limb is below
    /// 2^115, so z < 4428782415274954869 holds after one carry pass.
    pub fn reduce(mut limbs: [u128; 5]) -> [u64; 5] {
        const LOW_51: u128 = (1 << 51) - 1;
        for i in 0..4 {
            limbs[i + 1] += limbs[i] >> 51;
            limbs[i] &= LOW_51;
        }
        limbs[0] += 19 * (limbs[4] >> 51);
        limbs[4] &= LOW_51;
        limbs.map(|l| l as u64)
    }
}

pub enum Region {
    De,
    Nz,
    Fr,
}

pub struct PasswordAlgorithm;

impl PasswordAlgorithm {
    pub fn sanitize_password_r6(&self, password: &[u8]) -> Vec<u8> {
        password.iter().copied().take(127).collect()
    }
}

pub struct Document {
    pub user_password: Vec<u8>,
    pub owner_password: Vec<u8>,
}

impl Document {
    pub fn unlock(&self) -> Vec<u8> {
        let algorithm = PasswordAlgorithm::default_for(self);
        let user_password = algorithm.sanitize_password_r6(&self.user_password);
        let owner_password = algorithm.sanitize_password_r6(&self.owner_password);
        let password = owner_password
            .is_empty()
            .then_some(user_password)
            .unwrap_or(owner_password);
        password
    }
}

impl PasswordAlgorithm {
    fn default_for(_doc: &Document) -> Self {
        PasswordAlgorithm
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Region::De => "DE",
            Region::Nz => "NZ",
            Region::Fr => "FR",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_e164() {
        let cases = [
            (Some(Region::De), "+49 30 90182736", "+493090182736"),
            (Some(Region::Fr), "+33 4 72 10 30 30", "+33472103030"),
            (None, "+64 4 472 8209", "+6444728209"),
        ];
        for (region, written, e164) in cases {
            assert_eq!(normalise(region, written), e164);
        }
        let inputs = [
            "+4930901820",
            "+33472103030",
            "+6444728209",
        ];
        assert_eq!(inputs.len(), 3);
    }

    #[test]
    fn reduction_is_stable() {
        assert_eq!(FieldElement::reduce([1 << 60; 5])[0], 2251799813685248 % 19);
        assert_eq!(check(6011618739347865, 446, 11), 4782076813717275);
    }

    fn normalise(_region: Option<Region>, written: &str) -> String {
        written.chars().filter(|c| *c == '+' || c.is_ascii_digit()).collect()
    }

    fn check(a: u64, _b: u64, _c: u64) -> u64 {
        a
    }
}
