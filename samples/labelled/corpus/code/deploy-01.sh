#!/usr/bin/env bash
set -euo pipefail
# deploy helper: exports the service credentials, then runs the release
export WORKER_CONCURRENCY='8'
export LOG_LEVEL='info'
export MAILGUN_API_KEY='a873562d5ea5d04427df23bc82b4057c-48e16547-61923c8c'
export PYPI_API_TOKEN='pypi-AgEIcHlwaS5vcmcCJD6lL5Vnn4JYv45DU8BuAjVkBfJ49D8jt0QUVYaC9TDNIVLn9cGNJ9cx73VYqRtCEYugGw4yva4h3ACvDNfPWYs4rXsGcZjD9C2v_VQePahKdtx6Q6ka9OkhAbTOUojflUJL6AptUlPUkOaDhdf9oYIl'
export BITBUCKET_APP_PASSWORD='ATBB47KlJlBKRt45CUDwfqpY6tmn38669A38'
export AWS_ACCESS_KEY_ID='AKIAIOSFODNN7EXAMPLE'
export REQUEST_ID='0726ceb0-9eed-43fa-a30f-c1b5978bd3e7'
export TWILIO_AUTH_TOKEN='your_auth_token'
export AWS_ACCESS_KEY_ID='AKIAIOSFODNN7EXAMPLE'
export GITHUB_USER_TOKEN='ghu_2ONqmYpAsX1DaFeKMBfKE3SWC5wg9Z1NtSBs'
export METRICS_ENABLED='true'
export REDIS_PASSWORD='{{ .Values.REDIS_PASSWORD }}'
export SHOPIFY_ACCESS_TOKEN='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'
./bin/release --env production --service "${SERVICE_NAME:-billing-api}"
