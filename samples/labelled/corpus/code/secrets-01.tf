terraform {
  required_version = ">= 1.6"
}

resource "kubernetes_secret" "app" {
  metadata {
    name      = "app-credentials"
    namespace = "production"
  }
  data = {
    openai_api_key = "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"
    stripe_publishable_key = "pk_live_51WoIWVAbQZrecpUCvBhtuXNUUItOKVeFqd8VQvEn7Je3GpbIx47yExkbuMNiK3Su2XgBVs2im0crwa3nhGn393rMrRUeN1iAXc"
    aws_region = "eu-west-1"
    aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"
    stripe_webhook_secret = "whsec_HQMhj89IvI4g5f8Z6B3rtlhpO5xY8mbP"
    port = "8080"
    new_relic_license_key = "105d7c0ee9bfbe3765bb480b17b70a2959f6NRAL"
    sendgrid_api_key = "TODO-fill-in"
    azure_storage_connection_string = "DefaultEndpointsProtocol=https;AccountName=acmebackups89;AccountKey=QQmPjHOJ6DhkoRgvtQR05lx52kCY8pPrNJmrvBBEfyBkn9TL8Admmgk3MTxh4B0AFmmAm0IwKklLRSWLuBn2ww==;EndpointSuffix=core.windows.net"
    gitlab_deploy_token = "gldt-Z2xMjq5Ik7TyBNDp1v1E"
    release_commit = "6efd708fe184dc0a655b00a5aac678a05913e2e0"
  }
}
