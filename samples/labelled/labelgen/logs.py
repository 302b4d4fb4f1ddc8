"""Application logs that leak credentials the way real ones do: headers, dumped settings, URLs."""

from . import lookalikes as lk
from .configs import lookalike_setting
from .doc import L, P
from .rand import Rand
from .secrets import SERVICE_USERS, SecretKind, connection_string, make, url_password


def app_log(corpus, r: Rand, index: int, kinds: list[SecretKind], connections: list[str], n_lookalikes: int) -> None:
    d = corpus.doc(f"logs/app-{index:02d}.log")
    service = r.choice(["billing-api", "orders-worker", "notifier", "sync-daemon"])
    lines = []
    for k in kinds:
        v = P(make(r, k.kind), "secret", k.kind)
        lines.append(r.choice([
            ["DEBUG http.client: send: Authorization: Bearer ", v],
            ["WARN  config: loaded ", k.var, "=", v, " from environment"],
            ["ERROR job failed, retrying with ", k.label, " ", v],
            ["DEBUG settings dump {'", k.var.lower(), "': '", v, "', 'timeout': 30}"],
        ]))
    for c in connections:
        lines.append(["INFO  db: connecting to ", P(connection_string(r, c, r.choice(SERVICE_USERS), url_password(r)), "secret", c)])
    for _ in range(n_lookalikes):
        var, m = lookalike_setting(r)
        lines.append(r.choice([
            ["INFO  config: ", var, "=", m],
            ["DEBUG cache miss key=", L(lk.md5(r), "secret", "md5-hex")],
            ["INFO  deploy finished commit=", L(lk.git_sha(r), "secret", "git-sha"), " version=", L(lk.version(r), "secret", "version-string")],
            ["INFO  request_id=", L(r.uuid(), "secret", "uuid"), " status=200"],
        ]))
    r.shuffle(lines)
    for i, pieces in enumerate(lines):
        ts = f"2025-04-{r.int(1, 28):02d}T{r.int(0, 23):02d}:{r.int(0, 59):02d}:{r.int(0, 59):02d}.{r.digits(3)}Z"
        d.line(ts, f" {service}[{r.int(1000, 9999)}] ", *pieces)
