"""Password hashes, credential dumps, database and identity-provider credentials, and the files
that carry passwords in plain text (.pgpass, .netrc, ADO.NET strings), built last so that
every file before them keeps its bytes.

Hashes are shaped as their schemes write them (crypt's alphabet, bcrypt's cost and the zero
padding bits of its last characters, sha-crypt's digest lengths, base64 digests of a hash
function's size); the digests are random, since no password stands behind them. Look-alikes
are the templates documentation prints, hashes cut short or with padding bits no encoder
writes, the empty password's NT hash, placeholders, and a documentation hash introduced as
such.
"""

import string

from . import people as pp
from .doc import L, P
from .rand import ALNUM, Rand

CRYPT64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BCRYPT64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
CISCO7_KEY = b"dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"
SECRET_KEY_CHARS = "ABCDEFGHJKLMNPQRSTVWXYZ23456789"
EMPTY_NT = "31d6cfe0d16ae931b73c59d7e0c089c0"
DOMAINS = [("ACME", "ACME.INTERNAL"), ("CORP", "CORP.ACME-CORP.COM"), ("GLOBEX", "AD.GLOBEX-HEALTH.COM")]


def _password(r: Rand, n: int = 16) -> str:
    while True:
        pw = r.chars(ALNUM + "!#%*-_", n)
        if any(c.isdigit() for c in pw) and any(c.isupper() for c in pw) and any(c.islower() for c in pw):
            return pw


def _user(r: Rand) -> str:
    first, last = pp.name(r)
    return r.choice([f"{first[0]}.{last}", f"{first}.{last}", f"svc-{last}"]).lower()


def _crypt_digest(r: Rand, n: int, last_values: int) -> str:
    return r.chars(CRYPT64, n - 1) + r.choice(CRYPT64[:last_values])


def bcrypt(r: Rand) -> str:
    cost = r.choice(["10", "11", "12", "12", "13"])
    salt = r.chars(BCRYPT64, 21) + r.choice(BCRYPT64[::16])
    return f"${r.choice(['2a', '2b', '2y'])}${cost}${salt}{r.chars(BCRYPT64, 30)}{r.choice(BCRYPT64[::4])}"


def bcrypt_bad_padding(r: Rand) -> str:
    salt = r.chars(BCRYPT64, 21) + r.choice([c for c in BCRYPT64 if BCRYPT64.index(c) % 16])
    return f"$2b$12${salt}{r.chars(BCRYPT64, 30)}{r.choice(BCRYPT64[::4])}"


def md5crypt(r: Rand, prefix: str = "$1$") -> str:
    return f"{prefix}{r.chars(CRYPT64, 8)}${_crypt_digest(r, 22, 4)}"


def sha512crypt(r: Rand) -> str:
    rounds = r.choice(["", "", "rounds=5000$", "rounds=656000$"])
    return f"$6${rounds}{r.chars(CRYPT64, 16)}${_crypt_digest(r, 86, 4)}"


def yescrypt(r: Rand) -> str:
    return f"$y$j9T${r.chars(CRYPT64, 22)}${r.chars(CRYPT64, 43)}"


def ldap_sha(r: Rand) -> str:
    return "{SHA}" + r.b64(20)


def ldap_ssha(r: Rand) -> str:
    return "{SSHA}" + r.b64(20 + r.choice([4, 8]))


def argon2id(r: Rand) -> str:
    salt = r.b64(16).rstrip("=")
    return f"$argon2id$v=19$m={r.choice(['65536', '19456', '47104'])},t={r.int(2, 4)},p=1${salt}${r.b64(32).rstrip('=')}"


def django_pbkdf2(r: Rand) -> str:
    return f"pbkdf2_sha256${r.choice(['600000', '720000', '870000'])}${r.alnum(22)}${r.b64(32)}"


def pkcs5s2(r: Rand) -> str:
    return "{PKCS5S2}" + r.b64(48)


