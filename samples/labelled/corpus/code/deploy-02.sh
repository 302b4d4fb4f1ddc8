#!/usr/bin/env bash
set -euo pipefail
# deploy helper: exports the service credentials, then runs the release
export AZURE_CLIENT_SECRET='RLN9Q~JTNyV2viodlR4Zp29tQioNHBOwjld9H_tN'
export AWS_REGION='eu-west-1'
export API_BASE_URL='https://api.acme-corp.com/v2'
export METRICS_ENABLED='true'
export SERVICE_NAME='billing-api'
export ANTHROPIC_API_KEY='sk-ant-api03-72Lro7a4WRv_aDojib_PlkfvcwXbwkFymdHs02i1lcYiSA_sJH2TnvGvNCZOnRzpdxKXVdN8hbx_Hsg_qkIN7r9iQndDKAA'
export DATABASE_URL='postgresql://app@localhost:5432/orders'
export SLACK_WEBHOOK_URL='https://hooks.slack.com/services/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'
export GITLAB_TOKEN='glpat-CyO6ACkGRFc3gSS7b3Io'
export GOOGLE_API_KEY='AIzaXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'
export STRIPE_PUBLISHABLE_KEY='pk_live_51zW3DIWOoetX8SSz6xlzjIw49PD4jHw65TSZbLk435O9qMGathoka2AvSV0zM16R7KLJLBFXGOgZDkqmfHkwoGIRcqFhQJ4wnz'
export STRIPE_SECRET_KEY='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'
export REQUEST_ID='fe137108-37b8-4978-a045-694da69954ca'
export SENTRY_AUTH_TOKEN='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'
export BROKER_URL='mysql://root:<password>@127.0.0.1:3306/crm_23'
export GOOGLE_CLIENT_ID='979511515879-9hevzs376p3cpz08dzcwm5zqtxiv1qdj.apps.googleusercontent.com'
./bin/release --env production --service "${SERVICE_NAME:-billing-api}"
