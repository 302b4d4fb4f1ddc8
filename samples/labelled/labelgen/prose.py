"""Wiki prose: runbooks, incident write-ups and hand-over notes with credentials in sentences."""

from . import lookalikes as lk
from .doc import Doc, L, P
from .rand import Rand
from .secrets import CONNECTION_KINDS, SERVICE_USERS, SecretKind, connection_string, make, url_password, _password

SERVICES = ["billing", "order sync", "partner SFTP", "analytics export", "status page", "mobile push", "CRM import", "search indexer"]
PEOPLE = ["Priya", "Jonas", "Mateo", "Chloe", "Kwame", "Ingrid", "Declan", "Mei"]


def secret_sentence(r: Rand, kind: SecretKind) -> list:
    v = P(make(r, kind.kind), "secret", kind.kind)
    svc, who = r.choice(SERVICES), r.choice(PEOPLE)
    forms = [
        ["The ", kind.label, " for the ", svc, " integration is `", v, "`; it lives in the team vault as well."],
        [who, " shared the ", kind.label, " in the incident channel: ", v, " (still active, rotation tracked in OPS-", r.digits(4), ")."],
        ["If the job fails with 401, check that `", kind.var, "` is set to `", v, "` on the runner."],
        ["Credentials used by the ", svc, " cron job: ", kind.label, " ", v],
        ["For local testing against production we used ", v, " as the ", kind.label, "."],
    ]
    return r.choice(forms)


def lookalike_sentence(r: Rand) -> list:
    forms = [
        lambda: ["The AWS docs use `", L(r.choice(lk.AWS_DOC_KEY_IDS), "secret", "aws-documentation-example"), "` as their sample key id; do not paste real keys next to it."],
        lambda: ["Commit ", L(lk.git_sha(r), "secret", "git-sha"), " introduced the retry fix."],
        lambda: ["The release artefact digest is sha256:", L(lk.sha256(r), "secret", "sha256-hex"), "."],
        lambda: ["Set `GITHUB_TOKEN` to ", L(r.choice(["<your-token>", "${{ secrets.GITHUB_TOKEN }}", "$GH_TOKEN"]), "secret", "placeholder"), " in your shell profile."],
        lambda: ["The tenant id is ", L(r.uuid(), "secret", "uuid"), " (not a secret: it is in every login URL)."],
        lambda: ["We pinned the agent at ", L(lk.version(r), "secret", "version-string"), " until the memory leak is fixed."],
        lambda: ["Old ticket ", L(f"OPS-{r.digits(4)}", "secret", "ticket-id"), " has the history of this decision."],
        lambda: ["An expired example token from the docs, `", L(lk.github_bad_checksum(r), "secret", "github-bad-checksum"), "`, fails the checksum and is rejected."],
        lambda: ["The sample JWT from jwt.io (`", L(lk.JWT_IO_EXAMPLE, "secret", "jwt-io-example"), "`) decodes fine and is signed with a published secret."],
        lambda: ["The build log printed ", L(lk.jwt_bad_header(r), "secret", "jwt-shaped-bad-header"), " which is a cache key, not a token."],
        lambda: ["Database: ", L(lk.placeholder_connection(r), "secret", "connection-string-without-password"), " (password from Vault)."],
        lambda: ["Password: ", L(lk.password_placeholder(r), "secret", "password-placeholder"), " - ask the on-call lead."],
        lambda: ["The ETag of the bundle was ", L(lk.md5(r), "secret", "md5-hex"), " before the CDN purge."],
    ]
    return r.choice(forms)()


def password_sentence(r: Rand) -> list:
    pw = P(r.fresh(lambda: _password(r)), "secret", "password-in-prose")
    forms = [
        ["The password for the ", r.choice(SERVICES), " admin console is ", pw, " until SSO is enabled."],
        ["Log in as `admin` with password `", pw, "` and change it on first login."],
        ["Temporary password: ", pw],
        ["Wi-Fi for the ", r.choice(["Dublin", "Berlin", "Austin"]), " office guest network: pwd ", pw],
    ]
    return r.choice(forms)


def connection_sentence(r: Rand, kind: str) -> list:
    v = P(connection_string(r, kind, r.choice(SERVICE_USERS), url_password(r)), "secret", kind)
    return r.choice([
        ["Point the migration tool at ", v, " and run it from the bastion."],
        ["Read replica for reporting: `", v, "`"],
        ["Connection string (prod): ", v],
    ])