def mysql_native(r: Rand) -> str:
    return "*" + r.hex(40).upper()


def scram(r: Rand) -> str:
    return f"SCRAM-SHA-256$4096:{r.b64(16)}${r.b64(32)}:{r.b64(32)}"


def mssql(r: Rand) -> str:
    return "0x0200" + r.hex(136).upper()


def phpass(r: Rand) -> str:
    return f"$P$B{r.chars(CRYPT64, 8)}{_crypt_digest(r, 22, 4)}"


def cisco_type7(r: Rand, offset: int | None = None) -> str:
    offset = r.int(0, 15) if offset is None else offset
    pw = _password(r, r.int(9, 14)).encode()
    return f"{offset:02d}" + "".join(f"{b ^ CISCO7_KEY[(offset + i) % len(CISCO7_KEY)]:02X}" for i, b in enumerate(pw))


def cisco_type9(r: Rand) -> str:
    return f"$9${r.chars(CRYPT64, 14)}${r.chars(CRYPT64, 43)}"


# --- incident note: a secretsdump and a Responder capture ---------------------------------------

def incident_dump(corpus, r: Rand, index: int) -> None:
    short, realm = r.choice(DOMAINS)
    d = corpus.doc(f"prose/incident-credential-dump-{index:02d}.md")
    d.line(f"# INC-{r.digits(5)}: credential dump on a file server").blank()
    d.line("The attacker ran Impacket from the compromised jump host. What they printed is "
           "pasted below for the forensics team; every account listed is being reset.").blank()
    user = _user(r)
    pw = _password(r)
    d.line("Command found in the shell history:").blank()
    d.line("```")
    d.line(f"secretsdump.py {short}/{user}:", P(pw, "secret", "impacket-password"), f"@10.{r.int(1, 250)}.{r.int(1, 250)}.{r.int(2, 250)}")
    d.line("```").blank()
    d.line("Output (NTDS.DIT, trimmed):").blank()
    d.line("```")
    d.line(f"Administrator:500:aad3b435b51404eeaad3b435b51404ee:", P(r.hex(32), "secret", "ntlm-hash"), ":::")
    d.line("Guest:501:aad3b435b51404eeaad3b435b51404ee:", L(EMPTY_NT, "secret", "empty-password-nt-hash"), ":::")
    for _ in range(2):
        d.line(f"{short}\\{_user(r)}:{r.int(1100, 4200)}:aad3b435b51404eeaad3b435b51404ee:", P(r.hex(32), "secret", "ntlm-hash"), ":::")
    d.line(f"krbtgt:aes256-cts-hmac-sha1-96:", P(r.hex(64), "secret", "kerberos-aes-key"))
    cached = _user(r)
    d.line(f"{realm}/{cached}:", P(f"$DCC2$10240#{cached}#{r.hex(32)}", "secret", "mscash2-hash"), f": (2026-0{r.int(1, 9)}-1{r.int(0, 9)} 0{r.int(0, 9)}:14:55)")
    d.line("```").blank()
    spn_user = _user(r)
    d.line("Kerberoasting result for the SQL service account:").blank()
    tgs = (f"$krb5tgs$23$*{spn_user}${realm}$MSSQLSvc/sql{r.digits(2)}.{realm.lower()}:1433*$"
           f"{r.hex(32)}${r.hex(2 * r.int(180, 320))}")
    d.line(P(tgs, "secret", "kerberos-tgs-hash")).blank()
    responder = f"{_user(r)}::{short}:{r.hex(16)}:{r.hex(32)}:0101000000000000{r.hex(2 * r.int(60, 120))}"
    d.line("Responder also caught a workstation authenticating:").blank()
    d.line("[SMB] NTLMv2-SSP Hash     : ", P(responder, "secret", "netntlmv2-hash")).blank()
    d.line("## For the write-up").blank()
    d.line("- Kerberoast lines have the shape ", L("$krb5tgs$23$*user$realm$spn*$checksum$edata2", "secret", "tgs-hash-template"), ".")
    d.line("- A pwdump line reads ", L("user:RID:LM-hash:NT-hash:::", "secret", "pwdump-template"), "; the NT hash of an empty password is always the same.")


