"""Secrets that only a structure shows: base64 `data` of Kubernetes Secrets (a `.dockerconfigjson`
among them, base64 inside base64), Docker `config.json` logins, and the values a Terraform
state marks sensitive. Built last so that every file before them keeps its bytes.

A planted value is labelled where a reviewer would point: the whole base64 token, or the
string a state holds. Next to them stand what must stay quiet: Helm templates, base64 of
stand-ins (`changeme`, `<password>`), settings that are no secret, outputs marked
`"sensitive": false`, and logins whose password is a placeholder.
"""

import base64
import json

from . import secrets as sx
from .doc import L, P
from .rand import ALNUM, Rand


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _aws_key_id(r: Rand) -> str:
    return sx.make(r, "aws-access-key-id")


def _password(r: Rand) -> str:
    return sx.make(r, "password")


def _service(r: Rand) -> str:
    return r.choice(["ledger", "invoicing", "fulfilment", "notifications", "catalogue", "loyalty"])


def kubernetes_page(corpus, r: Rand, index: int) -> None:
    """A runbook page with the manifests a team applies: a Secret whose data holds real
    credentials next to harmless settings and stand-ins, a registry pull secret, and the Helm
    chart's template of the same Secret."""
    service = _service(r)
    registry = f"{r.choice(['cr', 'images', 'registry'])}.{r.choice(['northwind-apps', 'tailspin.dev', 'fabrikam-cloud'])}.io"
    d = corpus.doc(f"prose/k8s-{service}-secrets-{index:02d}.md")
    d.line(f"# {service.capitalize()}: cluster credentials").blank()
    d.line(f"Applied by hand during the migration of the {service} namespace; the chart below "
           "should have replaced it.").blank()
    d.line("```yaml")
    d.line("apiVersion: v1")
    d.line("kind: Secret")
    d.line("metadata:")
    d.line(f"  name: {service}-runtime")
    d.line(f"  namespace: {service}")
    d.line("  labels:")
    d.line(f"    app.kubernetes.io/name: {service}")
    d.line("type: Opaque")
    d.line("data:")
    d.line("  POSTGRES_USER: ", _b64(service))
    d.line("  POSTGRES_PASSWORD: ", P(_b64(_password(r)), "secret", "kubernetes-secret-password"))
    d.line("  LOG_LEVEL: ", _b64(r.choice(["info", "debug", "warn"])))
    d.line("  aws-access-key-id: ", P(_b64(_aws_key_id(r)), "secret", "kubernetes-secret-aws-key-id"))
    stand_in = r.choice(["changeme", "CHANGE_ME_BEFORE_DEPLOY", "<set-by-ops>", "xxxxxxxxxxxx"])
    d.line("  SMTP_PASSWORD: ", L(_b64(stand_in), "secret", "kubernetes-secret-stand-in"))
    d.line("```").blank()

    user = f"robot${service}-puller"
    login = f"{user}:{r.fresh(lambda: r.chars(ALNUM, r.int(24, 32)))}"
    config = json.dumps({"auths": {registry: {"auth": _b64(login)}}}, separators=(",", ":"))
    d.line("The pull secret, as `kubectl create secret docker-registry` printed it:").blank()
    d.line("```yaml")
    d.line("apiVersion: v1")
    d.line("data:")
    d.line("  .dockerconfigjson: ", P(_b64(config), "secret", "kubernetes-dockerconfigjson"))
    d.line("kind: Secret")
    d.line("metadata:")
    d.line(f"  name: {service}-pull")
    d.line("type: kubernetes.io/dockerconfigjson")
    d.line("```").blank()

    d.line("In the chart the values come from the release, never from the repository:").blank()
    d.line("```yaml")
    d.line("{{- if .Values.secret.create }}")
    d.line("apiVersion: v1")
    d.line("kind: Secret")
    d.line("metadata:")
    d.line("  name: {{ include \"", service, ".fullname\" . }}")
    d.line("data:")
    d.line("  POSTGRES_PASSWORD: ", L("{{ .Values.postgres.password | b64enc | quote }}", "secret", "helm-template"))
    d.line("  aws-access-key-id: ", L("{{ required \"set awsKeyId\" .Values.awsKeyId | b64enc }}", "secret", "helm-template"))
    d.line("{{- end }}")
    d.line("```")