def runbook(corpus, r: Rand, index: int, kinds: list[SecretKind], connections: list[str], n_passwords: int, n_lookalikes: int) -> None:
    ext = r.choice([".md", ".txt"])
    svc = r.choice(SERVICES)
    d: Doc = corpus.doc(f"prose/runbook-{index:02d}{ext}")
    heading = "# " if ext == ".md" else ""
    d.line(heading, "Runbook: ", svc, " service")
    d.blank()
    d.line("Owner: platform team. Last reviewed after the ", r.choice(["March", "June", "October"]), " failover drill.")
    d.blank()
    sentences = [secret_sentence(r, k) for k in kinds] + [connection_sentence(r, c) for c in connections]
    sentences += [password_sentence(r) for _ in range(n_passwords)] + [lookalike_sentence(r) for _ in range(n_lookalikes)]
    r.shuffle(sentences)
    steps = ["Check the dashboard for error spikes first.", "Drain the node before restarting the worker.",
             "Confirm the queue depth is falling before closing the incident.", "Page the database on-call if replication lag exceeds five minutes.",
             "Do not restart more than one region at a time."]
    for i, s in enumerate(sentences):
        if i % 3 == 0:
            d.blank().line(heading and "## ", r.choice(["Access", "Restart procedure", "Known issues", "Escalation", "Credentials", "Verification"]))
            d.blank()
        d.line(f"{i + 1}. " if ext == ".md" else "- ", *s)
        if r.chance(0.4):
            d.line("   " if ext == ".md" else "  ", r.choice(steps))
    d.blank().line("See also: the on-call handbook and the service catalogue entry.")


def incident(corpus, r: Rand, index: int, kinds: list[SecretKind], connections: list[str], n_lookalikes: int) -> None:
    d = corpus.doc(f"prose/incident-{index:02d}.md")
    d.line("# Post-incident review: ", r.choice(["leaked credentials in build logs", "partner feed outage", "expired certificate", "queue backlog"]))
    d.blank()
    d.line("**Severity:** SEV-", str(r.int(1, 3)), "  **Duration:** ", str(r.int(20, 300)), " minutes")
    d.blank().line("## Timeline").blank()
    items = [secret_sentence(r, k) for k in kinds] + [connection_sentence(r, c) for c in connections] + [lookalike_sentence(r) for _ in range(n_lookalikes)]
    r.shuffle(items)
    for i, s in enumerate(items):
        d.line(f"- {r.int(0, 23):02d}:{r.int(0, 59):02d} UTC - ", *s)
    d.blank().line("## Follow-ups").blank()
    d.line("- Rotate every credential named above and confirm the old ones fail.")
    d.line("- Add the secret scanner to the CI pipeline for this repository.")


def shell_history(corpus, r: Rand, index: int, n_passwords: int, connections: list[str], n_lookalikes: int) -> None:
    d = corpus.doc(f"code/ops-history-{index:02d}.sh")
    d.line("#!/usr/bin/env bash")
    d.line("# Commands from the migration night, kept for the write-up.")
    cmds = []
    for _ in range(n_passwords):
        pw = P(r.fresh(lambda: _password(r)), "secret", "password-cli")
        host = f"db-{r.digits(2)}.acme-corp.internal"
        cmds.append(r.choice([
            ["mysql -h ", host, " -u root -p'", pw, "' -e 'SHOW PROCESSLIST'"],
            ["PGPASSWORD='", pw, "' psql -h ", host, " -U postgres -c 'select 1'"],
            ["sshpass -p '", pw, "' ssh ", L(f"ops@{host}", "pii", "ssh-user-at-host"), " uptime"],
            ["./bin/admin --user ops --password='", pw, "' rotate-keys"],
            ["curl -u ops:", pw, " https://grafana.acme-corp.internal/api/health"],
        ]))
    for c in connections:
        cmds.append(["psql '", P(connection_string(r, c, r.choice(SERVICE_USERS), url_password(r)), "secret", c), "' -f migrate.sql"])
    for _ in range(n_lookalikes):
        cmds.append(r.choice([
            lambda: ["mysql -u root -p\"", L("$MYSQL_ROOT_PASSWORD", "secret", "templated-reference"), "\" < dump.sql"],
            lambda: ["git checkout ", L(lk.git_sha(r), "secret", "git-sha")],
            lambda: ["docker pull registry.acme-corp.com/api@sha256:", L(lk.sha256(r), "secret", "sha256-hex")],
            lambda: ["vault kv get -field=password secret/", L(f"db/prod-{r.digits(2)}", "secret", "vault-path")],
            lambda: ["export DB_PASSWORD=", L(r.choice(["$(vault kv get -field=pw secret/db)", "changeme", "''"]), "secret", "password-placeholder")],
            lambda: ["git clone ", L(lk.git_remote(r), "pii", "git-remote")],
        ])())
    r.shuffle(cmds)
    for c in cmds:
        d.line(*c)