# --- runbook: web server auth with an htpasswd file and a shadow excerpt -----------------------

def htpasswd_runbook(corpus, r: Rand, index: int) -> None:
    d = corpus.doc(f"prose/runbook-basic-auth-{index:02d}.md")
    d.line(f"# Basic auth in front of the internal dashboards ({index})").blank()
    d.line("The nginx sidecar reads /etc/nginx/.htpasswd. Current file, copied from the pod:").blank()
    d.line("```")
    d.line("grafana:", P(md5crypt(r, "$apr1$"), "secret", "apr1-hash"))
    d.line("prometheus:", P(bcrypt(r), "secret", "bcrypt-hash"))
    d.line("alertmanager:", P(ldap_sha(r), "secret", "htpasswd-sha1"))
    d.line("```").blank()
    pw = _password(r, 14)
    d.line("To add a user without a prompt:").blank()
    d.line(f"    htpasswd -bB /etc/nginx/.htpasswd kibana ", P(pw, "secret", "htpasswd-batch-password")).blank()
    d.line("The bastion's local accounts (from /etc/shadow, before the LDAP migration):").blank()
    d.line("```")
    for kind, make in (("sha512crypt-hash", sha512crypt), ("yescrypt-hash", yescrypt), ("md5crypt-hash", md5crypt)):
        d.line(f"{_user(r).replace('.', '')}:", P(make(r), "secret", kind), f":{r.int(18000, 20400)}:0:99999:7:::")
    d.line("nobody:*:19000:0:99999:7:::")
    d.line("```").blank()
    d.line("## Notes").blank()
    d.line("- hashcat example hash for mode 500, for the training deck: ", L(md5crypt(r), "secret", "documented-example-hash"))
    d.line("- A line that failed to load had a damaged hash: ", L(bcrypt_bad_padding(r), "secret", "bcrypt-bad-padding"))
    cut = sha512crypt(r)
    d.line("- The old root entry was truncated when pasted: ", L(cut[:60], "secret", "truncated-sha512crypt"), "...")
    d.line("- The format is ", L("$6$<salt>$<hash>", "secret", "crypt-template"), "; never paste real entries here again.")


# --- application settings: ADO.NET, Npgsql, ODBC, StackExchange.Redis -------------------------

def appsettings(corpus, r: Rand, index: int) -> None:
    d = corpus.doc(f"config/appsettings-{index:02d}.json")
    host = f"sql-prod-{r.digits(2)}.acme.internal"
    d.line("{")
    d.line('  "ConnectionStrings": {')
    d.line('    "Reporting": "Password=', P(_password(r), "secret", "adonet-password"),
           f';Persist Security Info=True;User ID=report;Initial Catalog=Reporting;Data Source={host}",')
    d.line(f'    "Orders": "Host=pg-orders-{r.digits(2)}.acme.internal;Port=5432;Database=orders;Username=orders_app;Password=',
           P(_password(r), "secret", "npgsql-password"), ';SSL Mode=Require",')
    d.line(f'    "Warehouse": "Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:{host},1433;Database=dw;Uid=etl;Pwd=',
           P(_password(r), "secret", "odbc-password"), ';Encrypt=yes",')
    d.line(f'    "Cache": "cache-{r.digits(2)}.redis.cache.windows.net:6380,password=',
           P(_password(r, 20), "secret", "stackexchange-redis-password"), ',ssl=True,abortConnect=False",')
    d.line('    "Audit": "Data Source=', host, ';Initial Catalog=Audit;User ID=audit;Password=',
           L("$(AuditDbPassword)", "secret", "msbuild-variable-password"), '",')
    d.line('    "Staging": "Host=pg-staging;Database=orders;Username=orders_app;Password=',
           L(r.choice(["{your_password}", "%ORDERS_DB_PASSWORD%", "********"]), "secret", "placeholder-password"), '"')
    d.line("  },")
    d.line('  "Logging": { "LogLevel": { "Default": "Information" } }')
    d.line("}")


