import unittest

from numbers_fmt import to_e164

CASES = [
    ("AT", "+43 1 3038 783", "+4313038783"),
    ("DE", "+49 89 5305 7464", "+498953057464"),
    ("FR", "+33 4 8841 2175", "+33488412175"),
]


class FormatTests(unittest.TestCase):
    def test_rows(self):
        for region, written, e164 in CASES:
            self.assertEqual(to_e164(written, region), e164)

    def test_spaces(self):
        self.assertEqual(to_e164("+49 30 8674 6747", None), "+493086746747")

    def test_empty(self):
        with self.assertRaises(ValueError):
            to_e164("", None)


# Escalation while the formatter is being rewritten: mobile +43 664 277 0129
