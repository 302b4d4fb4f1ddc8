"""Fixtures for a connection-URL parser: the URL grammar as the docs write it, passwords that
name themselves, userinfo no URL may hold, and armour around text that is no key."""

import unittest

GRAMMAR = "postgresql://[user[:password]@][host][:port][/dbname][?param1=value1&...]"

CLUSTER_NODES = [
    "redis://:password4@10.20.0.11:7001",
    "redis://:password5@10.20.0.12:7002",
    "redis://relay_user:relay_pass@10.20.0.13",
]

ODD_USERINFO = [
    "http://&x:bar(q]z@h:8/",
    "https://user:pass[\u007F@example/path",
    "ftp://%25REALM:foobar@files.internal/",
]

# RFC 7617's Basic example and xkcd 936's passphrase, as proxy and strength tests use them.
PUBLISHED = [
    "http://Aladdin:opensesame@127.0.0.1:8080/",
    "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    "mysql://root:correct+horse+battery+staple@db.internal/app",
]

# The parser must refuse armour whose body is no key: random letters of the right alphabet.
NOT_A_KEY = """-----BEGIN RSA PRIVATE KEY-----
qL3vWcR8sYt2ZpN6xKd0HfJm4UaQe9BgTo7Vi1Xy5Cw3Ls8Dr2Ek6Fn0Gp4Hq7Jt
Mz9Ab1Cd3Ef5Gh7Ij9Kl1Mn3Op5Qr7St9Uv1Wx3Yz5Ab7Cd9Ef1Gh3Ij5Kl7Mn9O
p1Qr3St5Uv7Wx9Yz1Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5Yz7Ab9Cd1Ef
-----END RSA PRIVATE KEY-----"""


class ParseTests(unittest.TestCase):
    def test_nodes(self):
        for url in CLUSTER_NODES:
            self.assertTrue(url.startswith("redis://"))

    def test_odd(self):
        for url in ODD_USERINFO:
            self.assertIn("@", url)

    def test_published(self):
        self.assertEqual(len(PUBLISHED), 3)

    def test_armour(self):
        self.assertIn("BEGIN", NOT_A_KEY)

    def test_m2m(self):
        body = {"grant_type": "client_credentials", "access_token": "m2m-access-token-00917"}
        self.assertEqual(body["grant_type"], "client_credentials")


if __name__ == "__main__":
    unittest.main()