# --- how-to: .pgpass and .netrc ------------------------------------------------------------------

def credential_files_howto(corpus, r: Rand, index: int) -> None:
    d = corpus.doc(f"prose/howto-credential-files-{index:02d}.md")
    d.line(f"# How to stop typing database passwords ({index})").blank()
    d.line("psql reads ~/.pgpass; each line is ", L("hostname:port:database:username:password", "secret", "pgpass-format"),
           ". Ours on the reporting box:").blank()
    d.line("```")
    for port in ("5432", "6432", "*"):
        host = r.choice([f"pg-{r.choice(['orders', 'billing', 'ledger'])}-{r.digits(2)}.acme.internal", "*", f"10.{r.int(1, 250)}.{r.int(1, 250)}.{r.int(2, 250)}"])
        d.line(f"{host}:{port}:{r.choice(['orders', 'billing', '*'])}:{r.choice(['report', 'etl_loader', 'replicator'])}:",
               P(_password(r), "secret", "pgpass-password"))
    d.line("```").blank()
    d.line("Not a pgpass line (the backup log's timestamps look alike): ",
           L(f"{r.int(10, 23)}:{r.int(10, 59)}:{r.int(10, 59)}:{r.digits(3)}:done", "secret", "timestamp-colons"), ".").blank()
    d.line("curl and git read ~/.netrc:").blank()
    d.line("```")
    d.line(f"machine artifacts.acme.internal login ci-reader password ", P(_password(r, 18), "secret", "netrc-password"))
    d.line("machine git.acme-corp.com")
    d.line("  login deploy-bot")
    d.line("  password ", P(_password(r, 20), "secret", "netrc-password"))
    d.line("machine api.acme-corp.com login me password ", L("<personal token>", "secret", "netrc-placeholder"))
    d.line("```")


# --- a database dump: application user tables ---------------------------------------------------

def user_table_dump(corpus, r: Rand, index: int) -> None:
    d = corpus.doc(f"logs/user-tables-{index:02d}.sql")
    d.line(f"-- dump of the user tables, ticket DBA-{r.digits(4)}")
    d.line("INSERT INTO cwd_user (user_name, credential) VALUES ('", _user(r), "', '", P(pkcs5s2(r), "secret", "atlassian-pkcs5s2-hash"), "');")
    d.line("INSERT INTO auth_user (username, password) VALUES ('", _user(r), "', '", P(django_pbkdf2(r), "secret", "django-pbkdf2-hash"), "');")
    first, last = pp.name(r)
    d.line("INSERT INTO accounts (email, password_hash) VALUES ('", P(pp.email(r, first, last), "pii", "email"), "', '",
           P(argon2id(r), "secret", "argon2-hash"), "');")
    d.line("INSERT INTO wp_users (user_login, user_pass) VALUES ('editor', '", P(phpass(r), "secret", "phpass-hash"), "');")
    d.line("-- mysql.user after the migration (authentication_string):")
    d.line("ALTER USER 'report'@'%' IDENTIFIED WITH mysql_native_password AS '", P(mysql_native(r), "secret", "mysql-native-hash"), "';")
    d.line("-- pg_authid:")
    d.line("ALTER ROLE etl PASSWORD '", P(scram(r), "secret", "postgres-scram-verifier"), "';")
    d.line("-- sys.sql_logins:")
    d.line("CREATE LOGIN [report] WITH PASSWORD = ", P(mssql(r), "secret", "mssql-hash"), " HASHED;")
    d.line("-- LDAP export:")
    d.line("-- userPassword: ", P(ldap_ssha(r), "secret", "ldap-ssha"))
    d.line("-- rows below were cut off by the export tool:")
    d.line("INSERT INTO auth_user (username, password) VALUES ('old', '", L(django_pbkdf2(r)[:-12], "secret", "truncated-django-hash"), "');")
    d.line("INSERT INTO cwd_user (user_name, credential) VALUES ('svc', '", L("{PKCS5S2}" + r.b64(30), "secret", "short-pkcs5s2"), "');")


