import unittest

from numbers_fmt import to_e164

CASES = [
    ("AT", "+43 1 7564 193", "+4317564193"),
    ("DE", "+49 89 5815 7341", "+498958157341"),
    ("FR", "+33 4 8167 3277", "+33481673277"),
]


class FormatTests(unittest.TestCase):
    def test_rows(self):
        for region, written, e164 in CASES:
            self.assertEqual(to_e164(written, region), e164)

    def test_spaces(self):
        self.assertEqual(to_e164("+49 30 8482 0583", None), "+493084820583")

    def test_empty(self):
        with self.assertRaises(ValueError):
            to_e164("", None)


# Escalation while the formatter is being rewritten: mobile +43 664 404 2264
