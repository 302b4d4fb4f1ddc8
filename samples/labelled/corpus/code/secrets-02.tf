terraform {
  required_version = ">= 1.6"
}

resource "kubernetes_secret" "app" {
  metadata {
    name      = "app-credentials"
    namespace = "production"
  }
  data = {
    aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"
    stripe_publishable_key = "pk_live_51J8TVRPn9CZjMdlOYZ5c3iexVgwG8tmagMpxlg1g9vCHiRPSPIhQJMfKOzeaymeFultIDsXt9HVx8vxKg5lkM7K2I9rcjjJYYe"
    aws_region = "eu-west-1"
    metrics_enabled = "true"
    aws_access_key_id = "AKIAY3VVZHTDTRD2FCXX"
    github_app_token = "ghs_05WqcliLAEvFz4IgKQfDCWq3qAgfFD3VmN68"
    aws_secret_access_key = "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"
    stripe_webhook_secret = "whsec_cBTs6wfbz7gbKTPWFuyYiD5bRfw7gKFZ"
    slack_app_token = "xapp-1-AOCYQKYSF39-4197213543003-402c2333f4886d3365b963c722c3cfab8de88e126bcd3c1bfb2ceadc72ea2b7e"
    database_url = "amqp://guest:guest@localhost:5672/"
    google_client_id = "317847200520-wm1emqcywy6ozfzxu0pj2nhmtib89ocj.apps.googleusercontent.com"
    request_timeout_ms = "2500"
    app_version = "10.0.22170.1801"
    agent_version = "v2.2.6-rc.2"
  }
}