# --- network configuration: reversible and hashed device passwords ------------------------------

def network_config(corpus, r: Rand, index: int) -> None:
    d = corpus.doc(f"config/switch-{index:02d}.txt")
    d.line(f"! core-sw-{r.digits(2)} running-config (excerpt)")
    d.line("enable secret 9 ", P(cisco_type9(r), "secret", "cisco-type9-hash"))
    d.line("username netops privilege 15 password 7 ", P(cisco_type7(r), "secret", "cisco-type7"))
    d.line("tacacs-server host 10.0.0.5 key 7 ", P(cisco_type7(r), "secret", "cisco-type7"))
    d.line("snmp-server community ", P(r.alnum(14), "secret", "snmp-community"), " RO 10")
    d.line("snmp-server community ", L("public", "secret", "default-snmp-community"), " RO")
    offset = r.int(16, 52)
    d.line("! restored from a damaged backup, does not decode:")
    d.line("username legacy password 7 ", L(f"{offset:02d}" + r.hex(20).upper(), "secret", "cisco-type7-bad-offset"))
    d.line("username guest password 7 ", L("<removed>", "secret", "cisco-type7-redacted"))


# --- data platform tokens -------------------------------------------------------------------------

def data_platform_env(corpus, r: Rand, index: int) -> None:
    d = corpus.doc(f"config/data-platform-{index:02d}.env")
    d.line("# analytics stack, copied from the old VM")
    d.line("DATABRICKS_TOKEN=", P("dapi" + r.hex(32), "secret", "databricks-token"))
    d.line("ASTRA_DB_APPLICATION_TOKEN=", P(f"AstraCS:{r.chars(string.ascii_letters, 24)}:{r.hex(64)}", "secret", "astra-token"))
    d.line("PLANETSCALE_PASSWORD=", P("pscale_pw_" + r.chars(ALNUM + "_-", 43), "secret", "planetscale-password"))
    d.line("KAFKA_SASL_PASSWORD=", P("AVNS_" + r.chars(ALNUM + "_-", 24), "secret", "aiven-password"))
    d.line("NEON_PASSWORD=", P("npg_" + r.alnum(12), "secret", "neon-password"))
    d.line("PINECONE_API_KEY=", P(f"pcsk_{r.alnum(5)}_{r.alnum(63)}", "secret", "pinecone-api-key"))
    d.line("SUPABASE_ACCESS_TOKEN=", P("sbp_" + r.hex(40), "secret", "supabase-access-token"))
    groups = [r.chars(SECRET_KEY_CHARS, n) for n in (6, 6, 5, 5, 5, 5)]
    d.line("# 1Password emergency kit of the ops vault owner: ", P("A3-" + "-".join(groups), "secret", "onepassword-secret-key"))
    d.line("DOPPLER_TOKEN=", P(f"dp.st.prd.{r.alnum(43)}", "secret", "doppler-token"))
    d.line("# templates for the new hosts")
    d.line("DATABRICKS_TOKEN_STAGING=", L("dapi" + r.hex(30), "secret", "databricks-wrong-length"))
    d.line("ASTRA_DB_APPLICATION_TOKEN_DEV=", L("AstraCS:<client-id>:<secret>", "secret", "astra-placeholder"))
    d.line("NEON_PASSWORD_DEV=", L("npg_<role-password>", "secret", "neon-placeholder"))