def docker_howto(corpus, r: Rand, index: int) -> None:
    """A how-to for logging in to the registries, with the config.json a build agent ended up
    with: one real login, an identity token, and the stand-ins the how-to tells people to
    replace."""
    host = r.choice(["northwind", "tailspin", "fabrikam"])
    d = corpus.doc(f"prose/registry-login-howto-{index:02d}.md")
    d.line("# How to pull images on a build agent").blank()
    d.line("1. Ask the platform team for a robot account.")
    d.line("2. Run `docker login` once; it writes `~/.docker/config.json`.")
    d.line("3. Never commit that file. For reference, it looks like this on agent ",
           f"build-{r.int(10, 99)}:").blank()
    user = r.choice(["svc-build", "jenkins", "gha-runner"])
    real = f"{user}:{r.fresh(lambda: sx.url_password(r))}"
    placeholder = r.choice(["<robot-token>", "${REGISTRY_TOKEN}", "REPLACE_ME"])
    token = r.fresh(lambda: r.chars(ALNUM, 8) + "-" + r.chars(ALNUM + "-_", r.int(40, 56)))
    d.line("```json")
    d.line("{")
    d.line('  "auths": {')
    d.line(f'    "registry.{host}.internal": {{')
    d.line('      "auth": "', P(_b64(real), "secret", "docker-config-auth"), '"')
    d.line("    },")
    d.line(f'    "docker.{host}.internal:5000": {{')
    d.line('      "auth": "', L(_b64(f"{user}:{placeholder}"), "secret", "docker-auth-stand-in"), '"')
    d.line("    },")
    d.line(f'    "{host}acr.azurecr.io": {{')
    d.line('      "auth": "', L(_b64("00000000-0000-0000-0000-000000000000:"), "secret", "docker-auth-empty-password"), '",')
    d.line('      "identitytoken": "', P(token, "secret", "docker-identity-token"), '"')
    d.line("    }")
    d.line("  },")
    d.line('  "credsStore": "', r.choice(["desktop", "pass", "secretservice"]), '"')
    d.line("}")
    d.line("```").blank()
    d.line("For a new agent, copy this and fill in your own login:").blank()
    d.line("```json")
    d.line('{ "auths": { "registry.', host, '.internal": { "auth": "',
           L("<base64 of user:password>", "secret", "docker-auth-template"), '" } } }')
    d.line("```")


def tfstate_incident(corpus, r: Rand, index: int) -> None:
    """An incident note quoting the state file that leaked from a public bucket: sensitive
    outputs and attributes are the leak; outputs marked not sensitive and a redacted value are
    not."""
    service = _service(r)
    d = corpus.doc(f"prose/incident-state-bucket-{index:02d}.md")
    d.line(f"# Incident {r.int(1000, 9999)}: Terraform state readable in a public bucket").blank()
    d.line(f"The {service} stack's state was uploaded with a public-read ACL for about four hours. "
           "Excerpt of what was exposed (resources trimmed):").blank()
    db_password = _password(r)
    master = r.fresh(lambda: r.chars(ALNUM, 24))
    bucket_suffix = r.hex(8)
    d.line("```json")
    d.line("{")
    d.line('  "version": 4,')
    d.line(f'  "terraform_version": "1.{r.int(5, 9)}.{r.int(0, 9)}",')
    d.line(f'  "serial": {r.int(10, 400)},')
    d.line(f'  "lineage": "{r.uuid()}",')
    d.line('  "outputs": {')
    d.line('    "db_master_password": {')
    d.line('      "value": "', P(master, "secret", "terraform-sensitive-output"), '",')
    d.line('      "type": "string",')
    d.line('      "sensitive": true')
    d.line("    },")
    d.line('    "artifact_bucket": {')
    d.line('      "value": "', L(f"{service}-artifacts-{bucket_suffix}", "secret", "terraform-output-not-sensitive"), '",')
    d.line('      "type": "string",')
    d.line('      "sensitive": false')
    d.line("    },")
    d.line('    "grafana_admin_password": {')
    d.line('      "value": "', L("REDACTED", "secret", "terraform-output-redacted"), '",')
    d.line('      "type": "string",')
    d.line('      "sensitive": true')
    d.line("    }")
    d.line("  },")
    d.line('  "resources": [')
    d.line("    {")
    d.line('      "mode": "managed",')
    d.line('      "type": "aws_db_instance",')
    d.line(f'      "name": "{service}",')
    d.line('      "provider": "provider[\\"registry.terraform.io/hashicorp/aws\\"]",')
    d.line('      "instances": [')
    d.line("        {")
    d.line('          "schema_version": 2,')
    d.line('          "attributes": {')
    d.line(f'            "identifier": "{service}-prod",')
    d.line(f'            "username": "{service}_app",')
    d.line('            "password": "', P(db_password, "secret", "terraform-sensitive-attribute"), '",')
    d.line('            "port": 5432,')
    d.line('            "storage_encrypted": true')
    d.line("          },")
    d.line('          "sensitive_attributes": [')
    d.line('            [{"type": "get_attr", "value": "password"}]')
    d.line("          ]")
    d.line("        }")
    d.line("      ]")
    d.line("    }")
    d.line("  ]")
    d.line("}")
    d.line("```").blank()
    d.line("Both passwords were rotated at 14:10; the bucket policy now denies public reads.")
